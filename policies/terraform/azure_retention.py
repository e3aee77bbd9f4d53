"""Azure retention: immutability, lifecycle deletion, VM/file-share backup retention, vault safety.

The day thresholds come from the catalog parameters ``min_retention_days`` and
``min_backup_retention_days``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies import parameters
from policies.terraform.azure_gcp_common import (
    ObservingCheck,
    block,
    blocks,
    bool_setting,
    failed,
    int_at_least,
    is_unresolved,
    passed,
    unknown,
)
from policies.terraform.common import Observation, as_bool, first

#: base_blob actions that delete the current version of a blob
_BASE_BLOB_DELETES = (
    "delete_after_days_since_modification_greater_than",
    "delete_after_days_since_creation_greater_than",
    "delete_after_days_since_last_access_time_greater_than",
)


def _locked_state(raw: Any) -> Observation:
    if not isinstance(raw, str) or is_unresolved(raw):
        return unknown(f"immutability_policy.state={raw}: not literal")
    return (passed if raw == "Locked" else failed)(f"immutability_policy.state={raw} (Locked required)")


class AccountImmutability(ObservingCheck):
    keys = ("immutability_policy/[0]/state", "immutability_policy/[0]/period_since_creation_in_days")

    def __init__(self) -> None:
        super().__init__("Storage account has a locked immutability policy of at least the retention period",
                         "PACS_AZURE_STORAGE_IMMUTABILITY", ["azurerm_storage_account"],
                         CheckCategories.BACKUP_AND_RECOVERY)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        policy = block(conf, "immutability_policy")
        if policy is None:
            yield failed("no account-level immutability_policy block")
            return
        yield _locked_state(first(policy, "state"))
        yield int_at_least("immutability_policy.period_since_creation_in_days",
                           first(policy, "period_since_creation_in_days"),
                           int(parameters.get("min_retention_days")), "days")


class ContainerImmutability(ObservingCheck):
    keys = ("immutability_period_in_days", "locked")

    def __init__(self) -> None:
        super().__init__("Container immutability policy is locked for at least the retention period",
                         "PACS_AZURE_CONTAINER_IMMUTABILITY", ["azurerm_storage_container_immutability_policy"],
                         CheckCategories.BACKUP_AND_RECOVERY)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        yield bool_setting(conf, ("locked",), True, False)
        yield int_at_least("immutability_period_in_days", first(conf, "immutability_period_in_days"),
                           int(parameters.get("min_retention_days")), "days")


def _rule_deletions(index: int, rule: dict[str, Any], minimum: int) -> Iterator[Observation]:
    name = first(rule, "name")
    enabled = first(rule, "enabled")
    if enabled is not None and as_bool(enabled) is False:
        yield passed(f"rule[{index}] '{name}' enabled=false: deletes nothing")
        return
    found = False
    for actions in blocks(rule, "actions"):
        for base_blob in blocks(actions, "base_blob"):
            for key in _BASE_BLOB_DELETES:
                if key in base_blob:
                    found = True
                    yield int_at_least(f"rule[{index}] '{name}' base_blob.{key}", first(base_blob, key),
                                       minimum, "days")
    if not found:
        yield passed(f"rule[{index}] '{name}': no base_blob delete action")


class LifecycleRetention(ObservingCheck):
    keys = ("rule/[0]/actions/[0]/base_blob",)

    def __init__(self) -> None:
        super().__init__("Lifecycle rules do not delete blobs before the retention period",
                         "PACS_AZURE_LIFECYCLE_RETENTION", ["azurerm_storage_management_policy"],
                         CheckCategories.BACKUP_AND_RECOVERY)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        minimum = int(parameters.get("min_retention_days"))
        rules = blocks(conf, "rule")
        if not rules:
            yield passed("no rule blocks: the policy deletes nothing")
        for index, rule in enumerate(rules):
            yield from _rule_deletions(index, rule, minimum)


class BackupRetention(ObservingCheck):
    keys = ("retention_daily/[0]/count",)

    def __init__(self) -> None:
        super().__init__("Backup policy keeps daily backups for at least the backup retention period",
                         "PACS_AZURE_BACKUP_RETENTION",
                         ["azurerm_backup_policy_vm", "azurerm_backup_policy_file_share"],
                         CheckCategories.BACKUP_AND_RECOVERY)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        daily = block(conf, "retention_daily")
        if daily is None:
            yield failed("no retention_daily block")
            return
        yield int_at_least("retention_daily.count", first(daily, "count"),
                           int(parameters.get("min_backup_retention_days")), "days")


class RecoveryVaultProtection(ObservingCheck):
    keys = ("soft_delete_enabled", "immutability")

    def __init__(self) -> None:
        super().__init__("Recovery Services vault keeps soft delete on and immutability enabled",
                         "PACS_AZURE_RECOVERY_VAULT", ["azurerm_recovery_services_vault"],
                         CheckCategories.BACKUP_AND_RECOVERY)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        yield bool_setting(conf, ("soft_delete_enabled",), True, True)
        raw = first(conf, "immutability")
        if raw is None:
            yield failed("immutability not set: the vault default is Disabled")
        elif not isinstance(raw, str) or is_unresolved(raw):
            yield unknown(f"immutability={raw}: not literal")
        else:
            yield (passed if raw in ("Locked", "Unlocked") else failed)(f"immutability={raw}")


check_account_immutability = AccountImmutability()
check_container_immutability = ContainerImmutability()
check_lifecycle = LifecycleRetention()
check_backup = BackupRetention()
check_vault = RecoveryVaultProtection()
