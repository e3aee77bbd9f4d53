"""Our GCP Checkov policies, run for real on tests/fixtures/terraform/gcp/<CONTROL>/.

For every control in rules/terraform-gcp.yaml, every mapped check is asserted to fail and pass
exactly the listed resource addresses (both directions). Bucket IAM grants (``cfg_*``) are judged
directly; pacscan attributes them to their bucket via ``parents``. Resources whose values Checkov
cannot render must be in neither set (UNKNOWN, dropped by Checkov).
"""

from __future__ import annotations

from typing import Any

import pytest
from checkov.terraform.checks.resource.registry import resource_registry

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

FIXTURES = FIXTURE_ROOT / "gcp"
MAPPING_FILE = REPO_ROOT / "rules" / "terraform-gcp.yaml"


EXPECTED: dict[str, dict[str, Expect]] = {
    "ENC-REST": {
        "PACS_GCP_ENCRYPTION_AT_REST": Expect(
            failed={"google_compute_disk.fail_disk_raw_key"},
            passed={
                "google_compute_disk.pass_disk_google_key",
                "google_compute_disk.pass_disk_kms",
                "google_storage_bucket.pass_bucket_default_encryption",
            },
        ),
    },
    "ENC-KEYS": {
        "PACS_GCP_BUCKET_CMK": Expect(
            failed={"google_storage_bucket.fail_bucket_google_key"},
            passed={"google_storage_bucket.pass_bucket_cmk"},
        ),
        "PACS_GCP_KMS_ROTATION": Expect(
            failed={"google_kms_crypto_key.fail_key_never", "google_kms_crypto_key.fail_key_yearly"},
            passed={"google_kms_crypto_key.pass_key_90_days"},
        ),
    },
    "TLS-STORAGE": {
        "PACS_GCP_BUCKET_TLS": Expect(
            failed={"google_storage_bucket.fail_bucket_website"},
            passed={"google_storage_bucket.pass_bucket_api_only"},
        ),
    },
    "TLS-ENDPOINT": {
        "PACS_GCP_SSL_POLICY": Expect(
            failed={"google_compute_ssl_policy.fail_policy_default", "google_compute_ssl_policy.fail_policy_tls11"},
            passed={"google_compute_ssl_policy.pass_policy_tls12"},
        ),
        "PACS_GCP_PROXY_SSL_POLICY": Expect(
            failed={"google_compute_target_https_proxy.fail_proxy_default_policy"},
            passed={"google_compute_target_https_proxy.pass_proxy_with_policy"},
        ),
    },
    "NET-DICOM": {
        "PACS_GCP_FIREWALL_DICOM": Expect(
            failed={
                "google_compute_firewall.fail_default_source",
                "google_compute_firewall.fail_ipv6_world",
                "google_compute_firewall.fail_protocol_all",
                "google_compute_firewall.fail_range_contains_dicom",
            },
            passed={
                "google_compute_firewall.pass_deny_egress_disabled",
                "google_compute_firewall.pass_deny_rule",
                "google_compute_firewall.pass_disabled_rule",
                "google_compute_firewall.pass_private_dicom",
                "google_compute_firewall.pass_tagged_sources",
                "google_compute_firewall.pass_udp_only",
                "google_compute_firewall.pass_world_https",
            },
        ),
    },
    "NET-ADMIN": {
        "PACS_GCP_FIREWALL_ADMIN": Expect(
            failed={
                "google_compute_firewall.fail_all_ports_tcp",
                "google_compute_firewall.fail_rdp_in_range",
                "google_compute_firewall.fail_ssh_world",
            },
            passed={"google_compute_firewall.pass_https_world", "google_compute_firewall.pass_ssh_from_iap"},
        ),
    },
    "ACC-PUBLIC": {
        "PACS_GCP_BUCKET_PUBLIC_PREVENTION": Expect(
            failed={"google_storage_bucket.fail_bucket_inherited"},
            passed={
                "google_storage_bucket.fail_bucket_all_authenticated",
                "google_storage_bucket.fail_bucket_all_users",
                "google_storage_bucket.pass_bucket_enforced",
            },
        ),
        "PACS_GCP_BUCKET_IAM_PUBLIC": Expect(
            failed={
                "google_storage_bucket_iam_binding.cfg_all_authenticated",
                "google_storage_bucket_iam_member.cfg_all_users",
            },
            passed={"google_storage_bucket_iam_member.cfg_viewer_group"},
        ),
    },
    "ACC-UNIFORM": {
        "PACS_GCP_BUCKET_UNIFORM": Expect(
            failed={"google_storage_bucket.fail_bucket_default_acls", "google_storage_bucket.fail_bucket_uniform_off"},
            passed={"google_storage_bucket.pass_bucket_uniform"},
        ),
    },
    "AUD-TRAIL": {
        "PACS_GCP_STORAGE_AUDIT_LOGS": Expect(
            failed={"google_project_iam_audit_config.fail_storage_writes_only"},
            passed={
                "google_project_iam_audit_config.pass_all_services",
                "google_project_iam_audit_config.pass_storage_data_access",
            },
        ),
    },
    "AUD-ACCESS": {
        "PACS_GCP_BUCKET_LOGGING": Expect(
            failed={"google_storage_bucket.fail_log_bucket_unlogged", "google_storage_bucket.fail_bucket_unlogged"},
            passed={"google_storage_bucket.pass_bucket_logged"},
        ),
    },
    "AUD-FLOW": {
        "PACS_GCP_SUBNET_FLOW_LOGS": Expect(
            failed={"google_compute_subnetwork.fail_subnet_no_flow_logs"},
            passed={
                "google_compute_subnetwork.pass_proxy_only_subnet",
                "google_compute_subnetwork.pass_subnet_flow_logs",
            },
        ),
    },
    "INT-VERSION": {
        "PACS_GCP_BUCKET_VERSIONING": Expect(
            failed={
                "google_storage_bucket.fail_bucket_no_versioning",
                "google_storage_bucket.fail_bucket_versioning_off",
            },
            passed={"google_storage_bucket.pass_bucket_versioned"},
        ),
    },
    "INT-IMMUTABLE": {
        "PACS_GCP_BUCKET_RETENTION_LOCK": Expect(
            failed={
                "google_storage_bucket.fail_bucket_no_retention",
                "google_storage_bucket.fail_bucket_short_lock",
                "google_storage_bucket.fail_bucket_unlocked",
            },
            passed={"google_storage_bucket.pass_bucket_locked_6y"},
        ),
    },
    "BAK-PLAN": {
        "PACS_GCP_SNAPSHOT_RETENTION": Expect(
            failed={"google_compute_resource_policy.fail_snapshots_7_days"},
            passed={"google_compute_resource_policy.pass_snapshots_60_days"},
        ),
    },
    "RET-LIFECYCLE": {
        "PACS_GCP_BUCKET_LIFECYCLE": Expect(
            failed={
                "google_storage_bucket.fail_bucket_delete_any_age",
                "google_storage_bucket.fail_bucket_short_delete",
            },
            passed={"google_storage_bucket.pass_bucket_long_delete", "google_storage_bucket.pass_bucket_no_lifecycle"},
        ),
    },
}


