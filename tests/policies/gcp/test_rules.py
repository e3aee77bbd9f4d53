"""The GCP rules over Terraform: what tests/policies/test_gcp_policies.py asserted of the retired
PACS_GCP_* Checkov policies, now of rules/gcp over the normalisers' facts, plus parameters, the
imaging-data scope, evidence and plans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.plan_config import plan_configuration
from tests.policies.gcp.helpers import FIXTURES, REPO, config, instance, judge, judge_folder, status, verdicts


def test_mapping_retires_every_pacs_gcp_check_and_parent() -> None:
    mapping = yaml.safe_load((REPO / "rules" / "terraform-gcp.yaml").read_text())["terraform"]
    assert mapping.get("checks") == {} and "parents" not in mapping
    assert not list((REPO / "policies" / "terraform").glob("gcp_*.py"))


def test_unresolved_sources_are_never_a_pass() -> None:
    found = verdicts(judge_folder(FIXTURES / "NET-DICOM"), "GCP-FIREWALL-DICOM")
    assert found["unknown_unresolved_sources"] == "unknown"


def test_dicom_ports_parameter_flows() -> None:
    found = verdicts(judge_folder(FIXTURES / "NET-DICOM", dicom_ports=[443]), "GCP-FIREWALL-DICOM")
    assert found["pass_world_https"] == "fail"
    assert found["fail_ipv6_world"] == "pass"


def test_admin_ports_parameter_flows() -> None:
    found = verdicts(judge_folder(FIXTURES / "NET-ADMIN", admin_ports=[443]), "GCP-FIREWALL-ADMIN")
    assert found["pass_https_world"] == "fail" and found["fail_ssh_world"] == "pass"


def test_min_tls_version_parameter_flows() -> None:
    ssl = verdicts(judge_folder(FIXTURES / "TLS-ENDPOINT", min_tls_version="1.3"), "GCP-SSL-POLICY-MIN-TLS")
    assert ssl["pass_policy_tls12"] == "fail"
    storage = verdicts(judge_folder(FIXTURES / "TLS-STORAGE", min_tls_version="1.3"), "GCP-GCS-TLS")
    assert storage["pass_bucket_api_only"] == "fail"  # the APIs accept TLS 1.2: a 1.3 minimum is not met


def test_retention_parameters_flow() -> None:
    lifecycle = verdicts(judge_folder(FIXTURES / "RET-LIFECYCLE", min_retention_days=30),
                         "GCP-GCS-LIFECYCLE-RETENTION")
    assert lifecycle["fail_bucket_short_delete"] == "pass"
    locked = verdicts(judge_folder(FIXTURES / "INT-IMMUTABLE", min_retention_days=30), "GCP-GCS-RETENTION-LOCK")
    assert locked["fail_bucket_short_lock"] == "pass"
    snapshots = verdicts(judge_folder(FIXTURES / "BAK-PLAN", min_backup_retention_days=7), "GCP-SNAPSHOT-RETENTION")
    assert snapshots["fail_snapshots_7_days"] == "pass"


def test_every_finding_explains_itself() -> None:
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for finding in judge_folder(folder):
            assert finding.message and finding.evidence["observed"], (folder.name, finding.check_id)
            if finding.status.value == "unknown":
                assert finding.evidence["unknown"], (folder.name, finding.resource.address)


# --- imaging-data scope (GCP tags are labels) ----------------------------------------------------------

SCOPE = {"imaging_data": {"tags": {"data": "imaging"}, "name_patterns": ["pacs-*"]}}


def _bucket(name: Any, labels: Any = None) -> Any:
    attrs = {"name": name, "versioning": [{"enabled": True}]}
    if labels is not None:
        attrs["labels"] = labels
    return instance("google_storage_bucket", "b", attrs)


def _scoped(bucket: Any) -> list[str]:
    return [f.status.value for f in judge(config(bucket), **SCOPE) if f.check_id == "GCP-GCS-VERSIONING"]


def test_scope_by_label_and_by_name() -> None:
    assert _scoped(_bucket("marketing", {"data": "imaging"})) == ["pass"]
    assert _scoped(_bucket("pacs-images")) == ["pass"]
    assert _scoped(_bucket("marketing", {"data": "web"})) == []


def test_scope_that_cannot_be_read_stays_unknown() -> None:
    no_value = Unknown('variable "labels" has no value')
    assert _scoped(_bucket("marketing", no_value)) == ["unknown"]
    assert _scoped(_bucket("marketing", PartialDict({"team": "pacs"}, no_value))) == ["unknown"]
    assert _scoped(_bucket(Unknown('variable "name" has no value'))) == ["unknown"]


def test_evidence_shows_origin_and_the_variable_chain(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "versioned" {\n  type = bool\n}\n\n'
                                      'resource "google_storage_bucket" "b" {\n  name = "pacs"\n  location = "EU"\n'
                                      '  versioning {\n    enabled = var.versioned\n  }\n}\n')
    (tmp_path / "terraform.tfvars").write_text("versioned = false\n")
    finding = next(f for f in judge_folder(tmp_path) if f.check_id == "GCP-GCS-VERSIONING")
    assert finding.status.value == "fail"
    assert "google_storage_bucket.b" in finding.evidence["origins"]["versioning"]
    assert any("terraform.tfvars" in line for line in finding.evidence["evaluated"]["versioning"])


# --- plans ----------------------------------------------------------------------------------------------


def _plan(resources: list[dict[str, Any]], unknown: dict[str, Any], expressions: dict[str, Any]) -> Any:
    data = {
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": [{"address": r["address"], "change": {"after_unknown": unknown.get(r["address"], {})}}
                             for r in resources],
        "configuration": {"root_module": {"resources": [{"address": a, "expressions": e}
                                                        for a, e in expressions.items()]}},
    }
    return plan_configuration(Path("plan.json"), json.loads(json.dumps(data)))


def test_plan_key_and_policy_known_after_apply_are_set() -> None:
    resources = [
        {"address": "google_kms_crypto_key.k", "mode": "managed", "type": "google_kms_crypto_key", "name": "k",
         "values": {"name": "k", "rotation_period": "7776000s"}},
        {"address": "google_storage_bucket.b", "mode": "managed", "type": "google_storage_bucket", "name": "b",
         "values": {"name": "pacs", "encryption": [{}], "lifecycle_rule": [], "website": [], "logging": [],
                    "versioning": [], "retention_policy": [], "terraform_labels": {"data": "imaging"}}},
        {"address": "google_compute_subnetwork.s", "mode": "managed", "type": "google_compute_subnetwork", "name": "s",
         "values": {"name": "s", "log_config": []}},
    ]
    unknown = {"google_storage_bucket.b": {"encryption": [{"default_kms_key_name": True}]},
               "google_compute_subnetwork.s": {"purpose": True}}
    expressions = {
        "google_kms_crypto_key.k": {"name": {"constant_value": "k"}},
        "google_storage_bucket.b": {"name": {"constant_value": "pacs"}, "encryption": [{"default_kms_key_name": {
            "references": ["google_kms_crypto_key.k.id", "google_kms_crypto_key.k"]}}]},
        "google_compute_subnetwork.s": {"name": {"constant_value": "s"}},
    }
    findings = judge(_plan(resources, unknown, expressions), **SCOPE)
    assert status(findings, "GCP-GCS-CMK", "google_storage_bucket.b") == "pass"
    assert status(findings, "GCP-KMS-ROTATION", "google_kms_crypto_key.k") == "pass"
    assert status(findings, "GCP-SUBNET-FLOW-LOGS", "google_compute_subnetwork.s") == "fail"  # purpose: PRIVATE
    assert status(findings, "GCP-GCS-VERSIONING", "google_storage_bucket.b") == "fail"
