"""Azure subscription activity log export (the audit trail of control-plane changes).

Judged on ``azurerm_monitor_diagnostic_setting`` resources whose target is a subscription
(``/subscriptions/<id>`` or a ``data.azurerm_subscription`` / ``azurerm_subscription`` reference).
Settings that target another resource are not activity-log settings: they pass with a text that
says so (their blob/resource logging is judged by the AUD-ACCESS graph check).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies.terraform.azure_gcp_common import (
    ObservingCheck,
    Observation,
    as_bool,
    blocks,
    failed,
    first,
    passed,
    unknown,
)

#: activity log categories that record who changed what (Administrative) and security alerts
REQUIRED_CATEGORIES = frozenset({"Administrative", "Security"})
_SUBSCRIPTION = re.compile(r"^/subscriptions/[^/]+/?$|^(data\.)?azurerm_subscription\.[^.]+\.id$", re.IGNORECASE)


def _target_kind(target: Any) -> str:
    if not isinstance(target, str):
        return "unknown"
    text = target.strip().removeprefix("${").removesuffix("}")
    if _SUBSCRIPTION.match(text):
        return "subscription"
    if text.startswith(("var.", "local.", "module.")):
        return "unknown"
    return "other"


def _enabled_categories(conf: dict[str, Any]) -> set[str]:
    categories = {str(first(b, "category")) for b in blocks(conf, "enabled_log") if first(b, "category")}
    for legacy in blocks(conf, "log"):  # azurerm v3 `log` blocks carry their own `enabled`
        if as_bool(first(legacy, "enabled")) is not False and first(legacy, "category"):
            categories.add(str(first(legacy, "category")))
    return categories


class ActivityLogExport(ObservingCheck):
    keys = ("target_resource_id", "enabled_log", "log")

    def __init__(self) -> None:
        super().__init__("Subscription activity log (Administrative, Security) is exported",
                         "PACS_AZURE_ACTIVITY_LOG", ["azurerm_monitor_diagnostic_setting"],
                         CheckCategories.LOGGING)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        target = first(conf, "target_resource_id")
        kind = _target_kind(target)
        if kind == "unknown":
            yield unknown(f"target_resource_id={target}: cannot tell whether it is a subscription")
            return
        if kind == "other":
            yield passed(f"target_resource_id={target}: not a subscription activity-log setting (not applicable)")
            return
        enabled = _enabled_categories(conf)
        missing = sorted(REQUIRED_CATEGORIES - enabled)
        text = f"subscription activity log categories {sorted(enabled)}"
        yield failed(f"{text}: missing {missing}") if missing else passed(text)


check_activity_log = ActivityLogExport()
