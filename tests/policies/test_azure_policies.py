"""Our Azure Checkov policies, run for real on tests/fixtures/terraform/azure/<CONTROL>/.

For every control in rules/terraform-azure.yaml, every mapped check is asserted to fail and pass
exactly the listed resource addresses (both directions). Sub-resources (``cfg_*``) appear where a
Python check judges them directly; pacscan attributes them to their parent via ``parents``.
Resources whose values Checkov cannot render must be in neither set (UNKNOWN, dropped by Checkov).
"""

from __future__ import annotations

from typing import Any

import pytest
from checkov.common.models.enums import CheckResult
from checkov.terraform.checks.resource.registry import resource_registry

from policies.terraform import azure_gcp_common as common
from tests.policies.conftest import (
    FIXTURE_ROOT,
    REPO_ROOT,
    Expect,
    ScanFn,
    assert_mapping_matches_fixtures,
    assert_no_pass_named_resource_fails,
    assert_terraform_section_valid,
    load_mapping,
    load_policy_modules,
    run_checkov,
)

FIXTURES = FIXTURE_ROOT / "azure"
MAPPING_FILE = REPO_ROOT / "rules" / "terraform-azure.yaml"
GRAPH_IDS = {"PACS_AZURE_NSG_FLOW_LOG"}


