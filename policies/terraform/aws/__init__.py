"""Terraform (aws) -> facts: the normalisers for this provider's resource kinds (rules/facts/aws.yaml,
rules/facts/aws-storage.yaml)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from policies.terraform.aws.kms import normalise_keys
from policies.terraform.aws.s3_bucket import normalise_buckets
from policies.terraform.index import Index
from scanner.facts.resource import Resource

NORMALISERS: tuple[Callable[[Index], Iterable[Resource]], ...] = (normalise_buckets, normalise_keys)
