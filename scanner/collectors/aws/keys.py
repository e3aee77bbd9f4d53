"""Customer-managed KMS keys (``aws.kms.key``), per region, as facts.

AWS-managed keys (``KeyManager = AWS``) are skipped: the customer cannot rotate, restrict or revoke
them, and AWS rotates them itself. A key whose rotation AWS cannot manage (asymmetric, HMAC,
imported key material, pending deletion) is not asked for its rotation status: ``rotation`` is None.
Rotation status and tags are read only where the scan's read plan needs them (``reads.py``).

==========================  =====================================================  ==================================
fact key                    meaning                                                source API call
==========================  =====================================================  ==================================
``key_manager``             CUSTOMER (only customer keys are collected)            DescribeKey
``state``                   Enabled / Disabled / PendingDeletion / ...             DescribeKey
``key_spec``                SYMMETRIC_DEFAULT, RSA_2048, HMAC_256, ...             DescribeKey
``key_usage``               ENCRYPT_DECRYPT / SIGN_VERIFY / GENERATE_VERIFY_MAC    DescribeKey
``origin``                  AWS_KMS / EXTERNAL / AWS_CLOUDHSM / EXTERNAL_KEY_STORE DescribeKey
``multi_region``            a multi-Region key                                     DescribeKey
``rotation.enabled``        automatic rotation of the key material is on           GetKeyRotationStatus
``rotation.period_days``    rotation period, where AWS reports one                 GetKeyRotationStatus
``tags``                    key tags as a flat dict                                ListResourceTags
==========================  =====================================================  ==================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future
from typing import Any

from scanner.collectors.aws.errors import api_errors, reason
from scanner.collectors.aws.reads import READS
from scanner.collectors.aws.session import AwsSession, FactReader
from scanner.collectors.planned import Implied, read_planned
from scanner.facts.resource import CollectionFailure, Resource

KEY = "aws.kms.key"


def collect_keys(session: AwsSession, regions: Sequence[str],
                 pool: Executor) -> tuple[list[Resource], list[CollectionFailure]]:
    """Customer-managed KMS keys in every region."""
    listings = {region: pool.submit(_key_ids, session, region) for region in regions}
    failures: list[CollectionFailure] = []
    pending: list[Future[Resource | None]] = []
    for region, listing in listings.items():
        ids, error = listing.result()
        if error is not None:
            failures.append(CollectionFailure("aws", KEY, session.account, region, error))
            continue
        pending += [pool.submit(_key, session, region, key_id) for key_id in ids]
    resources = [r for r in (f.result() for f in pending) if r is not None]
    return resources, failures


def _key_ids(session: AwsSession, region: str) -> tuple[list[str], str | None]:
    try:
        pages = session.client("kms", region).get_paginator("list_keys").paginate()
        return [str(k["KeyId"]) for page in pages for k in page.get("Keys", [])], None
    except api_errors() as err:
        return [], reason(err)


def _key(session: AwsSession, region: str, key_id: str) -> Resource | None:
    """The key's facts, or None for an AWS-managed key. A key that cannot be described is kept,
    with every fact unreadable, so it is never silently dropped."""
    kms = session.client("kms", region)
    reader = FactReader()
    meta = reader.read("metadata", lambda: kms.describe_key(KeyId=key_id)["KeyMetadata"])
    arn = f"arn:aws:kms:{region}:{session.account}:key/{key_id}"
    if meta is None:
        why = reader.errors.pop("metadata", "DescribeKey returned no metadata")
        errors = {k: why for k in ("key_manager", "state", "key_spec", "origin", "rotation", "tags")}
        return Resource(provider="aws", type=KEY, id=arn, name=key_id, account=session.account,
                             region=region, errors=errors)
    reader.facts.pop("metadata")
    if meta.get("KeyManager") != "CUSTOMER":
        return None
    reader.facts.update(_describe(meta))
    calls: dict[str, Callable[[], Any]] = {
        "rotation": lambda: reader.read("rotation", lambda: kms.get_key_rotation_status(KeyId=key_id), _rotation),
        "tags": lambda: reader.read("tags", lambda: kms.list_resource_tags(KeyId=key_id),
                                    lambda r: {t["TagKey"]: t["TagValue"] for t in r.get("Tags", [])}),
    }
    origins: dict[str, str] = {}
    skipped = read_planned(reader, session.plan.kind(KEY), READS[KEY], calls, names=(key_id,),
                           implied={"rotation": lambda _facts: _no_rotation(meta)}, origins=origins)
    tags = reader.facts.get("tags") or {}
    return Resource(provider="aws", type=KEY, id=str(meta.get("Arn") or arn), name=key_id,
                    account=session.account, region=region, tags=dict(tags), facts=reader.facts,
                    errors=reader.errors, origins=origins, skipped=skipped)


def _describe(meta: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "key_manager": meta.get("KeyManager"), "state": meta.get("KeyState"),
        "key_spec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"), "key_usage": meta.get("KeyUsage"),
        "origin": meta.get("Origin"), "multi_region": bool(meta.get("MultiRegion", False)),
    }


def _rotatable(meta: Mapping[str, Any]) -> bool:
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec")
    return spec == "SYMMETRIC_DEFAULT" and meta.get("Origin") == "AWS_KMS" and meta.get("KeyState") != "PendingDeletion"


def _no_rotation(meta: Mapping[str, Any]) -> Implied:
    if _rotatable(meta):
        return None
    return None, "DescribeKey: AWS rotates only symmetric AWS_KMS keys that are not pending deletion"


def _rotation(response: Mapping[str, Any]) -> dict[str, Any]:
    return {"enabled": bool(response.get("KeyRotationEnabled")), "period_days": response.get("RotationPeriodInDays")}
