"""Terraform (azure) -> facts: the normalisers for this provider's resource kinds (rules/facts/azure.yaml),
the same kinds and fact keys as the live collector (scanner/collectors/azure/)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from policies.terraform.azure import backup, gateway, healthcare, keyvault, monitor, network, storage
from policies.terraform.index import Index
from scanner.facts.resource import Resource

NORMALISERS: tuple[Callable[[Index], Iterable[Resource]], ...] = (
    storage.accounts,
    network.nsgs,
    gateway.gateways,
    keyvault.keys,
    backup.vaults,
    backup.policies,
    monitor.activity_logs,
    healthcare.dicom_services,
)
