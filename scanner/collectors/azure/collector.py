"""The Azure collector: every readable (or every named) subscription -> an :class:`Inventory`.

Resource types and their facts are documented in the module that produces them:
``storage`` (azure.storage.account), ``network`` (azure.network.nsg,
azure.network.application_gateway), ``monitor`` (azure.monitor.subscription_activity_log),
``backup`` (azure.recovery.vault, azure.recovery.backup_policy), ``keyvault``
(azure.keyvault.key) and ``healthcare`` (azure.healthcare.dicom_service). A listing that fails
becomes a :class:`CollectionFailure`; a single fact that fails becomes an entry in the resource's
``errors``. Only ``GET`` requests are made.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.core.exceptions import AzureError

from scanner.collectors.azure.backup import POLICY, VAULT, collect_backup
from scanner.collectors.azure.credentials import AzureTarget, build_credential
from scanner.collectors.azure.errors import reason
from scanner.collectors.azure.healthcare import DICOM, collect_dicom
from scanner.collectors.azure.keyvault import KEY, collect_keys
from scanner.collectors.azure.monitor import ACTIVITY_LOG, collect_activity_log
from scanner.collectors.azure.network import APP_GATEWAY, NSG, collect_gateways, collect_nsgs
from scanner.collectors.azure.reads import READS
from scanner.collectors.azure.session import AzureSession, RetryPolicy
from scanner.collectors.azure.storage import ACCOUNT, collect_storage
from scanner.collectors.base import CollectorError, Progress
from scanner.collectors.planned import calls_by_kind
from scanner.engine.plan import ReadPlan
from scanner.facts.resource import CollectionFailure, Inventory, Resource

RESOURCE_TYPES = (ACCOUNT, NSG, APP_GATEWAY, ACTIVITY_LOG, VAULT, POLICY, KEY, DICOM)
_SKIPPED_STATES = frozenset({"disabled", "deleted"})

Listing = tuple[list[Resource], list[CollectionFailure]]


class AzureCollector:
    """Scans Azure Resource Manager read-only. ``credential``, ``base_url`` and
    ``connection_verify`` exist for tests (a local ARM fixture server); users leave them unset and
    may point the scan at another ARM endpoint (an emulator, Azure Stack) with
    ``PACSCAN_AZURE_ENDPOINT_URL``, as ``AWS_ENDPOINT_URL`` does for AWS (its TLS certificate is
    trusted through ``REQUESTS_CA_BUNDLE``, as for every requests-based client)."""

    def __init__(self, target: AzureTarget | None = None, *, credential: Any = None, retry: RetryPolicy | None = None,
                 base_url: str | None = None, connection_verify: str | bool = True, concurrency: int = 16,
                 on_request: Callable[[str, str], None] | None = None) -> None:
        self.target = target or AzureTarget()
        self._credential = credential
        self._retry = retry
        self._base_url = base_url or os.environ.get("PACSCAN_AZURE_ENDPOINT_URL") or None
        self._verify = connection_verify
        self._workers = concurrency
        self._on_request = on_request
        self.session: AzureSession | None = None  # the last scan's session (its calls and wire record)

    @property
    def provider(self) -> str:
        return "azure"

    def collect(self, progress: Progress | None = None, plan: ReadPlan | None = None) -> Inventory:
        """Everything ``plan`` needs (by default every fact): listings of kinds no selected rule judges
        are not made, and a storage account's own requests only where needed."""
        reads = plan or ReadPlan.read_everything()
        say = progress or (lambda _message: None)
        credential = self._credential if self._credential is not None else build_credential(self.target)
        session = AzureSession(credential, self._retry, self._base_url, self._verify, self._on_request)
        self.session = session
        subscriptions, failures = self._subscriptions(session)
        resources: list[Resource] = []
        principal = session.principal() if subscriptions else ""
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            for subscription in subscriptions:
                say(f"Azure subscription {subscription}")
                found, failed = self._subscription(session, subscription, pool, reads)
                resources += found
                failures += failed
        if reads.wants_kind(KEY):
            say("Azure Key Vault keys protecting storage")
            resources += collect_keys(session, subscriptions, resources)
        return Inventory(resources=tuple(resources), failures=tuple(failures),
                         identities={s: principal for s in subscriptions}, calls=dict(session.calls),
                         calls_by_kind=calls_by_kind(session.calls, READS))

    def _subscriptions(self, session: AzureSession) -> tuple[list[str], list[CollectionFailure]]:
        """--subscription values, else every readable, enabled subscription. A failed or empty
        listing is a CollectionFailure for every resource type: nothing scanned never reads as compliant."""
        if self.target.subscriptions:
            return list(self.target.subscriptions), []
        where = f"tenant {self.target.tenant}" if self.target.tenant else "all subscriptions"
        try:
            found = list(session.client("subscriptions").subscriptions.list())
        except AzureError as err:
            return [], _everything(where, f"cannot list subscriptions: {reason(err)} (pass --subscription)")
        wanted = [str(s.subscription_id) for s in found
                  if str(getattr(s, "state", "") or "").lower() not in _SKIPPED_STATES
                  and (not self.target.tenant or _same_tenant(s, self.target.tenant))]
        if not wanted:
            return [], _everything(where, "no enabled subscription is readable by this identity")
        return sorted(wanted), []

    def _subscription(self, session: AzureSession, subscription: str, pool: ThreadPoolExecutor,
                      plan: ReadPlan) -> Listing:
        resources: list[Resource] = []
        failures: list[CollectionFailure] = []
        # (the kinds that need it, the listing): storage accounts also name the keys that protect them
        parts: list[tuple[tuple[str, ...], Callable[[], Listing]]] = [
            ((ACCOUNT, KEY), lambda: collect_storage(session, subscription, pool, plan.kind(ACCOUNT))),
            ((NSG,), lambda: collect_nsgs(session, subscription, plan.kind(NSG).wants("flow_logs"))),
            ((APP_GATEWAY,), lambda: collect_gateways(session, subscription)),
            ((VAULT, POLICY), lambda: collect_backup(session, subscription)),
            ((ACTIVITY_LOG,), lambda: ([collect_activity_log(session, subscription)], [])),
            ((DICOM,), lambda: collect_dicom(session, subscription)),
        ]
        for kinds, listing in parts:
            if any(plan.wants_kind(k) for k in kinds):
                found, failed = listing()
                resources += found
                failures += failed
        return resources, failures


def _same_tenant(subscription: Any, tenant: str) -> bool:
    """A tenant given as a GUID must match; a domain name cannot be compared here, so it matches."""
    found = getattr(subscription, "tenant_id", None)
    return found is None or "." in tenant or str(found).lower() == tenant.lower()


def _everything(where: str, why: str) -> list[CollectionFailure]:
    return [CollectionFailure("azure", t, where, None, why) for t in RESOURCE_TYPES]


__all__ = ["AzureCollector", "CollectorError"]
