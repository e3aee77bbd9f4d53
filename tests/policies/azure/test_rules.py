"""The Azure rule set and mapping, and the cases the retired Checkov policies' tests asserted
(tests/policies/test_azure_policies.py), now over the rules: parameters flow, port specs, world
sources, TLS version spellings, and the declared-inline-or-separately network and key cases."""

from __future__ import annotations

from typing import Any

import pytest

from policies.terraform.azure import gateway
from scanner.engine.predicates import covers_world
from scanner.facts.types import to_network_source, to_port_range
from scanner.facts.values import Unknown
from tests.conftest import REPO
from tests.policies.azure.support import account, after_apply, catalog, config, findings, instance, nsg_rule, statuses
from tests.policies.conftest import assert_terraform_section_valid, load_mapping

MAPPING = REPO / "rules" / "terraform-azure.yaml"


def test_mapping_validates_and_keeps_only_the_managed_disk_builtin() -> None:
    terraform = load_mapping(MAPPING)["terraform"]
    assert_terraform_section_valid(terraform)
    assert terraform["checks"] == {"ENC-REST": ["CKV_AZURE_2"]}
    assert "parents" not in terraform
    assert not any("PACS_AZURE" in c for ids in catalog().controls for c in ids.terraform_checks)


def test_rules_carry_no_reference_to_retired_checks() -> None:
    for path in (REPO / "rules" / "azure").glob("*.yaml"):
        assert "PACS_AZURE" not in path.read_text(), path.name
    left = {p.name for p in (REPO / "policies" / "terraform").glob("azure_*.py")}
    assert left <= {"azure_gcp_common.py"}  # shared with the GCP checks until they retire too
    assert not list((REPO / "policies" / "graph").glob("azure_*.yaml"))


def test_every_azure_kind_is_produced_by_a_terraform_normaliser() -> None:
    from policies.terraform.normalise import normalise

    kinds = {k for k, schema in catalog().kinds.items() if k.startswith("azure.") and "terraform" in schema.produced_by}
    everything = config(
        account(), instance("azurerm_network_security_group.n", {"name": "n"}),
        instance("azurerm_application_gateway.g", {"name": "g"}), instance("azurerm_key_vault_key.k", {"name": "k"}),
        instance("azurerm_recovery_services_vault.v", {"name": "v"}),
        instance("azurerm_backup_policy_vm.p", {"name": "p"}),
        instance("azurerm_monitor_diagnostic_setting.s", {"target_resource_id": "/subscriptions/1"}),
        instance("azurerm_healthcare_dicom_service.d", {"name": "d"}))
    assert {r.type for r in normalise(everything)} == kinds


def test_predefined_policy_table_is_the_live_collectors() -> None:
    from scanner.collectors.azure.network import PREDEFINED_MIN_PROTOCOL

    assert gateway.PREDEFINED_MIN_PROTOCOL == PREDEFINED_MIN_PROTOCOL


NSG = "azurerm_network_security_group.n"


def nsg(*rules: dict[str, Any]) -> Any:
    return instance(NSG, {"name": "n", "resource_group_name": "rg", "security_rule": list(rules)})


def test_dicom_ports_parameter_flows() -> None:
    https = config(nsg(nsg_rule(destination_port_range="443")))
    assert statuses(findings(https), "AZURE-NSG-DICOM") == {NSG: "pass"}
    assert statuses(findings(https, dicom_ports=[443]), "AZURE-NSG-DICOM") == {NSG: "fail"}
    v6 = config(nsg(nsg_rule(destination_port_range="11112", source_address_prefix="::/0")))
    assert statuses(findings(v6, dicom_ports=[443]), "AZURE-NSG-DICOM") == {NSG: "pass"}


def test_admin_ports_parameter_flows() -> None:
    ssh = config(nsg(nsg_rule(destination_port_range="22")))
    assert statuses(findings(ssh), "AZURE-NSG-ADMIN") == {NSG: "fail"}
    assert statuses(findings(ssh, admin_ports=[3389]), "AZURE-NSG-ADMIN") == {NSG: "pass"}


@pytest.mark.parametrize(("spelling", "at_12", "at_13"), [
    ("TLS1_2", "pass", "fail"), ("TLS1_3", "pass", "pass"), ("TLS1_0", "fail", "fail"), ("TLS1_1", "fail", "fail")])
