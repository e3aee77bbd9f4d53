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
UNRESOLVABLE = """\
module "branch" {
  source    = "./modules/imaging-bucket"
  for_each  = toset(["east", "west"])
  name      = "clinic-${each.key}"
  versioned = each.key == "east"
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


def test_a_value_checkov_cannot_resolve_is_unknown_never_dropped(tmp_path: Path, scan_tf) -> None:  # type: ignore[no-untyped-def]
    """Checkov leaves graph-check results it could not resolve out of its report; pacscan keeps
    them as `unknown` so the buckets do not silently vanish from the evidence."""
    tree = write_tree(tmp_path, {"main.tf": UNRESOLVABLE, "modules/imaging-bucket/main.tf": MODULE})
    got = {f.resource.address: f.status for f in scan_tf(tree) if f.control_id == "INT-VERSION"}
    assert set(got) == {'module.branch["east"].aws_s3_bucket.this', 'module.branch["west"].aws_s3_bucket.this'}
    assert Status.PASS not in got.values()
