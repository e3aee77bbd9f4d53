"""Recovery Services vaults (``azure.recovery.vault``) and their backup policies
(``azure.recovery.backup_policy``).

Facts of ``azure.recovery.vault`` (key: meaning), from Vaults_ListBySubscriptionId
(``Microsoft.RecoveryServices/vaults/read``):
    soft_delete_state   securitySettings.softDeleteSettings.softDeleteState: Enabled / AlwaysON / Disabled
                        (None: not returned)
    soft_delete_days    softDeleteRetentionPeriodInDays
    immutability_state  securitySettings.immutabilitySettings.state: Disabled / Unlocked / Locked
                        (None: never configured)

Facts of ``azure.recovery.backup_policy``, from BackupPolicies_List
(``Microsoft.RecoveryServices/vaults/backupPolicies/read``):
    vault                 id of the vault holding the policy
    management_type       backupManagementType: AzureIaasVM (VMs), AzureStorage (file shares), AzureWorkload, ...
    daily_retention_days  retentionPolicy.dailySchedule.retentionDuration.count when its durationType is Days;
                          None without a daily schedule
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import AzureError

from scanner.collectors.azure.errors import reason
from scanner.collectors.azure.reader import flat_tags, resource_group
from scanner.collectors.azure.session import AzureSession
from scanner.collectors.azure.storage import attr
from scanner.facts.resource import CollectionFailure, Resource

VAULT = "azure.recovery.vault"
POLICY = "azure.recovery.backup_policy"


def _vault(subscription: str, vault: Any) -> Resource:
    security = attr(vault, "properties", "security_settings")
    facts = {
        "soft_delete_state": attr(security, "soft_delete_settings", "soft_delete_state"),
        "soft_delete_days": attr(security, "soft_delete_settings", "soft_delete_retention_period_in_days"),
        "immutability_state": attr(security, "immutability_settings", "state"),
    }
    return Resource(provider="azure", type=VAULT, id=vault.id, name=vault.name, account=subscription,
                         region=vault.location, tags=flat_tags(vault.tags), facts=facts)


def daily_retention_days(properties: Any) -> int | None:
    duration = attr(properties, "retention_policy", "daily_schedule", "retention_duration")
    if duration is None or attr(duration, "duration_type") != "Days":
        return None
    count = attr(duration, "count")
    return int(count) if isinstance(count, int) else None


def _policies(session: AzureSession, subscription: str, vault: Any) -> list[Resource]:
    client = session.client("backup", subscription)
    items = list(client.backup_policies.list(vault.name, resource_group(vault.id)))
    return [Resource(
        provider="azure", type=POLICY, id=p.id, name=p.name, account=subscription, region=vault.location,
        facts={"vault": vault.id, "management_type": attr(p, "properties", "backup_management_type"),
               "daily_retention_days": daily_retention_days(p.properties)},
    ) for p in items]


def collect_backup(session: AzureSession, subscription: str) -> tuple[list[Resource], list[CollectionFailure]]:
    try:
        vaults = list(session.client("recovery", subscription).vaults.list_by_subscription_id())
    except AzureError as err:
        why = reason(err)
        return [], [CollectionFailure("azure", t, subscription, None, why) for t in (VAULT, POLICY)]
    resources = [_vault(subscription, v) for v in vaults]
    failures = []
    for vault in vaults:
        try:
            resources += _policies(session, subscription, vault)
        except AzureError as err:
            failures.append(CollectionFailure("azure", POLICY, subscription, vault.location,
                                              f"backup policies of vault {vault.name}: {reason(err)}"))
    return resources, failures
