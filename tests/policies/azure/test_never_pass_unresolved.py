"""Property: replacing any deciding argument of a passing Azure configuration with a form the
evaluator cannot resolve never yields ``pass`` for the rule it decides.

Each case is a small configuration one rule passes, with the arguments (and nested block paths)
that decide it: each is needed for the pass, so hiding it must leave the rule ``unknown`` (or
``fail``), never ``pass``. The unresolvable forms are those the evaluator produces: an iterator
value of a dynamic block over an unknown collection, a typed variable with no value, a data source
read at plan time, a function of a variable, an attribute of another resource known only after
apply (each with the references such a value carries), a conditional whose branches disagree, an
unseen nested block, and expression text left as a string.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance
from tests.policies.azure.support import ACCOUNT_ARGS, after_apply, config, findings, instance, nsg_rule, statuses

ACCOUNT = "azurerm_storage_account.pacs"
NSG = "azurerm_network_security_group.pacs"
Path = tuple[Any, ...]


@dataclass(frozen=True)
class Case:
    rule: str
    address: str  # the judged resource
    instances: tuple[TfInstance, ...]
    deciding: tuple[tuple[str, Path], ...]  # (instance address, path into its attrs)
    parameters: tuple[tuple[str, Any], ...] = ()


def acct(**attrs: Any) -> TfInstance:
    return instance(ACCOUNT, {**ACCOUNT_ARGS, "name": "pacsacct", **attrs})


def child(address: str, link: str, attrs: dict[str, Any], parent: str = ACCOUNT, attribute: str = "id") -> TfInstance:
    return instance(address, {link: after_apply(parent, attribute), **attrs}, refs={link: (parent,)})


def group(*rules: dict[str, Any]) -> TfInstance:
    return instance(NSG, {"name": "nsg-pacs", "resource_group_name": "rg-pacs", "security_rule": list(rules)})


def rule_case(name: str, rule: str, overrides: dict[str, Any], deciding: str) -> Case:
    return Case(rule, NSG, (group(nsg_rule(**overrides)),), ((NSG, ("security_rule",)),
                                                            (NSG, ("security_rule", 0)),
                                                            (NSG, ("security_rule", 0, deciding))))


BLOB = Unknown("known only after apply", symbol=f"${{{ACCOUNT}.id}}/blobServices/default")
CONTAINER = "azurerm_storage_container.images"
KEY = "azurerm_key_vault_key.cmk"
VAULT = "azurerm_key_vault.kv"
GATEWAY = "azurerm_application_gateway.gw"
RSV = "azurerm_recovery_services_vault.rsv"
SETTING = "azurerm_monitor_diagnostic_setting.activity"

CASES: tuple[Case, ...] = (
    Case("AZURE-STORAGE-TLS", ACCOUNT, (acct(https_traffic_only_enabled=True, min_tls_version="TLS1_2"),),
         ((ACCOUNT, ("https_traffic_only_enabled",)), (ACCOUNT, ("min_tls_version",)))),
    Case("AZURE-STORAGE-PUBLIC", ACCOUNT, (acct(allow_nested_items_to_be_public=False),),
         ((ACCOUNT, ("allow_nested_items_to_be_public",)),)),
    Case("AZURE-STORAGE-SHARED-KEY", ACCOUNT, (acct(shared_access_key_enabled=False),),
         ((ACCOUNT, ("shared_access_key_enabled",)),)),
    Case("AZURE-STORAGE-NETWORK", ACCOUNT, (acct(network_rules=[{"default_action": "Deny"}]),),
         ((ACCOUNT, ("network_rules",)), (ACCOUNT, ("network_rules", 0)),
          (ACCOUNT, ("network_rules", 0, "default_action")))),
    Case("AZURE-STORAGE-NETWORK", ACCOUNT, (acct(), child("azurerm_storage_account_network_rules.r",
                                                          "storage_account_id", {"default_action": "Deny"})),
         (("azurerm_storage_account_network_rules.r", ("storage_account_id",)),
          ("azurerm_storage_account_network_rules.r", ("default_action",)))),
    Case("AZURE-STORAGE-NETWORK", ACCOUNT, (acct(), instance("azurerm_storage_account_network_rules.r", {
        "storage_account_name": "pacsacct", "resource_group_name": "rg-pacs", "default_action": "Deny"})),
         (("azurerm_storage_account_network_rules.r", ("storage_account_name",)),
          ("azurerm_storage_account_network_rules.r", ("default_action",)))),
    Case("AZURE-STORAGE-NETWORK", ACCOUNT, (acct(public_network_access_enabled=False),),
         ((ACCOUNT, ("public_network_access_enabled",)),)),
    Case("AZURE-STORAGE-CMK", ACCOUNT, (acct(customer_managed_key=[{"key_vault_key_id": "https://kv.vault.azure.net/"
                                                                                        "keys/cmk"}]),),
         ((ACCOUNT, ("customer_managed_key",)), (ACCOUNT, ("customer_managed_key", 0)))),
    Case("AZURE-STORAGE-CMK", ACCOUNT, (acct(), child("azurerm_storage_account_customer_managed_key.k",
                                                      "storage_account_id", {"key_name": "cmk"})),
         (("azurerm_storage_account_customer_managed_key.k", ("storage_account_id",)),)),
    Case("AZURE-STORAGE-VERSIONING", ACCOUNT, (acct(blob_properties=[{"versioning_enabled": True}]),),
         ((ACCOUNT, ("blob_properties",)), (ACCOUNT, ("blob_properties", 0, "versioning_enabled")))),
    Case("AZURE-STORAGE-IMMUTABILITY", ACCOUNT, (acct(immutability_policy=[{
        "state": "Locked", "period_since_creation_in_days": 2190}]),),
         ((ACCOUNT, ("immutability_policy",)), (ACCOUNT, ("immutability_policy", 0, "state")),
          (ACCOUNT, ("immutability_policy", 0, "period_since_creation_in_days")))),
    Case("AZURE-CONTAINER-PRIVATE", ACCOUNT, (acct(), child(CONTAINER, "storage_account_name", {
        "name": "images", "container_access_type": "private"}, attribute="name")),
         ((CONTAINER, ("container_access_type",)), (CONTAINER, ("storage_account_name",)))),
    Case("AZURE-CONTAINER-IMMUTABILITY", ACCOUNT, (
        acct(), child(CONTAINER, "storage_account_name", {"name": "images"}, attribute="name"),
        child("azurerm_storage_container_immutability_policy.p", "storage_container_resource_manager_id",
              {"locked": True, "immutability_period_in_days": 2190}, CONTAINER, "resource_manager_id")),
         (("azurerm_storage_container_immutability_policy.p", ("locked",)),
          ("azurerm_storage_container_immutability_policy.p", ("immutability_period_in_days",)),
          ("azurerm_storage_container_immutability_policy.p", ("storage_container_resource_manager_id",)),
          (CONTAINER, ("storage_account_name",)))),
    Case("AZURE-STORAGE-BLOB-LOGGING", ACCOUNT, (acct(), instance("azurerm_monitor_diagnostic_setting.b", {
        "name": "b", "target_resource_id": BLOB, "enabled_log": [{"category": "StorageRead"}]},
        refs={"target_resource_id": (ACCOUNT,)})),
         (("azurerm_monitor_diagnostic_setting.b", ("target_resource_id",)),
          ("azurerm_monitor_diagnostic_setting.b", ("enabled_log",)),
          ("azurerm_monitor_diagnostic_setting.b", ("enabled_log", 0)),
          ("azurerm_monitor_diagnostic_setting.b", ("enabled_log", 0, "category")))),
    Case("AZURE-LIFECYCLE-RETENTION", ACCOUNT, (acct(), child("azurerm_storage_management_policy.m",
                                                              "storage_account_id", {"rule": [{
        "name": "archive", "enabled": True, "actions": [{"base_blob": [{
            "delete_after_days_since_modification_greater_than": 3650}]}]}]})),
         (("azurerm_storage_management_policy.m", ("rule",)),
          ("azurerm_storage_management_policy.m", ("rule", 0)),
          ("azurerm_storage_management_policy.m", ("rule", 0, "actions")),
          ("azurerm_storage_management_policy.m", ("rule", 0, "actions", 0, "base_blob")),
          ("azurerm_storage_management_policy.m",
           ("rule", 0, "actions", 0, "base_blob", 0, "delete_after_days_since_modification_greater_than")))),
    Case("AZURE-LIFECYCLE-RETENTION", ACCOUNT, (acct(), child("azurerm_storage_management_policy.m",
                                                              "storage_account_id", {"rule": [{
        "name": "off", "enabled": False, "actions": [{"base_blob": [{
            "delete_after_days_since_modification_greater_than": 7}]}]}]})),
         (("azurerm_storage_management_policy.m", ("rule", 0, "enabled")),)),
    Case("AZURE-STORAGE-TLS", ACCOUNT, (acct(tags={"data": "imaging"}),),
         ((ACCOUNT, ("tags",)), (ACCOUNT, ("tags", "data"))), (("imaging_data", {"tags": {"data": "imaging"}}),)),
    Case("AZURE-STORAGE-TLS", ACCOUNT, (acct(),), ((ACCOUNT, ("name",)),),
         (("imaging_data", {"name_patterns": ["pacsacct*"]}),)),
    rule_case("private source", "AZURE-NSG-DICOM", {"source_address_prefix": "10.0.0.0/8"}, "source_address_prefix"),
    rule_case("deny", "AZURE-NSG-DICOM", {"access": "Deny"}, "access"),
    rule_case("outbound", "AZURE-NSG-DICOM", {"direction": "Outbound"}, "direction"),
    rule_case("udp", "AZURE-NSG-DICOM", {"protocol": "Udp"}, "protocol"),
    rule_case("other port", "AZURE-NSG-DICOM", {"destination_port_range": "443"}, "destination_port_range"),
    rule_case("admin private", "AZURE-NSG-ADMIN", {"destination_port_range": "22",
                                                   "source_address_prefix": "VirtualNetwork"}, "source_address_prefix"),
    rule_case("admin icmp", "AZURE-NSG-ADMIN", {"destination_port_range": "22", "protocol": "Icmp"}, "protocol"),
    Case("AZURE-NSG-FLOW-LOG", NSG, (group(), child("azurerm_network_watcher_flow_log.f", "network_security_group_id",
                                                    {"enabled": True}, NSG)),
         (("azurerm_network_watcher_flow_log.f", ("enabled",)),
          ("azurerm_network_watcher_flow_log.f", ("network_security_group_id",)))),
    Case("AZURE-APPGW-TLS", GATEWAY, (instance(GATEWAY, {"ssl_policy": [{
        "policy_type": "Predefined", "policy_name": "AppGwSslPolicy20220101S"}]}),),
         ((GATEWAY, ("ssl_policy",)), (GATEWAY, ("ssl_policy", 0)), (GATEWAY, ("ssl_policy", 0, "policy_name")))),
    Case("AZURE-APPGW-TLS", GATEWAY, (instance(GATEWAY, {"ssl_policy": [{
        "policy_type": "CustomV2", "min_protocol_version": "TLSv1_2"}]}),),
         ((GATEWAY, ("ssl_policy", 0, "min_protocol_version")),)),
    Case("AZURE-APPGW-TLS", GATEWAY, (instance(GATEWAY, {"ssl_policy": [{
        "disabled_protocols": ["TLSv1_0", "TLSv1_1"]}]}),),
         ((GATEWAY, ("ssl_policy", 0, "disabled_protocols")), (GATEWAY, ("ssl_policy", 0, "disabled_protocols", 1)))),
    Case("AZURE-KEY-ROTATION", KEY, (child(KEY, "key_vault_id", {"name": "cmk", "rotation_policy": [{
        "automatic": [{"time_after_creation": "P90D"}]}]}, VAULT),),
         ((KEY, ("rotation_policy",)), (KEY, ("rotation_policy", 0, "automatic")),
          (KEY, ("rotation_policy", 0, "automatic", 0, "time_after_creation")))),
    Case("AZURE-KEYVAULT-PURGE-PROTECTION", KEY, (
        instance(VAULT, {"name": "kv", "purge_protection_enabled": True}),
        child(KEY, "key_vault_id", {"name": "cmk"}, VAULT),
        instance(ACCOUNT, {**ACCOUNT_ARGS, "customer_managed_key": [{
            "key_vault_key_id": after_apply(KEY, "versionless_id")}]}, refs={"customer_managed_key": (KEY,)})),
         ((VAULT, ("purge_protection_enabled",)), (KEY, ("key_vault_id",)))),
    Case("AZURE-RECOVERY-VAULT", RSV, (instance(RSV, {"soft_delete_enabled": True, "immutability": "Locked"}),),
         ((RSV, ("soft_delete_enabled",)), (RSV, ("immutability",)))),
    Case("AZURE-BACKUP-RETENTION", "azurerm_backup_policy_vm.vm", (instance("azurerm_backup_policy_vm.vm", {
        "retention_daily": [{"count": 35}]}),),
         (("azurerm_backup_policy_vm.vm", ("retention_daily",)),
          ("azurerm_backup_policy_vm.vm", ("retention_daily", 0, "count")))),
    Case("AZURE-ACTIVITY-LOG", SETTING, (instance(SETTING, {"target_resource_id": "/subscriptions/1111",
                                                            "enabled_log": [{"category": "Administrative"},
                                                                            {"category": "Security"}]}),),
         ((SETTING, ("target_resource_id",)), (SETTING, ("enabled_log",)), (SETTING, ("enabled_log", 1)),
          (SETTING, ("enabled_log", 0, "category")))),
)

#: a failing value for an argument, for conditionals whose branches disagree
_FAILING: dict[str, Any] = {
    "min_tls_version": "TLS1_0", "https_traffic_only_enabled": False, "allow_nested_items_to_be_public": True,
    "shared_access_key_enabled": True, "public_network_access_enabled": True, "default_action": "Allow",
    "storage_account_name": "someoneelse", "storage_account_id": "/subscriptions/0/resourceGroups/rg/providers/"
    "Microsoft.Storage/storageAccounts/someoneelse", "versioning_enabled": False, "state": "Unlocked",
    "period_since_creation_in_days": 1, "container_access_type": "blob", "locked": False,
    "immutability_period_in_days": 1, "storage_container_resource_manager_id": "/subscriptions/0/resourceGroups/rg/"
    "providers/Microsoft.Storage/storageAccounts/x/blobServices/default/containers/y", "target_resource_id":
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv", "category": "StorageWrite",
    "delete_after_days_since_modification_greater_than": 1, "data": "billing",
    "name": "billing", "source_address_prefix": "*", "access": "Allow", "direction": "Inbound", "protocol": "Tcp",
    "destination_port_range": "104", "network_security_group_id": "/subscriptions/0/resourceGroups/rg/providers/"
    "Microsoft.Network/networkSecurityGroups/other", "policy_name": "AppGwSslPolicy20150501",
    "min_protocol_version": "TLSv1_0", "disabled_protocols": [], "time_after_creation": None,
    "purge_protection_enabled": False, "key_vault_id": "/subscriptions/0/resourceGroups/rg/providers/"
    "Microsoft.KeyVault/vaults/elsewhere", "soft_delete_enabled": False, "immutability": "Disabled", "count": 1,
}

Form = Callable[[Any, str], tuple[Any, tuple[str, ...]]]


def _iterator(value: Any, key: str) -> tuple[Any, tuple[str, ...]]:
    return Unknown(f"dynamic block iterator: {key}.value.x is unknown (for_each over an unknown collection)"), ()


def _unset(value: Any, key: str) -> tuple[Any, tuple[str, ...]]:
    return Unknown('variable "x" has no value: declared without a default', "variables.tf:1"), ()


def _data(value: Any, key: str) -> tuple[Any, tuple[str, ...]]:
    return Unknown("read from the provider at plan time", symbol=f"data.azurerm_client_config.c.{key}"), (
        "data.azurerm_client_config.c",)


def _function(value: Any, key: str) -> tuple[Any, tuple[str, ...]]:
    return Unknown("lower: argument 1 is unknown (variable \"x\" has no value)"), ()


def _after_apply(value: Any, key: str) -> tuple[Any, tuple[str, ...]]:
    return after_apply("azurerm_resource_group.other", key), ("azurerm_resource_group.other",)


def _conditional(value: Any, key: str) -> tuple[Any, tuple[str, ...]]:
    """A conditional on a variable with no value, one branch the passing value, the other a failing one
    (absent, for a block): only the passing branch would pass."""
    other = (not value) if isinstance(value, bool) else _FAILING.get(key)
    return Unknown("var.strict ? ... : ...", candidates=(value, other)), ()


def _text(value: Any, key: str) -> tuple[Any, tuple[str, ...]]:
    return f"${{var.{key}}}", ()


FORMS: tuple[Form, ...] = (_iterator, _unset, _data, _function, _after_apply, _conditional, _text)


def _hide(case: Case, address: str, path: Path, form: Form) -> tuple[TfInstance, ...]:
    out = []
    for found in case.instances:
        if found.address != address:
            out.append(found)
            continue
        attrs = copy.deepcopy(dict(found.attrs))
        node: Any = attrs
        for step in path[:-1]:
            node = node[step]
        last = path[-1]
        key = last if isinstance(last, str) else str(path[-2])
        hidden, refs = form(node[last], key)
        if isinstance(last, int) and isinstance(hidden, Unknown):  # a list element: zero or more unseen items
            hidden = Unknown(hidden.reason, hidden.origin, candidates=hidden.candidates, spread=True)
        node[last] = hidden
        new_refs = dict(found.refs)
        new_refs[str(path[0])] = refs
        out.append(replace(found, attrs=attrs, refs=new_refs))
    return tuple(out)


def _status(case: Case, instances: tuple[TfInstance, ...]) -> str:
    return statuses(findings(config(*instances), **dict(case.parameters)), case.rule).get(case.address, "absent")


def test_every_base_configuration_passes() -> None:
    for case in CASES:
        assert _status(case, case.instances) == "pass", case.rule


HIDDEN = [(case, address, path) for case in CASES for address, path in case.deciding]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(HIDDEN), st.sampled_from(FORMS))
def test_an_unresolvable_deciding_argument_never_passes(hidden: tuple[Case, str, Path], form: Form) -> None:
    case, address, path = hidden
    assert _status(case, _hide(case, address, path, form)) != "pass", (case.rule, address, path, form.__name__)
