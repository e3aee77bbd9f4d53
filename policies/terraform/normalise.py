"""Terraform instances -> facts: every provider's normalisers over one configuration.

Each provider package (``policies/terraform/aws``, ``azure``, ``gcp``) lists its normalisers in
``NORMALISERS``: functions from the configuration :class:`~policies.terraform.index.Index` to the
:class:`~scanner.facts.resource.Resource` facts of the kinds it produces, the same kinds and keys
the live collectors produce (``rules/facts/<provider>.yaml``).
"""

from __future__ import annotations

import importlib

from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.iac.tfmodel import TfConfiguration

PROVIDERS = ("aws", "azure", "gcp")


def normalise(config: TfConfiguration) -> list[Resource]:
    index = Index(config)
    resources: list[Resource] = []
    for provider in PROVIDERS:
        package = importlib.import_module(f"policies.terraform.{provider}")
        for normaliser in package.NORMALISERS:
            resources += normaliser(index)
    return resources
