"""The S3 and KMS rules over Terraform (rules/aws/storage.yaml on the facts of policies/terraform/aws/),
rule by rule: every case the retired Checkov checks asserted (PACS_AWS_S3_*, CKV_AWS_20, CKV_AWS_7, in
tests/policies/test_aws_policies.py and test_declared.py), now judged through
``configuration_findings`` on the evaluator's configuration; parameters; the imaging-data scope;
the evidence a finding carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.iac.hcl import load_configuration
from scanner.iac.judge import configuration_findings
from scanner.models import Finding, Source
from tests.conftest import FIXTURES, write_tree

AWS = FIXTURES / "terraform" / "aws"


def findings(catalog: Any, folder: Path, **parameters: Any) -> list[Finding]:
    return configuration_findings(catalog, {**catalog.defaults(), **parameters}, load_configuration(folder),
                                  Source.TERRAFORM)


def statuses(found: list[Finding], rule_id: str) -> dict[str, str]:
    return {f.resource.address: f.status.value for f in found if f.check_id == rule_id}


def expect(found: list[Finding], rule_id: str, by_status: dict[str, set[str]]) -> None:
    kind = "aws_kms_key" if rule_id.startswith("AWS-KMS") else "aws_s3_bucket"
    want = {f"{kind}.{name}": status for status, names in by_status.items() for name in names}
    assert statuses(found, rule_id) == want, rule_id


# --- the retired checks' expectations on the per-control fixtures ------------------------------------

#: (fixture, rule that replaces the check) -> buckets/keys by verdict (sub-resources are judged on the
#: bucket they configure: cfg_lock_short and cfg_short_* of the old lists are their buckets now)
CASES: dict[tuple[str, str], dict[str, set[str]]] = {
    ("ENC-REST", "AWS-S3-ENCRYPTION"): {  # PACS_AWS_S3_ENCRYPTION
        "fail": {"fail_no_sse"}, "pass": {"pass_inline_sse", "pass_separate_sse"}},
    ("ENC-KEYS", "AWS-S3-KMS-CMK"): {  # PACS_AWS_S3_KMS
        "fail": {"fail_inline_aes", "fail_no_sse", "fail_separate_managed_key"},
        "pass": {"pass_inline_cmk", "pass_separate_cmk"}},
    ("ENC-KEYS", "AWS-KMS-ROTATION"): {"fail": {"fail_not_rotated"}, "pass": {"pass_rotated"}},  # CKV_AWS_7
    ("TLS-STORAGE", "AWS-S3-SECURE-TRANSPORT"): {  # PACS_AWS_S3_SECURE_TRANSPORT
        "fail": {"fail_allow_only", "fail_deny_one_principal", "fail_no_policy"},
        "pass": {"pass_inline_policy", "pass_separate_policy"}},
    ("NET-STORAGE", "AWS-S3-NETWORK-RESTRICTED"): {  # PACS_AWS_S3_NETWORK_RESTRICTED
        "fail": {"fail_allow_vpce", "fail_no_policy", "fail_world_ip", "fail_inline_source_ip_objects_only"},
        "pass": {"pass_inline_source_ip", "pass_vpce_only"}},
    ("ACC-PUBLIC", "AWS-S3-ACL-NOT-PUBLIC"): {  # CKV_AWS_20
        "fail": {"fail_inline_public_read", "fail_public_read_acl"},
        "pass": {"fail_no_block", "fail_partial_block", "pass_full_block", "pass_private_acl"}},
    ("ACC-PUBLIC", "AWS-S3-PUBLIC-ACCESS-BLOCK"): {  # PACS_AWS_S3_PUBLIC_ACCESS_BLOCK
        "fail": {"fail_no_block", "fail_partial_block"},
        "pass": {"fail_inline_public_read", "fail_public_read_acl", "pass_full_block", "pass_private_acl"}},
    ("ACC-UNIFORM", "AWS-S3-OWNERSHIP-ENFORCED"): {  # PACS_AWS_S3_OWNERSHIP_ENFORCED
        "fail": {"fail_no_controls", "fail_owner_preferred"}, "pass": {"pass_owner_enforced"}},
    ("AUD-ACCESS", "AWS-S3-ACCESS-LOGGING"): {  # PACS_AWS_S3_ACCESS_LOGGING
        "fail": {"fail_log_target_only", "fail_no_logging"},
        "pass": {"pass_inline_logging", "pass_separate_logging"}},
    ("INT-VERSION", "AWS-S3-VERSIONING"): {  # PACS_AWS_S3_VERSIONING
        "fail": {"fail_inline_disabled", "fail_no_versioning", "fail_suspended"},
        "pass": {"pass_inline_versioning", "pass_separate_versioning"}},
    ("INT-IMMUTABLE", "AWS-S3-OBJECT-LOCK"): {  # PACS_AWS_S3_OBJECT_LOCK
        "fail": {"fail_lock_disabled", "fail_no_lock"},
        "pass": {"fail_lock_legacy_short", "fail_lock_short_retention", "pass_lock_enabled_v4", "pass_lock_legacy",
                 "pass_lock_no_retention"}},
    ("INT-IMMUTABLE", "AWS-S3-OBJECT-LOCK-RETENTION"): {  # PACS_AWS_S3_OBJECT_LOCK_RETENTION
        "fail": {"fail_lock_legacy_short", "fail_lock_short_retention"},
        # without object lock the retention rule does not apply (it passed them before)
        "not_applicable": {"fail_lock_disabled", "fail_no_lock"},
        "pass": {"pass_lock_enabled_v4", "pass_lock_legacy", "pass_lock_no_retention"}},
    ("RET-LIFECYCLE", "AWS-S3-LIFECYCLE-RETENTION"): {  # PACS_AWS_S3_LIFECYCLE_RETENTION
        "fail": {"fail_inline_noncurrent", "fail_inline_short", "fail_short_expiration", "fail_short_noncurrent"},
        "pass": {"pass_disabled_rule", "pass_inline_long", "pass_no_lifecycle", "pass_transition_only"}},
}


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda c: f"{c[0]}:{c[1]}")
def test_each_rule_judges_its_fixture_as_the_retired_check_did(catalog: Any, case: tuple[str, str]) -> None:
    folder, rule_id = case
    expect(findings(catalog, AWS / folder), rule_id, CASES[case])


def test_min_retention_days_flows_into_the_lifecycle_and_lock_rules(catalog: Any) -> None:
    lifecycle = findings(catalog, AWS / "RET-LIFECYCLE", min_retention_days=30)
    assert statuses(lifecycle, "AWS-S3-LIFECYCLE-RETENTION")["aws_s3_bucket.fail_inline_short"] == "pass"
    assert statuses(lifecycle, "AWS-S3-LIFECYCLE-RETENTION")["aws_s3_bucket.fail_inline_noncurrent"] == "fail"
    lock = findings(catalog, AWS / "INT-IMMUTABLE", min_retention_days=30)
    assert statuses(lock, "AWS-S3-OBJECT-LOCK-RETENTION")["aws_s3_bucket.fail_lock_short_retention"] == "pass"


# --- values the old checks could not render (test_declared.py) ----------------------------------------

DECLARED = '''
variable "algorithm" {}
variable "flag" {}

resource "aws_s3_bucket" "unknown_sse_var" {
  bucket = "unknown-sse-var"
}
resource "aws_s3_bucket_server_side_encryption_configuration" "unknown_sse_var" {
  bucket = aws_s3_bucket.unknown_sse_var.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = var.algorithm
    }
  }
}

resource "aws_s3_bucket" "pass_literal_name" {
  bucket = "pass-literal-name"
}
resource "aws_s3_bucket_server_side_encryption_configuration" "pass_literal_name" {
  bucket = "pass-literal-name"
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "arn:aws:kms:us-east-1:111122223333:key/1234"
    }
  }
}
resource "aws_s3_bucket_public_access_block" "pass_literal_name" {
  bucket                  = "pass-literal-name"
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "unknown_block_flag" {
  bucket = "unknown-block-flag"
}
resource "aws_s3_bucket_public_access_block" "unknown_block_flag" {
  bucket                  = aws_s3_bucket.unknown_block_flag.id
  block_public_acls       = var.flag
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "fail_block_flag_false_and_var" {
  bucket = "fail-block-flag-false-and-var"
}
resource "aws_s3_bucket_public_access_block" "fail_block_flag_false_and_var" {
  bucket                  = aws_s3_bucket.fail_block_flag_false_and_var.id
  block_public_acls       = var.flag
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "unknown_versioning_var" {
  bucket = "unknown-versioning-var"
}
resource "aws_s3_bucket_versioning" "unknown_versioning_var" {
  bucket = aws_s3_bucket.unknown_versioning_var.id
  versioning_configuration {
    status = var.flag
  }
}

resource "aws_s3_bucket" "unknown_lock_var" {
  bucket              = "unknown-lock-var"
  object_lock_enabled = var.flag
}
'''


def test_values_nobody_can_see_are_unknown_and_known_ones_still_decide(catalog: Any, tmp_path: Path) -> None:
    found = findings(catalog, write_tree(tmp_path / "aws", {"main.tf": DECLARED}))
    assert statuses(found, "AWS-S3-ENCRYPTION") == {
        "aws_s3_bucket.unknown_sse_var": "unknown", "aws_s3_bucket.pass_literal_name": "pass",
        "aws_s3_bucket.unknown_block_flag": "fail", "aws_s3_bucket.fail_block_flag_false_and_var": "fail",
        "aws_s3_bucket.unknown_lock_var": "fail", "aws_s3_bucket.unknown_versioning_var": "fail"}
    kms = statuses(found, "AWS-S3-KMS-CMK")
    assert kms["aws_s3_bucket.pass_literal_name"] == "pass"
    # no kms_master_key_id: whatever the variable holds, the key is not a customer-managed one
    assert kms["aws_s3_bucket.unknown_sse_var"] == "fail"
    assert statuses(found, "AWS-S3-PUBLIC-ACCESS-BLOCK") == {
        "aws_s3_bucket.unknown_sse_var": "fail", "aws_s3_bucket.pass_literal_name": "pass",
        "aws_s3_bucket.unknown_block_flag": "unknown",
        "aws_s3_bucket.fail_block_flag_false_and_var": "fail",  # one flag false: the unknown one cannot rescue it
        "aws_s3_bucket.unknown_lock_var": "fail", "aws_s3_bucket.unknown_versioning_var": "fail"}
    assert statuses(found, "AWS-S3-VERSIONING")["aws_s3_bucket.unknown_versioning_var"] == "unknown"
    assert statuses(found, "AWS-S3-OBJECT-LOCK")["aws_s3_bucket.unknown_lock_var"] == "unknown"
    # whether object lock is on is unknown: the retention rule passes only if it would pass either way
    assert statuses(found, "AWS-S3-OBJECT-LOCK-RETENTION")["aws_s3_bucket.unknown_lock_var"] == "pass"


def test_a_policy_from_a_data_document_is_read(catalog: Any, tmp_path: Path) -> None:
    """Checkov could not render ``data.aws_iam_policy_document.doc.json`` (unknown then); the evaluator
    renders it, and an Allow of everything is no TLS Deny."""
    tf = '''
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
'''
    found = findings(catalog, write_tree(tmp_path / "doc", {"main.tf": tf}))
    assert statuses(found, "AWS-S3-SECURE-TRANSPORT") == {"aws_s3_bucket.data_policy": "fail"}
    assert statuses(found, "AWS-S3-POLICY-NOT-PUBLIC") == {"aws_s3_bucket.data_policy": "pass"}  # no principal


# --- the imaging-data scope --------------------------------------------------------------------------

SCOPED = '''
variable "tags" {
  type = map(string)
}
variable "name" {
  type = string
}
resource "aws_s3_bucket" "tagged_dicom" {
  bucket = "tagged-dicom"
  tags   = { data = "dicom" }
}
resource "aws_s3_bucket" "tagged_other" {
  bucket = "tagged-other"
  tags   = { data = "logs" }
}
resource "aws_s3_bucket" "tags_from_nowhere" {
  bucket = "tags-from-nowhere"
  tags   = var.tags
}
resource "aws_s3_bucket" "tags_merged_with_nowhere" {
  bucket = "tags-merged-with-nowhere"
  tags   = merge(var.tags, { team = "radiology" })
}
resource "aws_s3_bucket" "name_from_nowhere" {
  bucket = var.name
}
'''


def test_storage_whose_scope_cannot_be_read_stays_in_the_report(catalog: Any, tmp_path: Path) -> None:
    folder = write_tree(tmp_path / "scope", {"main.tf": SCOPED})
    by_tag = statuses(findings(catalog, folder, imaging_data={"tags": {"data": "dicom"}, "name_patterns": []}),
                      "AWS-S3-VERSIONING")
    assert by_tag == {"aws_s3_bucket.tagged_dicom": "fail", "aws_s3_bucket.tags_from_nowhere": "unknown",
                      "aws_s3_bucket.tags_merged_with_nowhere": "unknown"}
    by_name = statuses(findings(catalog, folder, imaging_data={"tags": {}, "name_patterns": ["tagged-*"]}),
                       "AWS-S3-VERSIONING")
    assert by_name == {"aws_s3_bucket.tagged_dicom": "fail", "aws_s3_bucket.tagged_other": "fail",
                       "aws_s3_bucket.name_from_nowhere": "unknown"}


# --- evidence ----------------------------------------------------------------------------------------


def test_findings_say_which_declarations_and_variables_decided_them(catalog: Any, tmp_path: Path) -> None:
    folder = write_tree(tmp_path / "evidence", {
        "main.tf": '''
variable "status" {
  type = string
}
resource "aws_s3_bucket" "images" {
  bucket = "images"
}
resource "aws_s3_bucket_versioning" "images" {
  bucket = aws_s3_bucket.images.id
  versioning_configuration {
    status = var.status
  }
}
''', "terraform.tfvars": 'status = "Suspended"\n'})
    finding = next(f for f in findings(catalog, folder) if f.check_id == "AWS-S3-VERSIONING")
    assert finding.status.value == "fail"
    assert finding.evidence["observed"]["versioning.status"] == "Suspended"
    assert [c.split(" (")[0] for c in finding.evidence["configured_by"]] == ["aws_s3_bucket_versioning.images"]
    assert finding.evidence["origins"]["versioning"].startswith("aws_s3_bucket_versioning.images (")
    assert any("terraform.tfvars" in line for line in finding.evidence["evaluated"]["versioning"])
