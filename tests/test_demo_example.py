"""End to end: the dental-practice demo estate, scanned by the real CLI (and the real Checkov).

The expectations below are what examples/dental-practice/README.md tells readers passes and
fails. If a catalog or policy change makes this test fail, either the change is wrong or the
README is out of date: fix one, and update both tables together.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "dental-practice"
ATTESTATIONS = DEMO / "attestations.yaml"
CONFIG = DEMO / "pacscan.yaml"
SCHEMA = ROOT / "scanner" / "schemas" / "evidence.schema.json"

#: Worst status wins when several checks judge one control on one resource.
RANK = {"not_applicable": -1, "pass": 0, "attested": 0, "waived": 0, "unknown": 1, "error": 2, "missing": 3,
        "expired": 3, "fail": 4}

STORAGE_PASS_ALL = {
    "ACC-PUBLIC": "pass",
    "ACC-UNIFORM": "pass",
    "AUD-ACCESS": "pass",
    "ENC-KEYS": "pass",
    "ENC-REST": "pass",
    "INT-IMMUTABLE": "pass",
    "INT-VERSION": "pass",
    "NET-STORAGE": "pass",
    "RET-LIFECYCLE": "pass",
    "TLS-STORAGE": "pass",
}

#: Every resource that gets a finding, with each control's rolled-up status on it. Resources not
#: listed (subnets, IAM roles, listeners' target group, ...) must get no finding at all.
EXPECTED_INFRA: dict[str, dict[str, str]] = {
    # its VPC-endpoint Deny also exempts two role ARNs (ArnNotEquals aws:PrincipalArn): a narrowed
    # Deny is not a network restriction (those roles reach the bucket from anywhere)
    "module.pacs_images.aws_s3_bucket.this": {**STORAGE_PASS_ALL, "NET-STORAGE": "fail"},
    # Deliberately weak: no encryption, versioning, logging, TLS policy, ownership controls or
    # object lock, and a lifecycle rule that deletes after 90 days. Only public access is blocked.
    "aws_s3_bucket.legacy_exports": {
        **{control: "fail" for control in STORAGE_PASS_ALL},
        "ACC-PUBLIC": "pass",
    },
    # In scope only without an imaging_data selector; fails where a log bucket legitimately differs.
    "aws_s3_bucket.logs": {
        **STORAGE_PASS_ALL,
        "AUD-ACCESS": "fail",
        "ENC-KEYS": "fail",
        "INT-IMMUTABLE": "fail",
        "NET-STORAGE": "fail",
    },
    "aws_security_group.modality_gateway": {"NET-ADMIN": "pass", "NET-DICOM": "pass"},
    "aws_security_group.orthanc_legacy": {"NET-ADMIN": "fail", "NET-DICOM": "fail"},
    "aws_security_group.viewer": {"NET-ADMIN": "pass", "NET-DICOM": "pass"},
    "aws_security_group.viewer_alb": {"NET-ADMIN": "pass", "NET-DICOM": "pass"},
    "aws_lb_listener.viewer_https": {"TLS-ENDPOINT": "pass"},
    "aws_lb_listener.viewer_http": {"TLS-ENDPOINT": "pass"},
    "aws_kms_key.imaging": {"ENC-KEYS": "pass"},
    "aws_kms_key.imaging_dr": {"ENC-KEYS": "pass"},
    "aws_kms_key.audit": {"ENC-KEYS": "pass"},
    "aws_backup_plan.imaging": {"BAK-PLAN": "pass"},
    "aws_backup_vault.imaging": {"BAK-VAULT": "pass", "ENC-REST": "pass"},
    "aws_backup_vault.imaging_dr": {"BAK-VAULT": "pass", "ENC-REST": "pass"},
    # no rules: nothing may use the default security group (a default group is judged like any other)
    "aws_default_security_group.default": {"NET-ADMIN": "pass", "NET-DICOM": "pass"},
    "aws_cloudtrail.audit": {"AUD-TRAIL": "pass"},
    "aws_vpc.imaging": {"AUD-FLOW": "pass"},
    "aws_iam_policy.msp_admin": {"IAM-MFA": "pass"},
    # the cloud PACS: the imaging key, only the account's own roles (the viewer's, the MSP's), and
    # the trail's HealthImaging data events; always imaging data, whatever imaging_data says
    "awscc_healthimaging_datastore.pacs": {"ENC-REST": "pass", "ENC-KEYS": "pass", "ACC-PUBLIC": "pass",
                                           "AUD-ACCESS": "pass"},
    # a service role's policy: MFA is not a question for it
    "aws_iam_role_policy.viewer_images": {"IAM-MFA": "not_applicable"},
}

#: Controls that fail on the estate as a whole (every other automated control passes).
FAILING_CONTROLS = {
    "ENC-REST",
    "ENC-KEYS",
    "TLS-STORAGE",
    "NET-DICOM",
    "NET-ADMIN",
    "NET-STORAGE",
    "ACC-UNIFORM",
    "AUD-ACCESS",
    "INT-VERSION",
    "INT-IMMUTABLE",
    "RET-LIFECYCLE",
}


@dataclass(frozen=True)
class Scan:
    returncode: int
    stdout: str
    stderr: str
    evidence: dict[str, Any]

    def infra(self) -> dict[str, dict[str, str]]:
        """address -> control -> worst status, for the Terraform findings."""
        out: dict[str, dict[str, str]] = {}
        for f in self.evidence["findings"]:
            if f["source"] != "terraform":
                continue
            per_resource = out.setdefault(f["resource"]["address"], {})
            current = per_resource.get(f["control_id"])
            if current is None or RANK[f["status"]] > RANK[current]:
                per_resource[f["control_id"]] = f["status"]
        return out

    def control_status(self) -> dict[str, str]:
        return {c["id"]: c["status"] for c in self.evidence["controls"]}

    def attestation_findings(self) -> dict[str, dict[str, Any]]:
        return {f["control_id"]: f for f in self.evidence["findings"] if f["source"] == "attestation"}


def _scan(tmp_path: Path, *extra: str) -> Scan:
    out = tmp_path / "evidence.json"
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "CHECKOV_PARALLELIZATION_TYPE": "none"}
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "iac", "examples/dental-practice", *extra,
         "--no-color", "--format", "json", "--output", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert out.is_file(), f"no evidence written (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}"
    return Scan(proc.returncode, proc.stdout, proc.stderr, json.loads(out.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def default_scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """The scan with default parameters: every storage resource holds images."""
    return _scan(tmp_path_factory.mktemp("default"))


@pytest.fixture(scope="module")
def demo_scan(tmp_path_factory: pytest.TempPathFactory) -> Scan:
    """What `make demo` runs: the example config and attestations."""
    return _scan(tmp_path_factory.mktemp("demo"), "--config", str(CONFIG.relative_to(ROOT)),
                 "--attestations", str(ATTESTATIONS.relative_to(ROOT)))


def _diff(actual: Mapping[str, Mapping[str, str]], expected: Mapping[str, Mapping[str, str]]) -> str:
    lines = []
    for address in sorted(set(actual) | set(expected)):
        if actual.get(address) != expected.get(address):
            lines.append(f"{address}:\n  expected {expected.get(address)}\n  actual   {actual.get(address)}")
    return "\n".join(lines)


def test_default_scan_judges_each_named_resource_exactly(default_scan: Scan) -> None:
    actual = default_scan.infra()
    assert actual == EXPECTED_INFRA, _diff(actual, EXPECTED_INFRA)


def test_default_scan_fails_the_deliberately_weak_controls_and_passes_the_rest(default_scan: Scan) -> None:
    automated = {c: s for c, s in default_scan.control_status().items() if c in _automated(default_scan)}
    expected = {c: ("fail" if c in FAILING_CONTROLS else "pass") for c in automated}
    assert automated == expected
    assert default_scan.returncode == 1, default_scan.stderr
    assert default_scan.evidence["summary"]["errors"] is False


def test_console_report_still_goes_to_stdout_when_json_goes_to_a_file(default_scan: Scan) -> None:
    assert "NET-DICOM" in default_scan.stdout
    assert "aws_security_group.orthanc_legacy" in default_scan.stdout
    assert "{" not in default_scan.stdout.splitlines()[0]


def test_every_terraform_finding_names_its_file_lines_and_observed_evidence(default_scan: Scan) -> None:
    for f in default_scan.evidence["findings"]:
        if f["source"] != "terraform":
            continue
        where = f"{f['control_id']} {f['resource']['address']} {f['check_id']}"
        assert f["resource"]["file"], where
        assert (ROOT / f["resource"]["file"]).is_file() or Path(f["resource"]["file"]).is_file(), where
        assert f["resource"]["line_range"] is not None, where
        assert f["evidence"], where


def test_module_resources_carry_module_addresses_and_the_module_file(default_scan: Scan) -> None:
    files = {
        f["resource"]["file"]
        for f in default_scan.evidence["findings"]
        if f["resource"]["address"] == "module.pacs_images.aws_s3_bucket.this"
    }
    assert files and all(str(p).endswith("modules/imaging-bucket/main.tf") for p in files), files


def test_evidence_validates_against_the_published_schema(default_scan: Scan, demo_scan: Scan) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(default_scan.evidence, schema)
    jsonschema.validate(demo_scan.evidence, schema)


def test_demo_config_takes_the_log_bucket_out_of_imaging_scope(demo_scan: Scan) -> None:
    expected = {a: c for a, c in EXPECTED_INFRA.items() if a != "aws_s3_bucket.logs"}
    actual = demo_scan.infra()
    assert actual == expected, _diff(actual, expected)
    assert demo_scan.evidence["scan"]["parameters"]["imaging_data"] == {"tags": {"data-classification": "phi"}}
    assert demo_scan.evidence["scan"]["parameters"]["min_retention_days"] == 2555


def test_demo_attestations_are_attested_expired_or_missing_by_date(demo_scan: Scan) -> None:
    today = dt.datetime.now(dt.UTC).date()
    entries = yaml.safe_load(ATTESTATIONS.read_text(encoding="utf-8"))["attestations"]
    expected = {
        e["control"]: ("attested" if dt.date.fromisoformat(str(e["expires"])) >= today else "expired")
        for e in entries
    }
    assert "expired" in expected.values(), "the example keeps one lapsed attestation on purpose"
    found = demo_scan.attestation_findings()
    for control in _attested_controls(demo_scan):
        assert found[control]["status"] == expected.get(control, "missing"), control
    assert set(expected) <= set(found)
    assert demo_scan.returncode == 1


def _automated(scan: Scan) -> set[str]:
    return {c["id"] for c in scan.evidence["controls"] if c["evaluation"] == "automated"}


def _attested_controls(scan: Scan) -> set[str]:
    return {c["id"] for c in scan.evidence["controls"] if c["evaluation"] == "attestation"}