EXPECTED: dict[str, dict[str, Expect]] = {
    "ENC-REST": {
        "PACS_AZURE_ENCRYPTION_AT_REST": Expect(
            failed={"azurerm_managed_disk.fail_disk_encryption_off"},
            passed={
                "azurerm_managed_disk.pass_disk_encryption_set",
                "azurerm_managed_disk.pass_disk_platform_key",
                "azurerm_storage_account.pass_storage_default_sse",
                "azurerm_storage_account.pass_storage_double_encryption",
            },
        ),
    },
    "ENC-KEYS": {
        "PACS_AZURE_STORAGE_CMK": Expect(
            failed={"azurerm_storage_account.fail_microsoft_managed_key"},
            passed={"azurerm_storage_account.pass_inline_cmk", "azurerm_storage_account.pass_separate_cmk"},
        ),
        "PACS_AZURE_KEY_ROTATION": Expect(
            failed={"azurerm_key_vault_key.fail_key_no_rotation", "azurerm_key_vault_key.fail_key_notify_only"},
            passed={"azurerm_key_vault_key.pass_key_rotating"},
        ),
    },
    "TLS-STORAGE": {
        "PACS_AZURE_STORAGE_TLS": Expect(
            failed={
                "azurerm_storage_account.fail_tls10",
                "azurerm_storage_account.fail_v3_http_allowed",
                "azurerm_storage_account.fail_v4_http_allowed",
            },
            passed={
                "azurerm_storage_account.pass_provider_defaults",
                "azurerm_storage_account.pass_v3_explicit",
                "azurerm_storage_account.pass_v4_explicit",
            },
        ),
    },
    "TLS-ENDPOINT": {
        "PACS_AZURE_APPGW_TLS": Expect(
            failed={
                "azurerm_application_gateway.fail_custom_tls11",
                "azurerm_application_gateway.fail_no_ssl_policy",
                "azurerm_application_gateway.fail_predefined_2015",
            },
            passed={
                "azurerm_application_gateway.pass_custom_v2_tls12",
                "azurerm_application_gateway.pass_predefined_2022",
            },
        ),
    },
    "NET-DICOM": {
        "PACS_AZURE_NSG_DICOM": Expect(
            failed={
                "azurerm_network_security_group.fail_any_protocol_all_ports",
                "azurerm_network_security_group.fail_ipv6_world",
                "azurerm_network_security_group.fail_list_syntax_any",
                "azurerm_network_security_group.fail_range_contains_dicom",
                "azurerm_network_security_rule.cfg_orthanc_dicom_world",
            },
            passed={
                "azurerm_network_security_group.fail_separate_rule",
                "azurerm_network_security_group.pass_deny_and_outbound",
                "azurerm_network_security_group.pass_separate_private_rule",
                "azurerm_network_security_group.pass_world_https_private_dicom",
                "azurerm_network_security_rule.cfg_dicom_private",
            },
        ),
    },
    "NET-ADMIN": {
        "PACS_AZURE_NSG_ADMIN": Expect(
            failed={
                "azurerm_network_security_group.fail_all_ports_any",
                "azurerm_network_security_group.fail_rdp_in_range",
                "azurerm_network_security_group.fail_ssh_internet",
                "azurerm_network_security_rule.cfg_rdp_world",
            },
            passed={
                "azurerm_network_security_group.fail_separate_rdp",
                "azurerm_network_security_group.pass_no_rules",
                "azurerm_network_security_group.pass_ssh_private_https_world",
            },
        ),
    },
    "NET-STORAGE": {
        "PACS_AZURE_STORAGE_NETWORK": Expect(
            failed={
                "azurerm_storage_account.fail_inline_allow",
                "azurerm_storage_account.fail_no_network_rules",
                "azurerm_storage_account.fail_separate_allow",
            },
            passed={
                "azurerm_storage_account.pass_inline_deny",
                "azurerm_storage_account.pass_public_network_disabled",
                "azurerm_storage_account.pass_separate_deny",
            },
        ),
    },
    "ACC-PUBLIC": {
        "PACS_AZURE_STORAGE_PUBLIC": Expect(
            failed={"azurerm_storage_account.fail_default_public", "azurerm_storage_account.fail_nested_true"},
            passed={
                "azurerm_storage_account.fail_public_container",
                "azurerm_storage_account.pass_nested_false",
                "azurerm_storage_account.pass_v2_blob_public_false",
            },
        ),
        "PACS_AZURE_CONTAINER_PRIVATE": Expect(
            failed={"azurerm_storage_container.cfg_public_container"},
            passed={"azurerm_storage_container.cfg_private_images"},
        ),
    },
    "ACC-UNIFORM": {
        "PACS_AZURE_STORAGE_SHARED_KEY": Expect(
            failed={
                "azurerm_storage_account.fail_shared_key_default",
                "azurerm_storage_account.fail_shared_key_enabled",
            },
            passed={"azurerm_storage_account.pass_shared_key_disabled"},
        ),
    },
    "AUD-TRAIL": {
        "PACS_AZURE_ACTIVITY_LOG": Expect(
            failed={
                "azurerm_monitor_diagnostic_setting.fail_activity_log_partial",
                "azurerm_monitor_diagnostic_setting.fail_activity_log_security_disabled",
            },
            passed={
                "azurerm_monitor_diagnostic_setting.pass_activity_log_legacy",
                "azurerm_monitor_diagnostic_setting.pass_activity_log_reference",
            },
        ),
    },
    "AUD-ACCESS": {
        "PACS_AZURE_STORAGE_BLOB_LOGGING": Expect(
            failed={
                "azurerm_storage_account.fail_account_metrics_only",
                "azurerm_storage_account.fail_blob_writes_only",
                "azurerm_storage_account.fail_no_diagnostics",
            },
            passed={"azurerm_storage_account.pass_blob_audit_group", "azurerm_storage_account.pass_blob_logs"},
        ),
    },
    "AUD-FLOW": {
        "PACS_AZURE_NSG_FLOW_LOG": Expect(
            failed={
                "azurerm_network_security_group.fail_nsg_flow_log_disabled",
                "azurerm_network_security_group.fail_nsg_without_flow_log",
            },
            passed={"azurerm_network_security_group.pass_nsg_with_flow_log"},
        ),
    },
    "INT-VERSION": {
        "PACS_AZURE_STORAGE_VERSIONING": Expect(
            failed={"azurerm_storage_account.fail_no_blob_properties", "azurerm_storage_account.fail_versioning_off"},
            passed={"azurerm_storage_account.pass_versioning"},
        ),
    },
    "INT-IMMUTABLE": {
        "PACS_AZURE_STORAGE_IMMUTABILITY": Expect(
            failed={
                "azurerm_storage_account.fail_no_policy",
                "azurerm_storage_account.fail_short_lock",
                "azurerm_storage_account.fail_unlocked_account",
            },
            passed={"azurerm_storage_account.pass_locked_account"},
        ),
        "PACS_AZURE_CONTAINER_IMMUTABILITY": Expect(
            failed={"azurerm_storage_container_immutability_policy.cfg_container_unlocked"},
            passed={"azurerm_storage_container_immutability_policy.cfg_container_locked"},
        ),
    },
    "BAK-PLAN": {
        "PACS_AZURE_BACKUP_RETENTION": Expect(
            failed={"azurerm_backup_policy_file_share.fail_share_daily_10", "azurerm_backup_policy_vm.fail_vm_daily_7"},
            passed={
                "azurerm_backup_policy_file_share.pass_share_daily_90",
                "azurerm_backup_policy_vm.pass_vm_daily_35",
            },
        ),
    },
    "BAK-VAULT": {
        "PACS_AZURE_RECOVERY_VAULT": Expect(
            failed={
                "azurerm_recovery_services_vault.fail_vault_no_immutability",
                "azurerm_recovery_services_vault.fail_vault_soft_delete_off",
            },
            passed={
                "azurerm_recovery_services_vault.pass_vault_locked",
                "azurerm_recovery_services_vault.pass_vault_unlocked_default_soft_delete",
            },
        ),
    },
    "RET-LIFECYCLE": {
        "PACS_AZURE_LIFECYCLE_RETENTION": Expect(
            failed={"azurerm_storage_management_policy.cfg_short_lifecycle"},
            passed={
                "azurerm_storage_management_policy.cfg_disabled_short_rule",
                "azurerm_storage_management_policy.cfg_long_lifecycle",
            },
        ),
    },
}


