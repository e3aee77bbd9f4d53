"""Our AWS Checkov policies, run for real on tests/fixtures/terraform/aws/<CONTROL>/.

For every control in rules/terraform-aws.yaml, every mapped check is asserted to fail and pass
exactly the listed resource addresses (both directions). Sub-resources (``cfg_*``) appear where a
Python check judges them directly; pacscan attributes them to their parent bucket/group/vault.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.policies.conftest import FIXTURE_ROOT, REPO_ROOT, Expect, ScanFn

AWS_FIXTURES = FIXTURE_ROOT / "aws"
MAPPING_FILE = REPO_ROOT / "rules" / "terraform-aws.yaml"


EXPECTED: dict[str, dict[str, Expect]] = {
    "ENC-REST": {
        "PACS_AWS_S3_ENCRYPTION": Expect(
            failed={"aws_s3_bucket.fail_no_sse"},
            passed={"aws_s3_bucket.pass_inline_sse", "aws_s3_bucket.pass_separate_sse"},
        ),
    },
    "ENC-KEYS": {
        "CKV_AWS_7": Expect(
            failed={"aws_kms_key.fail_not_rotated"},
            passed={"aws_kms_key.pass_rotated"},
        ),
        "PACS_AWS_S3_KMS": Expect(
            failed={
                "aws_s3_bucket.fail_inline_aes",
                "aws_s3_bucket.fail_no_sse",
                "aws_s3_bucket.fail_separate_managed_key",
            },
            passed={"aws_s3_bucket.pass_inline_cmk", "aws_s3_bucket.pass_separate_cmk"},
        ),
    },
    "TLS-STORAGE": {
        "PACS_AWS_S3_SECURE_TRANSPORT": Expect(
            failed={
                "aws_s3_bucket.fail_allow_only",
                "aws_s3_bucket.fail_deny_one_principal",
                "aws_s3_bucket.fail_no_policy",
            },
            passed={"aws_s3_bucket.pass_inline_policy", "aws_s3_bucket.pass_separate_policy"},
        ),
    },
    "NET-STORAGE": {
        "PACS_AWS_S3_NETWORK_RESTRICTED": Expect(
            failed={"aws_s3_bucket.fail_allow_vpce", "aws_s3_bucket.fail_no_policy", "aws_s3_bucket.fail_world_ip"},
            passed={"aws_s3_bucket.pass_inline_source_ip", "aws_s3_bucket.pass_vpce_only"},
        ),
    },
    "ACC-PUBLIC": {
        "CKV_AWS_20": Expect(
            failed={"aws_s3_bucket.fail_inline_public_read", "aws_s3_bucket.fail_public_read_acl"},
            passed={
                "aws_s3_bucket.fail_no_block",
                "aws_s3_bucket.fail_partial_block",
                "aws_s3_bucket.pass_full_block",
                "aws_s3_bucket.pass_private_acl",
            },
        ),
        "PACS_AWS_S3_PUBLIC_ACCESS_BLOCK": Expect(
            failed={"aws_s3_bucket.fail_no_block", "aws_s3_bucket.fail_partial_block"},
            passed={
                "aws_s3_bucket.fail_inline_public_read",
                "aws_s3_bucket.fail_public_read_acl",
                "aws_s3_bucket.pass_full_block",
                "aws_s3_bucket.pass_private_acl",
            },
        ),
    },
    "ACC-UNIFORM": {
        "PACS_AWS_S3_OWNERSHIP_ENFORCED": Expect(
            failed={"aws_s3_bucket.fail_no_controls", "aws_s3_bucket.fail_owner_preferred"},
            passed={"aws_s3_bucket.pass_owner_enforced"},
        ),
    },
    "AUD-ACCESS": {
        "PACS_AWS_S3_ACCESS_LOGGING": Expect(
            failed={"aws_s3_bucket.fail_log_target_only", "aws_s3_bucket.fail_no_logging"},
            passed={"aws_s3_bucket.pass_inline_logging", "aws_s3_bucket.pass_separate_logging"},
        ),
    },
    "INT-VERSION": {
        "PACS_AWS_S3_VERSIONING": Expect(
            failed={
                "aws_s3_bucket.fail_inline_disabled",
                "aws_s3_bucket.fail_no_versioning",
                "aws_s3_bucket.fail_suspended",
            },
            passed={"aws_s3_bucket.pass_inline_versioning", "aws_s3_bucket.pass_separate_versioning"},
        ),
    },
    "INT-IMMUTABLE": {
        "PACS_AWS_S3_OBJECT_LOCK": Expect(
            failed={"aws_s3_bucket.fail_lock_disabled", "aws_s3_bucket.fail_no_lock"},
            passed={
                "aws_s3_bucket.fail_lock_legacy_short",
                "aws_s3_bucket.fail_lock_short_retention",
                "aws_s3_bucket.pass_lock_enabled_v4",
                "aws_s3_bucket.pass_lock_legacy",
                "aws_s3_bucket.pass_lock_no_retention",
            },
        ),
        "PACS_AWS_S3_OBJECT_LOCK_RETENTION": Expect(
            failed={"aws_s3_bucket.fail_lock_legacy_short", "aws_s3_bucket_object_lock_configuration.cfg_lock_short"},
            passed={
                "aws_s3_bucket.fail_lock_disabled",
                "aws_s3_bucket.fail_lock_short_retention",
                "aws_s3_bucket.fail_no_lock",
                "aws_s3_bucket.pass_lock_enabled_v4",
                "aws_s3_bucket.pass_lock_legacy",
                "aws_s3_bucket.pass_lock_no_retention",
                "aws_s3_bucket_object_lock_configuration.cfg_lock_v4_long",
            },
        ),
    },
    "RET-LIFECYCLE": {
        "PACS_AWS_S3_LIFECYCLE_RETENTION": Expect(
            failed={
                "aws_s3_bucket.fail_inline_noncurrent",
                "aws_s3_bucket.fail_inline_short",
                "aws_s3_bucket_lifecycle_configuration.cfg_short_expiration",
                "aws_s3_bucket_lifecycle_configuration.cfg_short_noncurrent",
            },
            passed={
                "aws_s3_bucket.fail_short_expiration",
                "aws_s3_bucket.fail_short_noncurrent",
                "aws_s3_bucket.pass_disabled_rule",
                "aws_s3_bucket.pass_inline_long",
                "aws_s3_bucket.pass_no_lifecycle",
                "aws_s3_bucket.pass_transition_only",
                "aws_s3_bucket_lifecycle_configuration.cfg_disabled_rule",
                "aws_s3_bucket_lifecycle_configuration.cfg_transition_only",
            },
        ),
    },
}


def _mapping() -> dict[str, list[str]]:
    with MAPPING_FILE.open(encoding="utf-8") as fh:
        checks: dict[str, list[str]] = yaml.safe_load(fh)["terraform"]["checks"]
    return checks


def test_every_mapped_check_has_expectations() -> None:
    mapping = _mapping()
    assert {c: sorted(ids) for c, ids in mapping.items()} == {c: sorted(e) for c, e in EXPECTED.items()}


def test_mapping_validates_against_catalog_schema() -> None:
    import json

    import jsonschema

    schema = json.loads((REPO_ROOT / "scanner" / "schemas" / "catalog.schema.json").read_text())
    with MAPPING_FILE.open(encoding="utf-8") as fh:
        document = yaml.safe_load(fh)
    jsonschema.validate(document, schema)
    jsonschema.validate(document["terraform"], {"$defs": schema["$defs"], "$ref": "#/$defs/terraform"})


@pytest.mark.parametrize("control", sorted(EXPECTED))
def test_control_fixture(control: str, checkov_scan: ScanFn) -> None:
    results = checkov_scan(AWS_FIXTURES / control, EXPECTED[control])
    for check_id, expect in EXPECTED[control].items():
        got = results[check_id]
        assert set(got.failed) == expect.failed, f"{control} {check_id} failed"
        assert set(got.passed) == expect.passed, f"{control} {check_id} passed"


@pytest.mark.parametrize("control", sorted(EXPECTED))
def test_fixture_names_follow_convention(control: str) -> None:
    """Judged parents are pass_/fail_, helpers cfg_; every fixture has both a pass_ and a fail_."""
    text = "\n".join(p.read_text() for p in (AWS_FIXTURES / control).glob("*.tf"))
    names = [line.split('"')[3] for line in text.splitlines() if line.startswith("resource ")]
    assert all(n.startswith(("pass_", "fail_", "cfg_")) for n in names), names
    assert any(n.startswith("pass_") for n in names) and any(n.startswith("fail_") for n in names)


# --- parameters really flow ------------------------------------------------------------------


def test_retention_parameters_change_result(checkov_scan: ScanFn, catalog_parameters: Any) -> None:
    catalog_parameters({"min_retention_days": 30})
    lifecycle = checkov_scan(AWS_FIXTURES / "RET-LIFECYCLE", ["PACS_AWS_S3_LIFECYCLE_RETENTION"])
    assert "aws_s3_bucket.fail_inline_short" in lifecycle["PACS_AWS_S3_LIFECYCLE_RETENTION"].passed


# --- unresolvable values are never a pass ----------------------------------------------------

UNRESOLVED_TF = """
data "aws_iam_policy_document" "doc" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}

resource "aws_s3_bucket" "data_policy" {
  bucket = "data-policy"
}

resource "aws_s3_bucket_policy" "data_policy" {
  bucket = aws_s3_bucket.data_policy.id
  policy = data.aws_iam_policy_document.doc.json
}
"""


def test_unresolvable_values_are_unknown_not_pass(checkov_scan: ScanFn, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(UNRESOLVED_TF)
    results = checkov_scan(tmp_path, ["PACS_AWS_S3_SECURE_TRANSPORT"])
    # Checkov drops UNKNOWN results from its report: such resources appear neither passed nor failed
    secure = results["PACS_AWS_S3_SECURE_TRANSPORT"]
    assert "aws_s3_bucket.data_policy" not in secure.passed | secure.failed
