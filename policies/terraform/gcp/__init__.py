"""Terraform (google) -> facts: the normalisers for this provider's resource kinds (rules/facts/gcp.yaml).

Each produces the kinds and fact keys the live collector produces (``scanner/collectors/gcp/``):
``storage`` (buckets and their IAM grants), ``firewall``, ``compute`` (SSL policies, target
proxies, subnetworks, resource policies, disks), ``platform`` (Cloud KMS keys, audit configs) and
``healthcare`` (Cloud Healthcare API datasets and DICOM stores, with ``exports``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from policies.terraform.gcp.compute import disks, proxies, resource_policies, ssl_policies, subnetworks
from policies.terraform.gcp.firewall import firewalls
from policies.terraform.gcp.healthcare import datasets, stores
from policies.terraform.gcp.platform import audit_configs, crypto_keys
from policies.terraform.gcp.storage import buckets
from policies.terraform.index import Index
from scanner.facts.resource import Resource

NORMALISERS: tuple[Callable[[Index], Iterable[Resource]], ...] = (
    buckets, firewalls, ssl_policies, proxies, subnetworks, resource_policies, disks, crypto_keys, audit_configs,
    datasets, stores,
)
