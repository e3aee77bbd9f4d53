"""Small hand-built Terraform configurations for the Azure normalisers, judged by the real catalog."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from scanner.catalog import Catalog, load_catalog
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.judge import configuration_findings
from scanner.iac.tfmodel import TfConfiguration, TfInstance
from scanner.models import Finding, Source
from tests.conftest import REPO

RG = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-pacs/providers"


@cache
def catalog() -> Catalog:
    return load_catalog(REPO / "rules.yaml")


def instance(address: str, attrs: Mapping[str, Any] | None = None, *, refs: Mapping[str, tuple[str, ...]] | None = None,
             exists: Unknown | None = None, line: int = 1) -> TfInstance:
    """``azurerm_x.name`` (or ``data.azurerm_x.name``) with evaluated ``attrs`` and argument ``refs``."""
    mode = "data" if address.startswith("data.") else "managed"
    kind, name = address.removeprefix("data.").split(".")[:2]
    return TfInstance(address=address, mode=mode, type=kind, name=name.split("[")[0], module="", file="/tf/main.tf",
                      line_range=(line, line + 5), attrs=dict(attrs or {}), refs=dict(refs or {}), exists=exists)


def config(*instances: TfInstance) -> TfConfiguration:
    return TfConfiguration(root="/tf", instances=tuple(instances), files=("/tf/main.tf",))


def after_apply(address: str, attribute: str = "id") -> Unknown:
    """An attribute of another resource, known only after apply (as the evaluator gives it)."""
    return Unknown(f"{address}.{attribute} is known only after apply", "main.tf:1", symbol=f"{address}.{attribute}")


def findings(configuration: TfConfiguration, **parameters: Any) -> list[Finding]:
    return configuration_findings(catalog(), {**catalog().defaults(), **parameters}, configuration, Source.TERRAFORM)


def statuses(found: list[Finding], rule: str) -> dict[str, str]:
    """address -> status of one rule's findings."""
    return {f.resource.address: f.status.value for f in found if f.check_id == rule}


def status(configuration: TfConfiguration, rule: str, address: str, **parameters: Any) -> str:
    return statuses(findings(configuration, **parameters), rule)[address]


def resources(configuration: TfConfiguration) -> dict[str, Resource]:
    from policies.terraform.normalise import normalise

    out: dict[str, Resource] = {}
    for found in normalise(configuration):  # the first of an address (a stand-in key shares its account's)
        out.setdefault(found.id, found)
    return out


def facts(configuration: TfConfiguration, address: str) -> Mapping[str, Any]:
    """The typed facts of one resource, as the rules see them."""
    found = resources(configuration)[address]
    return catalog().kinds[found.type].coerce(found.facts, found.errors, found.origins)


ACCOUNT_ARGS: dict[str, Any] = {"name": "pacsimages", "resource_group_name": "rg-pacs", "location": "westeurope",
                                "account_tier": "Standard", "account_replication_type": "GRS"}


def account(local: str = "pacs", **attrs: Any) -> TfInstance:
    """``azurerm_storage_account.<local>`` named ``<local>acct``, with ``attrs``."""
    return instance(f"azurerm_storage_account.{local}", {**ACCOUNT_ARGS, "name": f"{local}acct", **attrs})


def nsg_rule(**overrides: Any) -> dict[str, Any]:
    """An inbound Allow from the internet on DICOM port 104 (what NET-DICOM fails), with overrides."""
    return {"name": "dicom", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "source_port_range": "*", "destination_port_range": "104", "source_address_prefix": "Internet",
            "destination_address_prefix": "*", **overrides}
