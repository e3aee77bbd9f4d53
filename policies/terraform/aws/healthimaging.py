"""Terraform -> ``aws.healthimaging.datastore`` (``awscc_healthimaging_datastore``), the facts the live
collector reads (scanner/collectors/aws/healthimaging.py, rules/facts/aws-imaging.yaml).

* ``datastore_name``: as written (None: AWS names it); ``status``: a plan's ``datastore_status``
  where the data store already exists, else None (not known before apply).
* ``encryption``: always (HealthImaging encrypts every data store): ``kms_key_arn`` as written (the
  reference itself, ``aws_kms_key.k.arn``, where it is known only after apply; None: an AWS owned
  key) and ``customer_managed_key``: False without a key, else who manages the key it names
  (:func:`policies.terraform.aws.kms.customer_managed`: a key or alias of the configuration is the
  customer's, ``alias/aws/*`` is AWS's, a variable or a data source lookup is unknown).
* ``external_access``: :mod:`policies.terraform.aws.healthimaging_access`.
* ``audit.data_events``: :mod:`policies.terraform.aws.healthimaging_trails`.
* ``tags``: the map as evaluated (a list of ``{key, value}`` objects is read as the map it says).

The data store's region, account and id are known only after apply (a plan of an existing data store
gives its ``datastore_arn``): ARN patterns are matched against them as unknown parts
(:mod:`scanner.healthimaging.arns`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, resource
from policies.terraform.aws.common import identifier, located
from policies.terraform.aws.healthimaging_access import ExternalAccess
from policies.terraform.aws.healthimaging_trails import audit, recorders
from policies.terraform.aws.kms import customer_managed
from policies.terraform.index import Index, config_address
from scanner.facts.resource import Resource
from scanner.facts.values import PartialDict, Unknown
from scanner.healthimaging.arns import DATASTORE_TYPE, DataStore
from scanner.iac.tfmodel import TfInstance

KIND = "aws.healthimaging.datastore"


def datastores(index: Index) -> list[Resource]:
    stores = index.of_type(DATASTORE_TYPE)
    if not stores:
        return []
    access = ExternalAccess(index)
    found = recorders(index)
    types = access.types
    out: list[Resource] = []
    for store in stores:
        others = frozenset(a for s in stores if s is not store for a in (s.address, config_address(s.address)))
        target = _target(store, others)
        facts: dict[str, Any] = {
            "datastore_name": store.attrs.get("datastore_name"),
            "status": store.attrs.get("datastore_status") if isinstance(store.attrs.get("datastore_status"),
                                                                        str) else None,
            "encryption": _encryption(index, store),
            "external_access": access.items(target),
            "audit": audit(found, target, types),
            "tags": _tags(store.attrs.get("tags")),
        }
        origins = {key: located(store) for key in ("datastore_name", "status", "encryption", "tags")}
        origins["external_access"] = "IAM roles and policies of the configuration"
        origins["audit"] = "CloudTrail trails and event data stores of the configuration"
        name = facts["datastore_name"]
        out.append(resource(KIND, store, facts, name=name if isinstance(name, str) else None, tags=facts["tags"],
                            origins=origins, traced={"encryption": ("kms_key_arn",), "tags": ("tags",),
                                                     "datastore_name": ("datastore_name",)}))
    return out


def _target(store: TfInstance, others: frozenset[str]) -> DataStore:
    arn = store.attrs.get("datastore_arn")
    if isinstance(arn, str):
        known = DataStore.from_arn(arn)
        return DataStore(known.region, known.account, known.datastore_id, store.address, others)
    later = Unknown(f"the region (the awscc provider's), account and id of {store.address} are known only after "
                    "apply")
    return DataStore(later, later, later, store.address, others)


def _encryption(index: Index, store: TfInstance) -> dict[str, Any]:
    key = identifier(store, "kms_key_arn")
    value = store.attrs.get("kms_key_arn")
    return {"kms_key_arn": key, "customer_managed_key": customer_managed(index, store, "kms_key_arn", arg(
        store.attrs, "kms_key_arn"))} if value is not None else {"kms_key_arn": None, "customer_managed_key": False}


def _tags(value: Any) -> Any:
    """awscc tags: a map, or a list of ``{key, value}`` objects (as some awscc resources take them)."""
    if value is None:
        return {}
    if isinstance(value, Mapping | Unknown):
        return value
    if isinstance(value, list):
        out: dict[str, Any] = {}
        unseen: list[Unknown] = []
        for item in value:
            if isinstance(item, Mapping) and isinstance(item.get("key"), str):
                out[str(item["key"])] = item.get("value")
            else:
                unseen.append(item if isinstance(item, Unknown) else Unknown(f"not a tag: {str(item)[:60]}"))
        return PartialDict(out, unseen[0]) if unseen else out
    return Unknown(f"tags is not a map: {str(value)[:60]}")