def _mapping() -> dict[str, Any]:
    return load_mapping(MAPPING_FILE)


@pytest.fixture(scope="session")
def azure_scan() -> ScanFn:
    """Checkov imported once, with our Azure Python checks registered."""
    load_policy_modules("azure_")
    return run_checkov


def test_mapping_validates_against_the_catalog_schema() -> None:
    assert_terraform_section_valid(_mapping()["terraform"])


def test_every_mapped_check_has_fixture_expectations() -> None:
    assert_mapping_matches_fixtures(_mapping()["terraform"]["checks"], EXPECTED, FIXTURES)


def test_python_checks_are_registered(azure_scan: ScanFn) -> None:
    registered = {check.id for checks in resource_registry.checks.values() for check in checks}
    python_ids = {i for ids in _mapping()["terraform"]["checks"].values() for i in ids} - GRAPH_IDS
    assert python_ids <= registered
    for check_id in GRAPH_IDS:
        assert any(check_id in p.read_text() for p in (REPO_ROOT / "policies" / "graph").glob("azure_*.yaml"))


CASES = [(control, check_id) for control, checks in EXPECTED.items() for check_id in checks]


@pytest.mark.parametrize(("control", "check_id"), CASES, ids=[f"{c}:{i}" for c, i in CASES])
def test_fixture_results_are_exact(azure_scan: ScanFn, control: str, check_id: str) -> None:
    results = azure_scan(FIXTURES / control, [check_id])[check_id]
    expected = EXPECTED[control][check_id]
    assert set(results.failed) == expected.failed
    assert set(results.passed) == expected.passed
    if check_id not in GRAPH_IDS:  # our Python checks state what they observed, pass or fail
        assert all(results.details[address] for address in results.passed | results.failed)


def test_no_pass_named_resource_fails() -> None:
    """A ``pass_`` resource is failed by no check (``fail_`` parents may fail only through a sub-resource)."""
    assert_no_pass_named_resource_fails(EXPECTED)


