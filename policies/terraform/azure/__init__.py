"""Terraform (azure) -> facts: the normalisers for this provider's resource kinds (rules/facts/azure.yaml)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from policies.terraform.index import Index
from scanner.facts.resource import Resource

NORMALISERS: tuple[Callable[[Index], Iterable[Resource]], ...] = ()
