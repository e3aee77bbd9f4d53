"""A provider's ``default_tags`` are part of a bucket's tags (``tags_all``) in a folder scan, as the
AWS provider computes them at plan time: the imaging_data scope sees a bucket tagged only through
them, and what cannot be resolved is unknown, never "untagged"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scanner.facts.values import Unknown
from tests.conftest import write_tree
from tests.hcl.support import instance, is_unknown, load

PROVIDER = """
provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = { data-classification = "phi", owner = "imaging" }
  }
}
provider "aws" {
  alias  = "audit"
  region = "us-east-1"
  default_tags {
    tags = { data-classification = "audit" }
  }
}
"""

SCOPE = {"tags": {"data-classification": "phi"}}


def test_default_tags_merge_under_the_buckets_own(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": PROVIDER + """
resource "aws_s3_bucket" "pacs" {
  bucket = "pacs"
  tags   = { owner = "radiology" }
}
resource "aws_s3_bucket" "logs" {
  provider = aws.audit
  bucket   = "logs"
}
"""})
    assert instance(config, "aws_s3_bucket.pacs").attrs["tags_all"] == {"data-classification": "phi",
                                                                        "owner": "radiology"}
    assert instance(config, "aws_s3_bucket.logs").attrs["tags_all"] == {"data-classification": "audit"}


def test_child_modules_inherit_the_default_configuration_or_get_the_one_passed(tmp_path: Path) -> None:
    module = 'resource "aws_s3_bucket" "b" {\n  bucket = "m"\n}\n'
    config = load(tmp_path, {
        "main.tf": PROVIDER + 'module "inherits" {\n  source = "./m"\n}\n'
                   'module "passed" {\n  source = "./m"\n  providers = { aws = aws.audit }\n}\n',
        "m/main.tf": module})
    assert instance(config, "module.inherits.aws_s3_bucket.b").attrs["tags_all"]["data-classification"] == "phi"
    assert instance(config, "module.passed.aws_s3_bucket.b").attrs["tags_all"]["data-classification"] == "audit"


def test_no_default_tags_leaves_the_buckets_own_tags(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'provider "aws" {\n  region = "us-east-1"\n}\n'
                                        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  tags = { a = "1" }\n}\n'})
    assert "tags_all" not in instance(config, "aws_s3_bucket.b").attrs


def test_unknown_default_tags_or_an_unresolved_providers_map_make_tags_all_unknown(tmp_path: Path) -> None:
    config = load(tmp_path, {
        "main.tf": 'variable "tags" { type = map(string) }\n'
                   'provider "aws" {\n  default_tags {\n    tags = var.tags\n  }\n}\n'
                   'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
                   'module "m" {\n  source = "./m"\n  providers = { aws.other = aws }\n}\n',
        "m/main.tf": 'resource "aws_s3_bucket" "c" {\n  bucket = "c"\n}\n'})
    assert is_unknown(instance(config, "aws_s3_bucket.b").attrs["tags_all"], containing="default_tags")
    assert is_unknown(instance(config, "module.m.aws_s3_bucket.c").attrs["tags_all"], containing="providers map")


def test_the_scope_sees_a_bucket_tagged_only_by_default_tags(tmp_path: Path, scan_tf: Callable[..., list]) -> None:  # type: ignore[type-arg]
    write_tree(tmp_path, {"main.tf": PROVIDER + """
resource "aws_s3_bucket" "pacs" {
  bucket = "pacs-images"
}
resource "aws_s3_bucket" "logs" {
  provider = aws.audit
  bucket   = "pacs-logs"
}
"""})
    findings = scan_tf(tmp_path, imaging_data=SCOPE)
    versioning = {f.resource.address: f.status.value for f in findings if f.check_id == "AWS-S3-VERSIONING"}
    assert versioning == {"aws_s3_bucket.pacs": "fail"}, "the phi bucket is judged, the audit one is out of scope"


def test_a_bucket_whose_default_tags_are_unknown_is_not_dropped_from_the_scope(
        tmp_path: Path, scan_tf: Callable[..., list]) -> None:  # type: ignore[type-arg]
    write_tree(tmp_path, {"main.tf": 'variable "tags" { type = map(string) }\n'
                                     'provider "aws" {\n  default_tags {\n    tags = var.tags\n  }\n}\n'
                                     'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'})
    findings = [f for f in scan_tf(tmp_path, imaging_data=SCOPE) if f.check_id == "AWS-S3-VERSIONING"]
    assert [f.status.value for f in findings] == ["unknown"]
    assert not isinstance(findings[0].evidence, Unknown)