def _mapping() -> dict[str, Any]:
    return load_mapping(MAPPING_FILE)


@pytest.fixture(scope="session")
def gcp_scan() -> ScanFn:
    """Checkov imported once, with our GCP Python checks registered."""
    load_policy_modules("gcp_")
    return run_checkov


def test_mapping_validates_against_the_catalog_schema() -> None:
    assert_terraform_section_valid(_mapping()["terraform"])


def test_every_mapped_check_has_fixture_expectations() -> None:
    assert_mapping_matches_fixtures(_mapping()["terraform"]["checks"], EXPECTED, FIXTURES)


def test_mapped_checks_are_registered(gcp_scan: ScanFn) -> None:
    registered = {check.id for checks in resource_registry.checks.values() for check in checks}
    assert {i for ids in _mapping()["terraform"]["checks"].values() for i in ids} <= registered


CASES = [(control, check_id) for control, checks in EXPECTED.items() for check_id in checks]


@pytest.mark.parametrize(("control", "check_id"), CASES, ids=[f"{c}:{i}" for c, i in CASES])
def test_fixture_results_are_exact(gcp_scan: ScanFn, control: str, check_id: str) -> None:
    results = gcp_scan(FIXTURES / control, [check_id])[check_id]
    expected = EXPECTED[control][check_id]
    assert set(results.failed) == expected.failed
    assert set(results.passed) == expected.passed
    assert all(results.details[address] for address in results.passed | results.failed)