@pytest.mark.parametrize(
    ("control", "check_id", "address"),
    [
        ("NET-DICOM", "PACS_AZURE_NSG_DICOM", "azurerm_network_security_group.unknown_unresolved_source"),
        ("TLS-STORAGE", "PACS_AZURE_STORAGE_TLS", "azurerm_storage_account.unknown_unresolved_tls"),
    ],
)
def test_unresolved_values_are_never_a_pass(azure_scan: ScanFn, control: str, check_id: str, address: str) -> None:
    results = azure_scan(FIXTURES / control, [check_id])[check_id]
    assert address not in results.passed | results.failed


def test_dicom_ports_parameter_flows(azure_scan: ScanFn, catalog_parameters: Any) -> None:
    catalog_parameters({"dicom_ports": [443]})
    results = azure_scan(FIXTURES / "NET-DICOM", ["PACS_AZURE_NSG_DICOM"])["PACS_AZURE_NSG_DICOM"]
    assert "azurerm_network_security_group.pass_world_https_private_dicom" in results.failed
    assert "azurerm_network_security_group.fail_ipv6_world" in results.passed  # 11112 no longer a DICOM port


def test_min_tls_version_parameter_flows(azure_scan: ScanFn, catalog_parameters: Any) -> None:
    catalog_parameters({"min_tls_version": "1.3"})
    results = azure_scan(FIXTURES / "TLS-STORAGE", ["PACS_AZURE_STORAGE_TLS"])["PACS_AZURE_STORAGE_TLS"]
    assert "azurerm_storage_account.pass_v4_explicit" in results.failed
    assert "azurerm_storage_account.pass_provider_defaults" in results.failed
    assert "azurerm_storage_account.pass_v3_explicit" in results.passed


def test_retention_parameters_flow(azure_scan: ScanFn, catalog_parameters: Any) -> None:
    catalog_parameters({"min_retention_days": 30, "min_backup_retention_days": 7})
    immutable = azure_scan(FIXTURES / "INT-IMMUTABLE", ["PACS_AZURE_STORAGE_IMMUTABILITY"])
    assert "azurerm_storage_account.fail_short_lock" in immutable["PACS_AZURE_STORAGE_IMMUTABILITY"].passed
    backup = azure_scan(FIXTURES / "BAK-PLAN", ["PACS_AZURE_BACKUP_RETENTION"])["PACS_AZURE_BACKUP_RETENTION"]
    assert "azurerm_backup_policy_vm.fail_vm_daily_7" in backup.passed


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("104", common.PortRange(104, 104)),
        ("100-200", common.PortRange(100, 200)),
        (" 100 - 200 ", common.PortRange(100, 200)),
        ("*", common.ALL_PORTS),
        (3389, common.PortRange(3389, 3389)),
        ("200-100", None),
        ("70000", None),
        ("var.port", None),
        ("${var.port}", None),
        (True, None),
    ],
)
def test_parse_port_range(spec: Any, expected: common.PortRange | None) -> None:
    assert common.parse_port_range(spec) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Internet", True),
        ("*", True),
        ("Any", True),
        ("0.0.0.0/0", True),
        ("::/0", True),
        ("0.0.0.0", False),
        ("10.0.0.0/8", False),
        ("203.0.113.7/32", False),
        ("VirtualNetwork", False),
        ("var.source", None),
        (None, None),
    ],
)
def test_is_world_source(source: Any, expected: bool | None) -> None:
    assert common.is_world_source(source) is expected


def test_range_membership_and_tls_ranks() -> None:
    assert common.PortRange(100, 200).contains_any({104, 443, 11112}) == [104]
    assert common.tls_rank("TLS1_2") == common.tls_rank("1.2") == common.tls_rank("TLSv1_2") == (1, 2)
    assert common.tls_rank("TLS_1_0") == (1, 0)
    assert common.tls_rank("var.tls") is None


def test_combine_is_worst_and_empty_is_unknown() -> None:
    assert common.combine([]) is CheckResult.UNKNOWN
    assert common.combine([common.passed("a"), common.unknown("b")]) is CheckResult.UNKNOWN
    assert common.combine([common.unknown("a"), common.failed("b")]) is CheckResult.FAILED
    assert common.combine([common.passed("a")]) is CheckResult.PASSED
