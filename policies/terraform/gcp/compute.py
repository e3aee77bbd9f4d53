"""Compute Engine TLS, subnetworks, snapshot schedules and disks -> the facts the live
collector reads (``scanner/collectors/gcp/compute.py``).

* ``google_compute_ssl_policy`` / ``google_compute_region_ssl_policy`` -> ``gcp.compute.ssl_policy``:
  ``min_tls_version`` null when unset (the API default, TLS 1.0), ``profile`` ``COMPATIBLE``.
* ``google_compute_target_https_proxy`` / ``google_compute_region_target_https_proxy`` ->
  ``gcp.compute.target_https_proxy``, ``google_compute_target_ssl_proxy`` ->
  ``gcp.compute.target_ssl_proxy``: ``ssl_policy`` null when unset (the GCP default policy); a
  reference to an SSL policy resource is set (known only after apply).
* ``google_compute_subnetwork`` -> ``gcp.compute.subnetwork``: a ``log_config`` block turns flow
  logs on (``enable`` true), as does the legacy ``enable_flow_logs = true``.
* ``google_compute_resource_policy`` -> ``gcp.compute.resource_policy``: ``snapshot_schedule``
  null unless it has a ``snapshot_schedule_policy``; a schedule without ``retention_policy`` has an
  unknown retention (how long its snapshots are kept is not set by it).
* ``google_compute_disk`` / ``google_compute_region_disk`` -> ``gcp.compute.disk`` (Terraform only):
  ``key_in_configuration`` when ``raw_key`` or ``rsa_encrypted_key`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policies.terraform.attrs import block, resource
from policies.terraform.gcp.common import as_list, identifier, made, upper, value
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

_SSL_POLICIES = ("google_compute_ssl_policy", "google_compute_region_ssl_policy")
_KMS_KEYS = ("google_kms_crypto_key",)


def ssl_policies(index: Index) -> Iterator[Resource]:
    for instance in index.of_type(*_SSL_POLICIES):
        facts = {
            "min_tls_version": value(instance, "min_tls_version"),
            "profile": value(instance, "profile", "COMPATIBLE"),
            "custom_features": as_list(value(instance, "custom_features")),
        }
        origins, traced = made(instance, {key: [key] for key in facts})
        yield resource("gcp.compute.ssl_policy", instance, facts, name=instance.attrs.get("name"),
                       origins=origins, traced=traced)


def proxies(index: Index) -> Iterator[Resource]:
    kinds = {"google_compute_target_https_proxy": "gcp.compute.target_https_proxy",
             "google_compute_region_target_https_proxy": "gcp.compute.target_https_proxy",
             "google_compute_target_ssl_proxy": "gcp.compute.target_ssl_proxy"}
    for instance in index.of_type(*kinds):
        policy = identifier(index, instance, "ssl_policy", value(instance, "ssl_policy"), _SSL_POLICIES)
        origins, traced = made(instance, {"ssl_policy": ["ssl_policy"]})
        yield resource(kinds[instance.type], instance, {"ssl_policy": None if policy == "" else policy},
                       name=instance.attrs.get("name"), origins=origins, traced=traced)


def subnetworks(index: Index) -> Iterator[Resource]:
    for instance in index.of_type("google_compute_subnetwork"):
        legacy = value(instance, "enable_flow_logs")
        facts = {
            "purpose": upper(value(instance, "purpose")),
            "log_config": _log_config(instance.attrs, legacy),
            "enable_flow_logs": legacy,
            "ip_cidr_range": value(instance, "ip_cidr_range"),
            "network": value(instance, "network"),
        }
        origins, traced = made(instance, {"purpose": ["purpose"], "log_config": ["log_config", "enable_flow_logs"],
                                          "enable_flow_logs": ["enable_flow_logs"],
                                          "ip_cidr_range": ["ip_cidr_range"], "network": ["network"]})
        yield resource("gcp.compute.subnetwork", instance, facts, name=instance.attrs.get("name"),
                       origins=origins, traced=traced)


def _log_config(attrs: Mapping[str, Any], legacy: Any) -> Any:
    found = block(attrs, "log_config")
    if isinstance(found, Mapping):
        return {"enable": True, "aggregation_interval": found.get("aggregation_interval"),
                "flow_sampling": found.get("flow_sampling"), "metadata": found.get("metadata")}
    if isinstance(found, Unknown):
        return found
    if legacy is True:
        return {"enable": True}
    if isinstance(legacy, Unknown):
        return Unknown(f"enable_flow_logs: {legacy.reason}", legacy.origin, legacy.error)
    return None


def resource_policies(index: Index) -> Iterator[Resource]:
    for instance in index.of_type("google_compute_resource_policy"):
        origins, traced = made(instance, {"snapshot_schedule": ["snapshot_schedule_policy"]})
        yield resource("gcp.compute.resource_policy", instance, {"snapshot_schedule": snapshot_schedule(instance)},
                       name=instance.attrs.get("name"), origins=origins, traced=traced)


def snapshot_schedule(instance: TfInstance) -> Any:
    found = block(instance.attrs, "snapshot_schedule_policy")
    if not isinstance(found, Mapping):
        return found
    retention = block(found, "retention_policy")
    if isinstance(retention, Mapping):
        kept: Any = {"max_retention_days": retention.get("max_retention_days"),
                     "on_source_disk_delete": retention.get("on_source_disk_delete")}
    elif retention is None:
        kept = Unknown(f"{instance.address}: snapshot_schedule_policy without retention_policy: how long its "
                       f"snapshots are kept is not set by the schedule")
    else:
        kept = retention
    return {"retention_policy": kept}


def disks(index: Index) -> Iterator[Resource]:
    for instance in index.of_type("google_compute_disk", "google_compute_region_disk"):
        origins, traced = made(instance, {"disk_encryption_key": ["disk_encryption_key"]})
        yield resource("gcp.compute.disk", instance, {"disk_encryption_key": _disk_key(index, instance)},
                       name=instance.attrs.get("name"), origins=origins, traced=traced)


def _disk_key(index: Index, instance: TfInstance) -> Any:
    found = block(instance.attrs, "disk_encryption_key")
    if not isinstance(found, Mapping):
        return found
    material = [found.get("raw_key"), found.get("rsa_encrypted_key")]
    if any(isinstance(m, str) and m for m in material):
        in_configuration: Any = True
    else:
        unseen = [m for m in material if isinstance(m, Unknown)]
        in_configuration = (Unknown(f"disk_encryption_key: {unseen[0].reason}", unseen[0].origin, unseen[0].error)
                            if unseen else False)
    key = identifier(index, instance, "disk_encryption_key", found.get("kms_key_self_link"), _KMS_KEYS)
    return {"kms_key_self_link": key, "key_in_configuration": in_configuration}
