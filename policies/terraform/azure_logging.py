"""Azure audit logging: blob access logs of storage accounts and the subscription activity log.

Blob access (AUD-ACCESS) is judged on the storage account, by looking in Checkov's graph for an
``azurerm_monitor_diagnostic_setting`` whose ``target_resource_id`` is the account's blob service
(``${azurerm_storage_account.x.id}/blobServices/default`` or the literal ARM id): Checkov's YAML
graph checks cannot read that attribute (an interpolated string renders as unknown).

The subscription activity log (AUD-TRAIL) is judged on ``azurerm_monitor_diagnostic_setting``
resources whose target is a subscription (``/subscriptions/<id>`` or a ``data.azurerm_subscription``
/ ``azurerm_subscription`` reference).
Settings that target another resource are not activity-log settings: they pass with a text that
says so (their blob/resource logging is judged on the storage account above).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies.terraform.azure_gcp_common import (
    ObservingCheck,
    blocks,
    failed,
    graph_resources,
    passed,
    resource_name,
    unknown,
)
from policies.terraform.common import Observation, as_bool, first

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


#: blob service log categories / category groups that record reads of images
_BLOB_READ_LOGS = frozenset({"StorageRead", "audit", "allLogs"})


def _enabled_groups(conf: dict[str, Any]) -> set[str]:
    return {str(first(b, "category_group")) for b in blocks(conf, "enabled_log") if first(b, "category_group")}


def _targets_blob_service(target: Any, address: str, account_name: Any) -> bool:
    if not isinstance(target, str) or not target.rstrip("}/").lower().endswith("/blobservices/default"):
        return False
    literal = f"/storageaccounts/{account_name}/blobservices/default".lower()
    return f"{address}.id" in target or target.lower().endswith(literal)


class StorageBlobLogging(ObservingCheck):
    keys = ("target_resource_id", "enabled_log")

    def __init__(self) -> None:
        super().__init__("Storage account blob service sends read logs to a diagnostic setting",
                         "PACS_AZURE_STORAGE_BLOB_LOGGING", ["azurerm_storage_account"], CheckCategories.LOGGING)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        settings = graph_resources(self.graph, "azurerm_monitor_diagnostic_setting")
        if settings is None:
            yield unknown("Checkov gave the check no resource graph: diagnostic settings not visible")
            return
        address, name = resource_name(conf), first(conf, "name")
        mine = [s for s in settings if _targets_blob_service(s.get("target_resource_id"), address, name)]
        if not mine:
            yield failed("no azurerm_monitor_diagnostic_setting targets <account>/blobServices/default")
        for setting in mine:
            logged = (_enabled_categories(setting) | _enabled_groups(setting)) & _BLOB_READ_LOGS
            text = f"diagnostic setting '{setting.get('name')}' on the blob service logs {sorted(logged)}"
            yield passed(text) if logged else failed(f"{text}: no StorageRead / audit / allLogs")


check_activity_log = ActivityLogExport()
check_blob_logging = StorageBlobLogging()
