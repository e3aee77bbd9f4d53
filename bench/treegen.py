"""Generate a synthetic multi-cloud Terraform tree of N resources for benchmarks.

The tree mixes AWS S3 buckets with their sub-resources and security groups, Azure storage
accounts and network security groups, and GCP buckets and firewalls; about a fifth of the
resources sit inside a local module called several times. Roughly half of everything is
configured well and half badly, so scanners have both passes and failures to report.
The same seed always yields the same tree.

    python bench/treegen.py OUT_DIR --resources 1000 --seed 7
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Resources per generated .tf file (keeps files a realistic size).
GROUPS_PER_FILE = 25

PROVIDERS_TF = """\
terraform {
  required_providers {
    aws     = { source = "hashicorp/aws", version = "~> 5.0" }
    azurerm = { source = "hashicorp/azurerm", version = "~> 3.0" }
    google  = { source = "hashicorp/google", version = "~> 5.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

provider "azurerm" {
  features {}
}

provider "google" {
  project = "bench-project"
  region  = "us-central1"
}

resource "azurerm_resource_group" "bench" {
  name     = "bench-rg"
  location = "eastus"
}
"""

#: The local module: one bucket and three sub-resources (4 resources per call).
MODULE_TF = """\
variable "name" {
  type = string
}

variable "encrypted" {
  type = bool
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
  tags   = { data-classification = "phi", workload = "pacs" }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = var.encrypted ? "aws:kms" : "AES256"
    }
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"""
MODULE_RESOURCES = 4

DICOM_PORTS = (104, 11112, 4242, 8042)
OTHER_PORTS = (22, 443, 3389, 5432)


@dataclass(frozen=True)
class Block:
    """One generated HCL snippet and how many resources it declares."""

    text: str
    resources: int


@dataclass(frozen=True)
class Tree:
    root: Path
    resources: int
    files: int


def _aws_bucket(rng: random.Random, i: int) -> Block:
    name = f"aws_bucket_{i}"
    parts = [
        f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "bench-{i}"\n'
        f'  tags   = {{ data-classification = "phi" }}\n}}\n'
    ]
    if rng.random() < 0.5:
        parts.append(
            f'resource "aws_s3_bucket_versioning" "{name}" {{\n  bucket = aws_s3_bucket.{name}.id\n'
            '  versioning_configuration {\n    status = "Enabled"\n  }\n}\n'
        )
    if rng.random() < 0.5:
        parts.append(
            f'resource "aws_s3_bucket_server_side_encryption_configuration" "{name}" {{\n'
            f"  bucket = aws_s3_bucket.{name}.id\n  rule {{\n"
            '    apply_server_side_encryption_by_default {\n      sse_algorithm = "aws:kms"\n    }\n'
            "  }\n}\n"
        )
    parts.append(
        f'resource "aws_s3_bucket_public_access_block" "{name}" {{\n  bucket = aws_s3_bucket.{name}.id\n'
        f"  block_public_acls       = true\n  block_public_policy     = {_bool(rng)}\n"
        f"  ignore_public_acls      = true\n  restrict_public_buckets = {_bool(rng)}\n}}\n"
    )
    return Block("".join(parts), len(parts))


def _aws_security_group(rng: random.Random, i: int) -> Block:
    port = rng.choice(DICOM_PORTS + OTHER_PORTS)
    cidr = rng.choice(("0.0.0.0/0", "10.0.0.0/8", "192.168.1.0/24"))
    text = (
        f'resource "aws_security_group" "sg_{i}" {{\n  name        = "bench-sg-{i}"\n'
        f'  description = "bench {i}"\n'
        f'  ingress {{\n    description = "port {port}"\n    from_port   = {port}\n'
        f'    to_port     = {port}\n    protocol    = "tcp"\n    cidr_blocks = ["{cidr}"]\n  }}\n}}\n'
    )
    return Block(text, 1)


def _azure_storage(rng: random.Random, i: int) -> Block:
    tls = rng.choice(("TLS1_0", "TLS1_2"))
    text = (
        f'resource "azurerm_storage_account" "sa_{i}" {{\n  name                     = "benchsa{i}"\n'
        "  resource_group_name      = azurerm_resource_group.bench.name\n"
        "  location                 = azurerm_resource_group.bench.location\n"
        '  account_tier             = "Standard"\n  account_replication_type = "GRS"\n'
        f'  min_tls_version          = "{tls}"\n'
        f"  enable_https_traffic_only = {_bool(rng)}\n"
        f"  public_network_access_enabled = {_bool(rng)}\n}}\n"
    )
    return Block(text, 1)


def _azure_nsg(rng: random.Random, i: int) -> Block:
    port = rng.choice(DICOM_PORTS + OTHER_PORTS)
    source = rng.choice(("*", "Internet", "10.0.0.0/8"))
    text = (
        f'resource "azurerm_network_security_group" "nsg_{i}" {{\n  name                = "bench-nsg-{i}"\n'
        "  location            = azurerm_resource_group.bench.location\n"
        "  resource_group_name = azurerm_resource_group.bench.name\n"
        f'  security_rule {{\n    name                       = "rule-{i}"\n'
        "    priority                   = 100\n"
        '    direction                  = "Inbound"\n    access                     = "Allow"\n'
        '    protocol                   = "Tcp"\n    source_port_range          = "*"\n'
        f'    destination_port_range     = "{port}"\n    source_address_prefix      = "{source}"\n'
        '    destination_address_prefix = "*"\n  }\n}\n'
    )
    return Block(text, 1)


def _gcp_bucket(rng: random.Random, i: int) -> Block:
    text = (
        f'resource "google_storage_bucket" "gcs_{i}" {{\n  name     = "bench-gcs-{i}"\n'
        '  location = "US"\n'
        f"  uniform_bucket_level_access = {_bool(rng)}\n"
        f'  public_access_prevention    = "{rng.choice(("enforced", "inherited"))}"\n'
        f"  versioning {{\n    enabled = {_bool(rng)}\n  }}\n}}\n"
    )
    return Block(text, 1)


def _gcp_firewall(rng: random.Random, i: int) -> Block:
    port = rng.choice(DICOM_PORTS + OTHER_PORTS)
    source = rng.choice(("0.0.0.0/0", "10.0.0.0/8"))
    text = (
        f'resource "google_compute_firewall" "fw_{i}" {{\n  name    = "bench-fw-{i}"\n'
        '  network = "default"\n'
        f'  allow {{\n    protocol = "tcp"\n    ports    = ["{port}"]\n  }}\n'
        f'  source_ranges = ["{source}"]\n}}\n'
    )
    return Block(text, 1)


def _module_call(rng: random.Random, i: int) -> Block:
    text = (
        f'module "imaging_{i}" {{\n  source    = "./modules/imaging-bucket"\n'
        f'  name      = "bench-module-{i}"\n  encrypted = {_bool(rng)}\n}}\n'
    )
    return Block(text, MODULE_RESOURCES)


def _bool(rng: random.Random) -> str:
    return "true" if rng.random() < 0.5 else "false"


Generator = Callable[[random.Random, int], Block]

#: (generator, weight): buckets carry most resources, as in real estates.
GENERATORS: tuple[tuple[Generator, int], ...] = (
    (_aws_bucket, 4),
    (_aws_security_group, 3),
    (_azure_storage, 2),
    (_azure_nsg, 2),
    (_gcp_bucket, 2),
    (_gcp_firewall, 2),
    (_module_call, 2),
)
SINGLE_RESOURCE: tuple[Generator, ...] = (_aws_security_group, _azure_nsg, _gcp_firewall)


def _blocks(total: int, rng: random.Random) -> list[Block]:
    """Blocks declaring exactly ``total`` resources (the resource group counts as one)."""
    blocks: list[Block] = []
    remaining = total - 1
    generators = [g for g, _ in GENERATORS]
    weights = [w for _, w in GENERATORS]
    i = 0
    while remaining > 0:
        block = rng.choices(generators, weights)[0](rng, i)
        if block.resources > remaining:
            block = rng.choice(SINGLE_RESOURCE)(rng, i)
        blocks.append(block)
        remaining -= block.resources
        i += 1
    return blocks


def generate(root: Path, resources: int, seed: int = 0) -> Tree:
    """Write a tree of exactly ``resources`` Terraform resources under ``root`` (which must not
    hold .tf files already) and return what was written."""
    if resources < 1:
        raise ValueError("resources must be at least 1")
    if root.exists() and any(root.rglob("*.tf")):
        raise ValueError(f"{root} already holds Terraform files")
    rng = random.Random(seed)
    blocks = _blocks(resources, rng)
    module_dir = root / "modules" / "imaging-bucket"
    module_dir.mkdir(parents=True, exist_ok=True)
    (module_dir / "main.tf").write_text(MODULE_TF, encoding="utf-8")
    (root / "providers.tf").write_text(PROVIDERS_TF, encoding="utf-8")
    files = 0
    for start in range(0, len(blocks), GROUPS_PER_FILE):
        chunk = blocks[start : start + GROUPS_PER_FILE]
        path = root / f"resources_{files:04d}.tf"
        path.write_text("\n".join(b.text for b in chunk), encoding="utf-8")
        files += 1
    return Tree(root=root, resources=1 + sum(b.resources for b in blocks), files=files + 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--resources", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        tree = generate(args.out_dir, args.resources, args.seed)
    except ValueError as err:
        print(f"treegen: {err}", file=sys.stderr)
        return 2
    print(f"{tree.resources} resources in {tree.files} files under {tree.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
