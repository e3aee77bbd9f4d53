"""The subscription activity log export (``azure.monitor.subscription_activity_log``): one resource
per subscription, addressed ``/subscriptions/<id>/providers/Microsoft.Insights/diagnosticSettings``.

========= ================================================================ ==========================================
key       meaning                                                          source (ARM action)
========= ================================================================ ==========================================
settings  [{name, logs}] subscription diagnostic settings; ``logs`` = the  SubscriptionDiagnosticSettings_List
          enabled activity-log categories (Administrative, Security, ...)  (Microsoft.Insights/diagnosticSettings/read)
========= ================================================================ ==========================================
"""

from __future__ import annotations

from scanner.collectors.azure.reader import FactReader
from scanner.collectors.azure.session import AzureSession
from scanner.collectors.azure.storage import diagnostic_logs
from scanner.facts.resource import Resource

ACTIVITY_LOG = "azure.monitor.subscription_activity_log"


def collect_activity_log(session: AzureSession, subscription: str) -> Resource:
    monitor = session.client("monitor", subscription)
    reader = FactReader()
    reader.read("settings", lambda: list(monitor.subscription_diagnostic_settings.list()),
                lambda items: [{"name": s.name, "logs": diagnostic_logs(s)} for s in items])
    return Resource(provider="azure", type=ACTIVITY_LOG,
                         id=f"/subscriptions/{subscription}/providers/Microsoft.Insights/diagnosticSettings",
                         name=f"activity log of {subscription}", account=subscription, region=None,
                         facts=reader.facts, errors=reader.errors)
