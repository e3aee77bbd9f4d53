"""The "declared inline or on a connected resource" checks (policies/terraform/declared.py):
the cases the per-control fixtures do not cover: values Checkov cannot render, a sub-resource
naming its bucket literally, several sub-resources, and a graph-less scan."""

from __future__ import annotations

from pathlib import Path

from checkov.common.models.enums import CheckResult

from policies.terraform.common import Observation
from policies.terraform.declared import best, values
from tests.conftest import write_tree

AWS = '''
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

MODULE_CALLER = '''
resource "aws_s3_bucket" "pass_versioned_by_module" {
  bucket = "pass-versioned-by-module"
}
resource "aws_s3_bucket" "fail_same_name_in_module_only" {
  bucket = "fail-same-name-in-module-only"
}
module "versioning" {
  source    = "./versioning"
  bucket_id = aws_s3_bucket.pass_versioned_by_module.id
}
'''

MODULE = '''
variable "bucket_id" {}

resource "aws_s3_bucket_versioning" "passed_in" {
  bucket = var.bucket_id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket" "fail_same_name_in_module_only" {
  bucket = "module-own-bucket"
}
resource "aws_s3_bucket_versioning" "own" {
  bucket = aws_s3_bucket.fail_same_name_in_module_only.id
  versioning_configuration {
    status = "Enabled"
  }
}
'''


def _statuses(findings: list, check_id: str) -> dict[str, str]:  # type: ignore[type-arg]
    return {f.resource.address: f.status.value for f in findings if f.check_id == check_id}


def test_aws_declared_settings(scan_tf, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    findings = scan_tf(write_tree(tmp_path / "aws", {"main.tf": AWS}))
    assert _statuses(findings, "PACS_AWS_S3_ENCRYPTION") == {
        "aws_s3_bucket.unknown_sse_var": "unknown",
        "aws_s3_bucket.pass_literal_name": "pass",
        "aws_s3_bucket.unknown_block_flag": "fail",
        "aws_s3_bucket.fail_block_flag_false_and_var": "fail",
        "aws_s3_bucket.unknown_lock_var": "fail",
        "aws_s3_bucket.unknown_versioning_var": "fail",
    }
    assert _statuses(findings, "PACS_AWS_S3_KMS")["aws_s3_bucket.pass_literal_name"] == "pass"
    # no kms_master_key_id: whatever the variable holds, it is not a customer-managed key
    assert _statuses(findings, "PACS_AWS_S3_KMS")["aws_s3_bucket.unknown_sse_var"] == "fail"
    assert _statuses(findings, "PACS_AWS_S3_PUBLIC_ACCESS_BLOCK") == {
        "aws_s3_bucket.unknown_sse_var": "fail",
        "aws_s3_bucket.pass_literal_name": "pass",
        "aws_s3_bucket.unknown_block_flag": "unknown",
        "aws_s3_bucket.fail_block_flag_false_and_var": "fail",  # one flag false: unknown cannot rescue it
        "aws_s3_bucket.unknown_lock_var": "fail",
        "aws_s3_bucket.unknown_versioning_var": "fail",
    }
    assert _statuses(findings, "PACS_AWS_S3_VERSIONING")["aws_s3_bucket.unknown_versioning_var"] == "unknown"
    assert _statuses(findings, "PACS_AWS_S3_OBJECT_LOCK")["aws_s3_bucket.unknown_lock_var"] == "unknown"


def test_a_reference_resolves_in_its_module_or_arrives_through_a_variable(scan_tf, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A sub-resource in a module configures the caller's bucket when the bucket's id is passed
    in; a module's own reference never reaches a caller's bucket that only shares the name."""
    tree = write_tree(tmp_path / "modules", {"main.tf": MODULE_CALLER, "versioning/main.tf": MODULE})
    assert _statuses(scan_tf(tree), "PACS_AWS_S3_VERSIONING") == {
        "aws_s3_bucket.pass_versioned_by_module": "pass",
        "aws_s3_bucket.fail_same_name_in_module_only": "fail",
        "module.versioning.aws_s3_bucket.fail_same_name_in_module_only": "pass",
    }


def test_best_of_and_value_shapes() -> None:
    passed, failed, unknown = (Observation("p", CheckResult.PASSED), Observation("f", CheckResult.FAILED),
                               Observation("u", CheckResult.UNKNOWN))
    assert best([failed, unknown, passed]) is CheckResult.PASSED
    assert best([failed, unknown]) is CheckResult.UNKNOWN
    assert best([failed]) is CheckResult.FAILED
    assert best([]) is CheckResult.FAILED  # declared nowhere
    check_shape = {"rule": [{"apply": [{"algo": ["aws:kms"]}]}, {"apply": [{"algo": ["AES256"]}]}]}
    vertex_shape = {"rule": {"apply": {"algo": "aws:kms"}}}
    assert values(check_shape, ("rule", "apply", "algo")) == ["aws:kms", "AES256"]
    assert values(vertex_shape, ("rule", "apply", "algo")) == ["aws:kms"]
    assert values(vertex_shape, ("rule", "missing", "algo")) == []