def test_no_pass_named_resource_fails() -> None:
    """A ``pass_`` resource is failed by no check (``fail_`` buckets may fail only through an IAM grant)."""
    assert_no_pass_named_resource_fails(EXPECTED)


def test_unresolved_sources_are_never_a_pass(gcp_scan: ScanFn) -> None:
    results = gcp_scan(FIXTURES / "NET-DICOM", ["PACS_GCP_FIREWALL_DICOM"])["PACS_GCP_FIREWALL_DICOM"]
    assert "google_compute_firewall.unknown_unresolved_sources" not in results.passed | results.failed


def test_dicom_ports_parameter_flows(gcp_scan: ScanFn, catalog_parameters: Any) -> None:
    catalog_parameters({"dicom_ports": [443]})
    results = gcp_scan(FIXTURES / "NET-DICOM", ["PACS_GCP_FIREWALL_DICOM"])["PACS_GCP_FIREWALL_DICOM"]
    assert "google_compute_firewall.pass_world_https" in results.failed
    assert "google_compute_firewall.fail_ipv6_world" in results.passed


def test_min_tls_version_parameter_flows(gcp_scan: ScanFn, catalog_parameters: Any) -> None:
    catalog_parameters({"min_tls_version": "1.3"})
    ssl = gcp_scan(FIXTURES / "TLS-ENDPOINT", ["PACS_GCP_SSL_POLICY"])["PACS_GCP_SSL_POLICY"]
    assert "google_compute_ssl_policy.pass_policy_tls12" in ssl.failed
    storage = gcp_scan(FIXTURES / "TLS-STORAGE", ["PACS_GCP_BUCKET_TLS"])["PACS_GCP_BUCKET_TLS"]
    assert "google_storage_bucket.pass_bucket_api_only" not in storage.passed  # cannot prove a 1.3 minimum


def test_retention_parameters_flow(gcp_scan: ScanFn, catalog_parameters: Any) -> None:
    catalog_parameters({"min_retention_days": 30, "min_backup_retention_days": 7})
    lifecycle = gcp_scan(FIXTURES / "RET-LIFECYCLE", ["PACS_GCP_BUCKET_LIFECYCLE"])["PACS_GCP_BUCKET_LIFECYCLE"]
    assert "google_storage_bucket.fail_bucket_short_delete" in lifecycle.passed
    locked = gcp_scan(FIXTURES / "INT-IMMUTABLE", ["PACS_GCP_BUCKET_RETENTION_LOCK"])
    assert "google_storage_bucket.fail_bucket_short_lock" in locked["PACS_GCP_BUCKET_RETENTION_LOCK"].passed
    snapshots = gcp_scan(FIXTURES / "BAK-PLAN", ["PACS_GCP_SNAPSHOT_RETENTION"])["PACS_GCP_SNAPSHOT_RETENTION"]
    assert "google_compute_resource_policy.fail_snapshots_7_days" in snapshots.passed