def test_min_tls_version_parameter_flows(spelling: str, at_12: str, at_13: str) -> None:
    found = config(account(min_tls_version=spelling))
    assert statuses(findings(found), "AZURE-STORAGE-TLS")["azurerm_storage_account.pacs"] == at_12
    assert statuses(findings(found, min_tls_version="1.3"), "AZURE-STORAGE-TLS")[
        "azurerm_storage_account.pacs"] == at_13


def test_provider_default_tls_fails_a_1_3_minimum() -> None:
    assert statuses(findings(config(account()), min_tls_version="1.3"), "AZURE-STORAGE-TLS") == {
        "azurerm_storage_account.pacs": "fail"}


def test_retention_parameters_flow() -> None:
    short = config(account(immutability_policy=[{"state": "Locked", "period_since_creation_in_days": 30}]))
    assert statuses(findings(short), "AZURE-STORAGE-IMMUTABILITY") == {"azurerm_storage_account.pacs": "fail"}
    assert statuses(findings(short, min_retention_days=30), "AZURE-STORAGE-IMMUTABILITY") == {
        "azurerm_storage_account.pacs": "pass"}
    weekly = config(instance("azurerm_backup_policy_vm.p", {"retention_daily": [{"count": 7}]}))
    assert statuses(findings(weekly), "AZURE-BACKUP-RETENTION") == {"azurerm_backup_policy_vm.p": "fail"}
    assert statuses(findings(weekly, min_backup_retention_days=7), "AZURE-BACKUP-RETENTION") == {
        "azurerm_backup_policy_vm.p": "pass"}


@pytest.mark.parametrize(("spec", "expected"), [
    ("104", {"from": 104, "to": 104}), ("100-200", {"from": 100, "to": 200}), (" 100 - 200 ", {"from": 100, "to": 200}),
    ("*", {"from": 0, "to": 65535}), (3389, {"from": 3389, "to": 3389}),
    ("200-100", None), ("70000", None), ("var.port", None), ("${var.port}", None), (True, None)])
def test_port_specs(spec: Any, expected: dict[str, int] | None) -> None:
    from policies.terraform.azure.network import port_spec

    typed = to_port_range(port_spec(spec)["range"])
    if expected is None:
        assert isinstance(typed, Unknown)
    else:
        assert typed == expected


@pytest.mark.parametrize(("source", "world"), [
    ("Internet", True), ("*", True), ("Any", True), ("0.0.0.0/0", True), ("::/0", True),
    ("10.0.0.0/8", False), ("203.0.113.7/32", False), ("VirtualNetwork", False),
    ("var.source", None), (None, None)])
def test_world_sources(source: Any, world: bool | None) -> None:
    typed = to_network_source(source)
    if world is None:
        assert isinstance(typed, Unknown)
    else:
        assert covers_world([typed]) is world


UNSET = Unknown('variable "action" has no value')


def test_network_default_action_inline_or_separate_as_the_declared_checks() -> None:
    unknown = account("unknownaction", network_rules=[{"default_action": UNSET}])
    separate = account("separate")
    rules = instance("azurerm_storage_account_network_rules.separate", {
        "storage_account_id": after_apply("azurerm_storage_account.separate"), "default_action": "Deny"},
        refs={"storage_account_id": ("azurerm_storage_account.separate",)})
    public = account("public", public_network_access_enabled=True, network_rules=[{"default_action": "Allow"}])
    found = findings(config(unknown, separate, rules, public))
    assert statuses(found, "AZURE-STORAGE-NETWORK") == {
        "azurerm_storage_account.unknownaction": "unknown", "azurerm_storage_account.separate": "pass",
        "azurerm_storage_account.public": "fail"}
    assert set(statuses(found, "AZURE-STORAGE-CMK").values()) == {"fail"}


def test_managed_disks_stay_with_the_kept_builtin_check(scan_tf) -> None:  # type: ignore[no-untyped-def]
    """CKV_AZURE_2 (the one built-in the mapping keeps) on the ENC-REST fixture's managed disks."""
    found = scan_tf(REPO / "tests" / "fixtures" / "terraform" / "azure" / "ENC-REST")
    disks = {f.resource.address: f.status.value for f in found
             if f.control_id == "ENC-REST" and f.resource.address.startswith("azurerm_managed_disk.")}
    assert disks == {"azurerm_managed_disk.pass_disk_platform_key": "pass",
                     "azurerm_managed_disk.pass_disk_encryption_set": "pass",
                     "azurerm_managed_disk.fail_disk_encryption_off": "fail"}
