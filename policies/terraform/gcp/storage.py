"""``google_storage_bucket`` (+ its IAM grants) -> ``gcp.storage.bucket``, as ``buckets.list`` and
``buckets.getIamPolicy`` give it live.

Absent settings are the provider's defaults: ``uniform_bucket_level_access`` false, no
``public_access_prevention`` (inherited), no versioning, retention policy, logging or website,
Google-managed keys (``encryption.default_kms_key_name`` null), storage class ``STANDARD``. A block
that cannot be seen (a ``dynamic`` block over an unknown collection) makes its settings unknown.
A key, log bucket or policy given as a reference to a resource (``google_kms_crypto_key.k.id``)
is set, known only after apply: the reference stands for it. Labels are the bucket's tags (the
imaging-data scope reads them), as evaluated (unknown or partly known included).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policies.terraform.attrs import block, blocks, resource
from policies.terraform.gcp.bucket_iam import bucket_iam
from policies.terraform.gcp.common import identifier, labels, located, made, value
from policies.terraform.gcp.lifecycle import lifecycle_rule
from policies.terraform.index import Index
from scanner.facts.types import to_number
from scanner.facts.values import Unknown
from scanner.gcs import API_MIN_TLS
from scanner.iac.tfmodel import TfInstance

KIND = "gcp.storage.bucket"
DAY = 86400
_KEYS = ("google_kms_crypto_key",)
_BUCKETS = ("google_storage_bucket",)


def buckets(index: Index) -> Iterator[Any]:
    for instance in index.of_type("google_storage_bucket"):
        yield bucket(index, instance)


def bucket(index: Index, instance: TfInstance) -> Any:
    attrs = instance.attrs
    name = attrs.get("name")
    iam, grants = bucket_iam(index, instance, name)
    facts = {
        "uniform_bucket_level_access": value(instance, "uniform_bucket_level_access", False),
        "public_access_prevention": value(instance, "public_access_prevention"),
        "iam": iam,
        "versioning": _versioning(attrs),
        "retention_policy": _retention(attrs),
        "encryption": _encryption(index, instance),
        "logging": _logging(index, instance),
        "website": _website(attrs),
        "api_min_tls_version": API_MIN_TLS,
        "lifecycle_rules": [lifecycle_rule(r) for r in blocks(attrs, "lifecycle_rule")],
        "location": value(instance, "location"),
        "location_type": None,
        "storage_class": value(instance, "storage_class", "STANDARD"),
    }
    origins, traced = made(instance, {
        "uniform_bucket_level_access": ["uniform_bucket_level_access"],
        "public_access_prevention": ["public_access_prevention"], "versioning": ["versioning"],
        "retention_policy": ["retention_policy"], "encryption": ["encryption"], "logging": ["logging"],
        "website": ["website"], "lifecycle_rules": ["lifecycle_rule"], "location": ["location"],
        "storage_class": ["storage_class"], "iam": ["member", "members", "policy_data"],
    })
    if grants:
        origins["iam"] = ", ".join(located(g) for g in grants)
    return resource(KIND, instance, facts, name=name, tags=labels(instance), configured_by=grants,
                    origins=origins, traced=traced)




def _versioning(attrs: Mapping[str, Any]) -> Any:
    found = block(attrs, "versioning")
    if found is None or isinstance(found, Unknown):
        return found
    return {"enabled": found.get("enabled")}


def _retention(attrs: Mapping[str, Any]) -> Any:
    found = block(attrs, "retention_policy")
    if found is None or isinstance(found, Unknown):
        return found
    raw = found.get("retention_period")
    seconds = raw if isinstance(raw, Unknown) else to_number(raw)
    days: Any = seconds / DAY if isinstance(seconds, int | float) else seconds
    locked = found.get("is_locked")
    return {"retention_period_seconds": seconds, "retention_period_days": days,
            "is_locked": False if locked is None else locked, "effective_time": None}


def _encryption(index: Index, instance: TfInstance) -> Any:
    found = block(instance.attrs, "encryption")
    if found is None:
        return {"default_kms_key_name": None}
    if isinstance(found, Unknown):
        return {"default_kms_key_name": found}
    key = found.get("default_kms_key_name")
    return {"default_kms_key_name": identifier(index, instance, "encryption", key, _KEYS)}


def _logging(index: Index, instance: TfInstance) -> Any:
    found = block(instance.attrs, "logging")
    if found is None or isinstance(found, Unknown):
        return found
    target = identifier(index, instance, "logging", found.get("log_bucket"), _BUCKETS)
    if target is None or target == "":
        return None
    return {"log_bucket": target, "log_object_prefix": found.get("log_object_prefix")}


def _website(attrs: Mapping[str, Any]) -> Any:
    """The website block when it makes the bucket serve pages (a main page or a not-found page)."""
    found = block(attrs, "website")
    if found is None or isinstance(found, Unknown):
        return found
    pages = {"main_page_suffix": found.get("main_page_suffix"), "not_found_page": found.get("not_found_page")}
    if any(isinstance(v, str) and v for v in pages.values()):
        return pages
    unseen = [v for v in pages.values() if isinstance(v, Unknown)]
    if unseen:
        return Unknown(f"website: {unseen[0].reason}", unseen[0].origin, unseen[0].error)
    return None
