"""Running the Azure collector against the fixture server and the engine over its inventory."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner.catalog import load_catalog
from scanner.collectors.azure import AzureCollector, AzureTarget
from scanner.collectors.azure.session import RetryPolicy
from scanner.engine.evaluate import evaluate_inventory
from scanner.facts.resource import Inventory
from scanner.models import Finding
from tests.azure.conftest import ArmServer, FixedToken

FAST = RetryPolicy(total=2, backoff_factor=0.01, backoff_max=0.05, connection_timeout=5, read_timeout=10)


def collector(arm: ArmServer, target: AzureTarget | None = None, retry: RetryPolicy = FAST) -> AzureCollector:
    return AzureCollector(target, credential=FixedToken(), retry=retry, base_url=arm.url,
                          connection_verify=arm.ca_file, concurrency=4)


def findings(inventory: Inventory) -> list[Finding]:
    catalog = load_catalog()
    return evaluate_inventory(catalog, catalog.defaults(), inventory, "azure")


def outcomes(found: list[Finding]) -> dict[str, dict[str, set[str]]]:
    """rule id -> status -> resource names (the last path segment of the address)."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for finding in found:
        name = str(finding.evidence.get("resource_name") or finding.resource.address)
        out[str(finding.check_id)][finding.status.value].add(name)
    return {rule: dict(by_status) for rule, by_status in out.items()}


def by_rule(found: list[Finding], rule: str) -> list[Finding]:
    return [f for f in found if f.check_id == rule]


def run(arm: ArmServer, **kwargs: Any) -> tuple[Inventory, list[Finding], AzureCollector]:
    scan = collector(arm, **kwargs)
    inventory = scan.collect()
    return inventory, findings(inventory), scan
