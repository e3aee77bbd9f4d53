"""Recovery Services: ``azurerm_recovery_services_vault`` -> ``azure.recovery.vault``, and the
backup policies -> ``azure.recovery.backup_policy``.

A vault's ``soft_delete_enabled`` (default true) is the live ``softDeleteState``
(``Enabled``/``Disabled``); ``immutability`` (``Disabled``/``Unlocked``/``Locked``, unset: never
configured) the live immutability state. A policy's ``management_type`` is the live
``backupManagementType`` of its resource type (``azurerm_backup_policy_vm``: ``AzureIaasVM``,
``azurerm_backup_policy_file_share``: ``AzureStorage``, ``azurerm_backup_policy_vm_workload``:
``AzureWorkload``, which the retention rule does not judge); ``daily_retention_days`` is
``retention_daily.count`` (None without a daily retention).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, block
from policies.terraform.azure.common import Facts, enabled_word
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

VAULT_KIND = "azure.recovery.vault"
POLICY_KIND = "azure.recovery.backup_policy"
VAULT = "azurerm_recovery_services_vault"
#: policy resource type -> the live backupManagementType
POLICY_TYPES = {
    "azurerm_backup_policy_vm": "AzureIaasVM",
    "azurerm_backup_policy_file_share": "AzureStorage",
    "azurerm_backup_policy_vm_workload": "AzureWorkload",
}


def vaults(index: Index) -> list[Resource]:
    out = []
    for instance in index.of_type(VAULT):
        attrs = instance.attrs
        facts = Facts(instance)
        facts.put("soft_delete_state", enabled_word(arg(attrs, "soft_delete_enabled", True)), "soft_delete_enabled")
        facts.put("soft_delete_days", None)
        facts.put("immutability_state", arg(attrs, "immutability"), "immutability")
        out.append(facts.resource(VAULT_KIND, name=attrs.get("name"), tags=arg(attrs, "tags", {})))
    return out


def policies(index: Index) -> list[Resource]:
    return [policy(index, instance) for instance in index.of_type(*POLICY_TYPES)]


def policy(index: Index, instance: TfInstance) -> Resource:
    attrs = instance.attrs
    facts = Facts(instance)
    vaults = [v.address for v in index.referenced(instance, "recovery_vault_name", VAULT) if v.mode == "managed"]
    facts.put("vault", vaults[0] if len(vaults) == 1 else attrs.get("recovery_vault_name"), "recovery_vault_name")
    facts.put("management_type", POLICY_TYPES[instance.type])
    facts.put("daily_retention_days", _daily(block(attrs, "retention_daily")), "retention_daily")
    return facts.resource(POLICY_KIND, name=attrs.get("name"))


def _daily(retention: Mapping[str, Any] | Unknown | None) -> Any:
    if retention is None or isinstance(retention, Unknown):
        return retention
    return arg(retention, "count")
