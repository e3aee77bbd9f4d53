"""Folders with modules: findings land on module addresses (for_each keys included), and a
setting in a separate resource inside the module is attributed to the module's bucket."""

from __future__ import annotations

from pathlib import Path

from scanner.models import Status
from tests.conftest import write_tree

ROOT = """\
module "pacs" {
  source = "./modules/imaging-bucket"
  name   = "clinic-pacs"
  versioned = true
}

module "sites" {
  source    = "./modules/imaging-bucket"
  for_each  = { north = true, south = false }
  name      = "clinic-${each.key}"
  versioned = each.value
}
"""
RESOLVED_PER_KEY = """\
module "branch" {
  source    = "./modules/imaging-bucket"
  for_each  = toset(["east", "west"])
  name      = "clinic-${each.key}"
  versioned = each.key == "east"
}
"""
UNRESOLVABLE = """\
variable "branch_versioning" {
  type = bool
}
module "branch" {
  source    = "./modules/imaging-bucket"
  for_each  = toset(["east", "west"])
  name      = "clinic-${each.key}"
  versioned = var.branch_versioning
}
"""
MODULE = """\
variable "name" {
  type = string
}
variable "versioned" {
  type = bool
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = var.versioned ? "Enabled" : "Suspended"
  }
}
"""


def test_module_instances_are_judged_separately(tmp_path: Path, scan_tf) -> None:  # type: ignore[no-untyped-def]
    tree = write_tree(tmp_path, {"main.tf": ROOT, "modules/imaging-bucket/main.tf": MODULE})
    findings = [f for f in scan_tf(tree) if f.control_id == "INT-VERSION"]
    got = {f.resource.address: f.status for f in findings}
    assert got == {
        "module.pacs.aws_s3_bucket.this": Status.PASS,
        'module.sites["north"].aws_s3_bucket.this': Status.PASS,
        'module.sites["south"].aws_s3_bucket.this': Status.FAIL,
    }
    south = next(f for f in findings if f.status is Status.FAIL)
    assert south.resource.file is not None and south.resource.file.endswith("modules/imaging-bucket/main.tf")
    assert south.resource.line_range == (8, 10)
    assert "Suspended" in str(south.evidence["observed"])


def test_a_value_nobody_can_resolve_is_unknown_never_dropped(tmp_path: Path, scan_tf) -> None:  # type: ignore[no-untyped-def]
    """A module input from a variable with no value: both buckets stay in the evidence as
    `unknown` (Checkov used to leave such results out of its report)."""
    tree = write_tree(tmp_path, {"main.tf": UNRESOLVABLE, "modules/imaging-bucket/main.tf": MODULE})
    got = {f.resource.address: f.status for f in scan_tf(tree) if f.control_id == "INT-VERSION"}
    assert got == {'module.branch["east"].aws_s3_bucket.this': Status.UNKNOWN,
                   'module.branch["west"].aws_s3_bucket.this': Status.UNKNOWN}


def test_a_value_computed_per_instance_key_is_decided_per_instance(tmp_path: Path, scan_tf) -> None:  # type: ignore[no-untyped-def]
    """``each.key == "east"``, which Checkov could not resolve, is known for each instance."""
    tree = write_tree(tmp_path, {"main.tf": RESOLVED_PER_KEY, "modules/imaging-bucket/main.tf": MODULE})
    got = {f.resource.address: f.status for f in scan_tf(tree) if f.control_id == "INT-VERSION"}
    assert got == {'module.branch["east"].aws_s3_bucket.this': Status.PASS,
                   'module.branch["west"].aws_s3_bucket.this': Status.FAIL}
