"""Storage accounts (``azure.storage.account``): account properties, blob service, containers,
lifecycle policy and blob-service diagnostic settings. ``None`` = not configured / not returned by ARM.

Facts of ``azure.storage.account`` (key: meaning), grouped by the call that reads them:

StorageAccounts_List (``Microsoft.Storage/storageAccounts/read``)
    https_only                supportsHttpsTrafficOnly
    min_tls_version           minimumTlsVersion, e.g. ``TLS1_2``
    allow_blob_public_access  allowBlobPublicAccess (None: the ARM default, which allows it)
    allow_shared_key_access   allowSharedKeyAccess (None: the ARM default, which allows it)
    public_network_access     publicNetworkAccess: Enabled / Disabled / SecuredByPerimeter / None
    network.default_action    networkAcls.defaultAction: Allow / Deny
    network.bypass            networkAcls.bypass, e.g. ``AzureServices``
    network.ip_rules          allowed IP ranges (strings)
    private_endpoints         [{id, status}] private endpoint connections
    encryption.key_source     ``Microsoft.Storage`` (platform key) / ``Microsoft.Keyvault`` (customer-managed)
    encryption.key_vault_uri  customer-managed key: vault URI (None without one)
    encryption.key_name       customer-managed key: key name
    encryption.key_version    customer-managed key: version ('' / None: follows the latest version)
    encryption.infrastructure requireInfrastructureEncryption (double encryption)
    replication               SKU name, e.g. ``Standard_GRS``
    immutability              None: no account-level immutability; else {enabled, state (Unlocked / Locked /
                              Disabled), period_days (immutabilityPeriodSinceCreationInDays)}
BlobServices_GetServiceProperties (``Microsoft.Storage/storageAccounts/blobServices/read``)
    blob_service.versioning   isVersioningEnabled
    blob_service.soft_delete  {enabled, days}: blob soft delete
    blob_service.container_soft_delete  {enabled, days}: container soft delete
BlobContainers_List (``Microsoft.Storage/storageAccounts/blobServices/containers/read``)
    containers                [{name, id, public_access (None / Blob / Container), immutability_policy
                              ({state, period_days} or None), legal_hold}]
ManagementPolicies_Get (``Microsoft.Storage/storageAccounts/managementPolicies/read``)
    lifecycle_rules           None: no lifecycle policy; else [{name, enabled, deletions: [{action, days}]}]
                              with the base-blob delete actions (daysAfterModification/Creation/LastAccess)
DiagnosticSettings_List on ``<account>/blobServices/default`` (``Microsoft.Insights/diagnosticSettings/read``)
    blob_diagnostics          [{name, logs}]: ``logs`` = the enabled categories and category groups
                              (StorageRead, StorageWrite, StorageDelete, audit, allLogs)

Account keys are never listed (no ``listKeys``) and no blob is ever read. The four per-account
requests are made only where the scan's read plan needs them (``reads.py``; ``Resource.skipped``
names the others): not for an account outside the ``imaging_data`` scope, nor for a fact no selected
rule reads.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from azure.core.exceptions import AzureError

from scanner.collectors.azure.errors import reason
from scanner.collectors.azure.reader import FactReader, flat_tags, plain, resource_group
from scanner.collectors.azure.reads import READS
from scanner.collectors.azure.session import AzureSession
from scanner.collectors.planned import read_planned
from scanner.engine.plan import KindPlan
from scanner.facts.resource import CollectionFailure, Resource

ACCOUNT = "azure.storage.account"


def attr(obj: Any, *path: str) -> Any:
    """``obj.a.b.c`` with None for any missing step; enums as strings."""
    for name in path:
        if obj is None:
            return None
        obj = getattr(obj, name, None)
    return plain(obj)


def _account_facts(account: Any) -> dict[str, Any]:
    props = account.properties
    immutable = attr(props, "immutable_storage_with_versioning")
    return {
        "https_only": attr(props, "enable_https_traffic_only"),
        "min_tls_version": attr(props, "minimum_tls_version"),
        "allow_blob_public_access": attr(props, "allow_blob_public_access"),
        "allow_shared_key_access": attr(props, "allow_shared_key_access"),
        "public_network_access": attr(props, "public_network_access"),
        "network": {
            "default_action": attr(props, "network_rule_set", "default_action"),
            "bypass": attr(props, "network_rule_set", "bypass"),
            "ip_rules": [str(attr(r, "ip_address_or_range"))
                         for r in attr(props, "network_rule_set", "ip_rules") or []],
        },
        "private_endpoints": [
            {"id": attr(c, "properties", "private_endpoint", "id"),
             "status": attr(c, "properties", "private_link_service_connection_state", "status")}
            for c in attr(props, "private_endpoint_connections") or []
        ],
        "encryption": {
            "key_source": attr(props, "encryption", "key_source"),
            "key_vault_uri": attr(props, "encryption", "key_vault_properties", "key_vault_uri"),
            "key_name": attr(props, "encryption", "key_vault_properties", "key_name"),
            "key_version": attr(props, "encryption", "key_vault_properties", "key_version"),
            "infrastructure": attr(props, "encryption", "require_infrastructure_encryption"),
        },
        "replication": attr(account, "sku", "name"),
        "immutability": None if immutable is None else {
            "enabled": attr(immutable, "enabled"),
            "state": attr(immutable, "immutability_policy", "state"),
            "period_days": attr(immutable, "immutability_policy", "immutability_period_since_creation_in_days"),
        },
    }


def _retention(policy: Any) -> dict[str, Any] | None:
    if policy is None:
        return None
    return {"enabled": attr(policy, "enabled"), "days": attr(policy, "days")}


def _blob_service(service: Any) -> dict[str, Any]:
    props = attr(service, "blob_service_properties")
    return {
        "versioning": attr(props, "is_versioning_enabled"),
        "soft_delete": _retention(attr(props, "delete_retention_policy")),
        "container_soft_delete": _retention(attr(props, "container_delete_retention_policy")),
    }


def _container(item: Any) -> dict[str, Any]:
    props = item.properties
    policy = attr(props, "immutability_policy", "properties")
    has_policy = policy is not None and attr(policy, "state") is not None
    return {
        "name": item.name,
        "id": item.id,
        "public_access": attr(props, "public_access"),
        "immutability_policy": {
            "state": attr(policy, "state"),
            "period_days": attr(policy, "immutability_period_since_creation_in_days"),
        } if has_policy else None,
        "legal_hold": attr(props, "has_legal_hold"),
    }


_DELETE_AFTER = ("days_after_modification_greater_than", "days_after_creation_greater_than",
                 "days_after_last_access_time_greater_than")


def _lifecycle(policy: Any) -> list[dict[str, Any]]:
    rules = attr(policy, "properties", "policy", "rules") or []
    out = []
    for rule in rules:
        delete = attr(rule, "definition", "actions", "base_blob", "delete")
        deletions = [{"action": name, "days": attr(delete, name)} for name in _DELETE_AFTER
                     if attr(delete, name) is not None]
        out.append({"name": attr(rule, "name"), "enabled": attr(rule, "enabled") is not False,
                    "deletions": deletions})
    return out


def diagnostic_logs(setting: Any) -> list[str]:
    """Enabled log categories and category groups of one diagnostic setting."""
    out = []
    for log in getattr(setting, "logs", None) or []:
        if getattr(log, "enabled", False):
            name = getattr(log, "category", None) or getattr(log, "category_group", None)
            if name:
                out.append(str(name))
    return out


def _details(session: AzureSession, subscription: str, account: Any, plan: KindPlan) -> Resource:
    storage, monitor = session.client("storage", subscription), session.client("monitor", subscription)
    group, name = resource_group(account.id), account.name
    reader = FactReader(facts=_account_facts(account))
    blob_uri = f"{account.id.lstrip('/')}/blobServices/default"  # the SDK's URL template adds the slash
    calls: dict[str, Callable[[], Any]] = {
        "blob_service": lambda: reader.read(
            "blob_service", lambda: storage.blob_services.get_service_properties(group, name), _blob_service),
        "containers": lambda: reader.read("containers", lambda: list(storage.blob_containers.list(group, name)),
                                          lambda items: [_container(i) for i in items]),
        "lifecycle_rules": lambda: reader.read(
            "lifecycle_rules", lambda: storage.management_policies.get(group, name, "default"), _lifecycle),
        "blob_diagnostics": lambda: reader.read(
            "blob_diagnostics", lambda: list(monitor.diagnostic_settings.list(blob_uri)),
            lambda items: [{"name": s.name, "logs": diagnostic_logs(s)} for s in items]),
    }
    tags = flat_tags(account.tags)
    skipped = read_planned(reader, plan, READS[ACCOUNT], calls, names=(name,), tags=lambda: tags)
    return Resource(provider="azure", type=ACCOUNT, id=account.id, name=name, account=subscription,
                    region=account.location, tags=tags, facts=reader.facts, errors=reader.errors, skipped=skipped)


def collect_storage(session: AzureSession, subscription: str, pool: ThreadPoolExecutor,
                    plan: KindPlan | None = None) -> tuple[list[Resource], list[CollectionFailure]]:
    """Every storage account (the listing), with the per-account reads the read plan needs."""
    try:
        accounts = list(session.client("storage", subscription).storage_accounts.list())
    except AzureError as err:
        return [], [CollectionFailure("azure", ACCOUNT, subscription, None, reason(err))]
    kind = plan or KindPlan(ACCOUNT, everything=True)
    return list(pool.map(lambda a: _details(session, subscription, a, kind), accounts)), []
