"""Hand-built Terraform configurations for the S3/KMS normaliser tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.normalise import normalise
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfConfiguration, TfInstance


def inst(address: str, attrs: Mapping[str, Any] | None = None, refs: Mapping[str, tuple[str, ...]] | None = None,
         exists: Unknown | None = None, line: int = 1, plan: bool = False) -> TfInstance:
    """An instance at ``address`` (``data.`` prefix for a data source, ``module.m.`` for a module)."""
    parts = address.split(".")
    module = ".".join(parts[:-2]) if parts[-3:-2] != ["data"] else ".".join(parts[:-3])
    mode = "data" if "data" in parts[-3:-2] else "managed"
    return TfInstance(address=address, mode=mode, type=parts[-2], name=parts[-1].split("[")[0], module=module,
                      file="/config/main.tf", line_range=(line, line + 3), attrs=dict(attrs or {}),
                      refs=dict(refs or {}), exists=exists, input="terraform-plan" if plan else "terraform")


def resources(*instances: TfInstance) -> dict[str, Resource]:
    """id (the Terraform address) -> Resource, for every S3 bucket and KMS key normalised."""
    found = normalise(TfConfiguration(root="/config", instances=tuple(instances)))
    return {r.id: r for r in found if r.type in ("aws.s3.bucket", "aws.kms.key")}


def bucket(name: str = "pacs", **attrs: Any) -> TfInstance:
    return inst(f"aws_s3_bucket.{name.replace('-', '_')}", {"bucket": name, **attrs})


def var(name: str) -> Unknown:
    """What the evaluator gives for a variable with no value."""
    return Unknown(f'variable "{name}" has no value', "main.tf:1")


def after_apply(address: str, attribute: str = "id") -> Unknown:
    """An attribute of another resource, known only after apply."""
    return Unknown(f"{address}.{attribute} is known only after apply", "main.tf:1", symbol=f"{address}.{attribute}")
