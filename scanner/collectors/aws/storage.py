"""S3 buckets (``aws.s3.bucket``) and the account's S3 public access block, as facts.

Buckets are global: ``ListBuckets`` once, ``GetBucketLocation`` per bucket, then every other call
through a client of the bucket's own region. Each top-level fact comes from exactly one API call, so
a denied or throttled call marks only that fact unreadable (``errors[key]``) and only the rules
reading it become ``error``. ``None`` means "not configured" (the API said so). Object contents are
never read.

=============================  ==========================================================  =========================
fact key                       meaning                                                     source API call
=============================  ==========================================================  =========================
``location``                   the bucket's region                                         GetBucketLocation
``encryption.algorithm``       default SSE algorithm (AES256, aws:kms, aws:kms:dsse)       GetBucketEncryption
``encryption.kms_key_id``      KMS key id/ARN of default SSE-KMS (None: aws/s3 key)        GetBucketEncryption
``encryption.bucket_key``      S3 Bucket Keys enabled                                      GetBucketEncryption
``public_access_block.*``      the bucket's four flags ``block_public_acls``,              GetPublicAccessBlock (s3)
                               ``ignore_public_acls``, ``block_public_policy``,
                               ``restrict_public_buckets`` (None: no bucket PAB)
``account_public_access_block  the same four flags for the whole account, read once        GetPublicAccessBlock
.*``                           (None: no account PAB)                                      (s3control)
``policy_status.is_public``    AWS's own evaluation of the bucket policy as public         GetBucketPolicyStatus
``policy.statement_count``     statements in the bucket policy (``policy`` None: none)     GetBucketPolicy
``policy.denies_insecure_      a statement Denies principal ``*`` all S3 actions when       GetBucketPolicy
transport``                    ``Bool aws:SecureTransport`` is false
``policy.network_denies[]``    per blanket Deny (principal ``*``, ``s3:*``/``*``): the       GetBucketPolicy
                               networks it exempts: ``source_vpce``/``source_vpc``
                               (StringNotEquals[IfExists]) and ``source_ip``
                               (NotIpAddress[IfExists]) lists
``acl.grants[]``               ``grantee`` (URI, canonical id or e-mail), ``type``,         GetBucketAcl
                               ``permission``
``ownership.object_ownership`` BucketOwnerEnforced / BucketOwnerPreferred / ObjectWriter    GetBucketOwnershipControls
``versioning.status``          Enabled / Suspended / None (never enabled)                  GetBucketVersioning
``versioning.mfa_delete``      Enabled / Disabled / None                                   GetBucketVersioning
``object_lock.enabled``        ``Enabled`` when object lock is on (``object_lock`` None:    GetObjectLockConfiguration
                               off)
``object_lock.mode``,          default retention mode, days, years, and both as days       GetObjectLockConfiguration
``.days``, ``.years``,         (years x 365, as the Terraform check counts); None: no
``.default_retention_days``    default retention
``logging.target_bucket``,     server access logging destination (``logging`` None: off)   GetBucketLogging
``logging.target_prefix``
``replication.role``,          replication role and rules ``{id, status,                   GetBucketReplication
``replication.rules[]``        destination_bucket}`` (None: no replication)
``lifecycle.rules[]``          ``{id, status, expiration_days, expiration_date,            GetBucketLifecycle
                               noncurrent_expiration_days}`` (None: no lifecycle)     Configuration
``tags``                       bucket tags as a flat dict (also ``Resource.tags``)    GetBucketTagging
=============================  ==========================================================  =========================

The raw policy document is never kept as a fact (it is large and may name principals); only the
normalized facts above, which say what the document says.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from functools import partial
from typing import Any

from scanner.collectors.aws.errors import api_errors, is_not_configured, reason
from scanner.collectors.aws.session import AwsSession, FactReader
from scanner.facts.resource import CollectionFailure, Resource
from scanner.policydoc import condition_values, denies_everyone_everything

BUCKET = "aws.s3.bucket"
_PAB_FLAGS = (
    ("BlockPublicAcls", "block_public_acls"),
    ("IgnorePublicAcls", "ignore_public_acls"),
    ("BlockPublicPolicy", "block_public_policy"),
    ("RestrictPublicBuckets", "restrict_public_buckets"),
)
_BUCKET_FACTS = ("encryption", "public_access_block", "policy_status", "policy", "acl", "ownership", "versioning",
                 "object_lock", "logging", "replication", "lifecycle", "tags")
_DAYS_PER_YEAR = 365
Reading = tuple[Any, str | None]  # (value, error reason)


def collect_buckets(session: AwsSession, regions: Sequence[str],
                    pool: Executor) -> tuple[list[Resource], list[CollectionFailure]]:
    """Every bucket of the account (buckets are global; ``regions`` does not filter them)."""
    del regions
    try:
        listed = session.client("s3").list_buckets().get("Buckets", [])
    except api_errors() as err:
        return [], [CollectionFailure("aws", BUCKET, session.account, None, reason(err))]
    account_pab = _account_public_access_block(session)
    futures = [pool.submit(_bucket, session, str(b["Name"]), account_pab) for b in listed]
    return [f.result() for f in futures], []


def _account_public_access_block(session: AwsSession) -> Reading:
    try:
        raw = session.client("s3control").get_public_access_block(AccountId=session.account)
    except api_errors() as err:
        return (None, None) if is_not_configured(err) else (None, reason(err))
    return _flags(raw.get("PublicAccessBlockConfiguration")), None


def _bucket(session: AwsSession, name: str, account_pab: Reading) -> Resource:
    reader = FactReader()
    location = reader.read("location", lambda: session.client("s3").get_bucket_location(Bucket=name),
                           _region_of)
    if "location" in reader.errors:
        why = f"bucket region unknown: {reader.errors['location']}"
        reader.errors.update({key: why for key in _BUCKET_FACTS})
    else:
        _read_bucket_facts(reader, session.client("s3", location), name)
    pab, pab_error = account_pab
    if pab_error is None:
        reader.facts["account_public_access_block"] = pab
    else:
        reader.errors["account_public_access_block"] = pab_error
    tags = reader.facts.get("tags") or {}
    return Resource(provider="aws", type=BUCKET, id=f"arn:aws:s3:::{name}", name=name,
                         account=session.account, region=location, tags=dict(tags),
                         facts=reader.facts, errors=reader.errors)


def _read_bucket_facts(reader: FactReader, s3: Any, name: str) -> None:
    calls: tuple[tuple[str, Callable[..., Any], Callable[[Any], Any]], ...] = (
        ("encryption", s3.get_bucket_encryption, _encryption),
        ("public_access_block", s3.get_public_access_block,
         lambda r: _flags(r.get("PublicAccessBlockConfiguration"))),
        ("policy_status", s3.get_bucket_policy_status,
         lambda r: {"is_public": bool(r.get("PolicyStatus", {}).get("IsPublic"))}),
        ("policy", s3.get_bucket_policy, lambda r: r.get("Policy")),
        ("acl", s3.get_bucket_acl, _acl),
        ("ownership", s3.get_bucket_ownership_controls, _ownership),
        ("versioning", s3.get_bucket_versioning,
         lambda r: {"status": r.get("Status"), "mfa_delete": r.get("MFADelete")}),
        ("object_lock", s3.get_object_lock_configuration, _object_lock),
        ("logging", s3.get_bucket_logging, _logging),
        ("replication", s3.get_bucket_replication, _replication),
        ("lifecycle", s3.get_bucket_lifecycle_configuration, _lifecycle),
        ("tags", s3.get_bucket_tagging, lambda r: {t["Key"]: t["Value"] for t in r.get("TagSet", [])}),
    )
    for key, method, transform in calls:
        reader.read(key, partial(method, Bucket=name), transform)
    if reader.facts.get("tags", {}) is None:
        reader.facts["tags"] = {}
    if "policy" in reader.facts:
        try:
            reader.facts["policy"] = normalize_policy(reader.facts["policy"])
        except ValueError as err:  # json.JSONDecodeError: a document AWS returned but we cannot read
            del reader.facts["policy"]
            reader.errors["policy"] = f"bucket policy is not valid JSON: {err}"


def iso(value: Any) -> Any:
    """A timestamp as ISO-8601 text (facts are JSON-like); anything else unchanged."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _region_of(response: Mapping[str, Any]) -> str:
    constraint = response.get("LocationConstraint")
    if not constraint:
        return "us-east-1"
    return "eu-west-1" if constraint == "EU" else str(constraint)


def _flags(config: Mapping[str, Any] | None) -> dict[str, bool] | None:
    if config is None:
        return None
    return {fact: bool(config.get(api, False)) for api, fact in _PAB_FLAGS}


def _encryption(response: Mapping[str, Any]) -> dict[str, Any] | None:
    rules = response.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault")
        if default:
            return {"algorithm": default.get("SSEAlgorithm"), "kms_key_id": default.get("KMSMasterKeyID"),
                    "bucket_key": bool(rule.get("BucketKeyEnabled", False))}
    return None


def _acl(response: Mapping[str, Any]) -> dict[str, Any]:
    grants = []
    for grant in response.get("Grants", []):
        grantee = grant.get("Grantee", {})
        who = grantee.get("URI") or grantee.get("ID") or grantee.get("EmailAddress")
        grants.append({"grantee": who, "type": grantee.get("Type"), "permission": grant.get("Permission")})
    return {"grants": grants}


def _ownership(response: Mapping[str, Any]) -> dict[str, Any] | None:
    rules = response.get("OwnershipControls", {}).get("Rules", [])
    return {"object_ownership": rules[0].get("ObjectOwnership")} if rules else None


def _object_lock(response: Mapping[str, Any]) -> dict[str, Any] | None:
    config = response.get("ObjectLockConfiguration", {})
    if config.get("ObjectLockEnabled") != "Enabled":
        return None
    retention = config.get("Rule", {}).get("DefaultRetention", {})
    # AWS sets exactly one of Days/Years (each >= 1); some emulators also return the other as 0.
    days, years = retention.get("Days") or None, retention.get("Years") or None
    total = days if days is not None else (years * _DAYS_PER_YEAR if years is not None else None)
    return {"enabled": "Enabled", "mode": retention.get("Mode"), "days": days, "years": years,
            "default_retention_days": total}


def _logging(response: Mapping[str, Any]) -> dict[str, Any] | None:
    enabled = response.get("LoggingEnabled")
    if not enabled:
        return None
    return {"target_bucket": enabled.get("TargetBucket"), "target_prefix": enabled.get("TargetPrefix")}


def _replication(response: Mapping[str, Any]) -> dict[str, Any] | None:
    config = response.get("ReplicationConfiguration")
    if not config:
        return None
    rules = [{"id": r.get("ID"), "status": r.get("Status"),
              "destination_bucket": r.get("Destination", {}).get("Bucket")} for r in config.get("Rules", [])]
    return {"role": config.get("Role"), "rules": rules}


def _lifecycle(response: Mapping[str, Any]) -> dict[str, Any] | None:
    rules = []
    for rule in response.get("Rules", []):
        expiration = rule.get("Expiration", {})
        noncurrent = rule.get("NoncurrentVersionExpiration", {})
        date = expiration.get("Date")
        rules.append({
            "id": rule.get("ID"), "status": rule.get("Status"), "expiration_days": expiration.get("Days"),
            "expiration_date": iso(date),
            "noncurrent_expiration_days": noncurrent.get("NoncurrentDays"),
        })
    return {"rules": rules} if rules else None


# --- bucket policy documents -------------------------------------------------------------------


def normalize_policy(document: str | None) -> dict[str, Any] | None:
    """What a bucket policy says, as plain facts (the same reading as policies/terraform/aws_s3_policy.py)."""
    if document is None:
        return None
    parsed = json.loads(document)
    raw = parsed.get("Statement", []) if isinstance(parsed, dict) else []
    statements = [s for s in (raw if isinstance(raw, list) else [raw]) if isinstance(s, dict)]
    blanket = [s for s in statements if denies_everyone_everything(s)]
    return {
        "statement_count": len(statements),
        "denies_insecure_transport": any(_denies_insecure_transport(s) for s in blanket),
        "network_denies": [_network_exemptions(s) for s in blanket],
    }


def _denies_insecure_transport(statement: Mapping[str, Any]) -> bool:
    values = list(condition_values(statement, ("Bool",), "aws:SecureTransport"))
    return bool(values) and all(str(v).lower() == "false" for v in values)


def _network_exemptions(statement: Mapping[str, Any]) -> dict[str, list[str]]:
    strings = ("StringNotEquals", "StringNotEqualsIfExists")
    return {
        "source_vpce": [str(v) for v in condition_values(statement, strings, "aws:SourceVpce")],
        "source_vpc": [str(v) for v in condition_values(statement, strings, "aws:SourceVpc")],
        "source_ip": [str(v) for v in condition_values(statement, ("NotIpAddress", "NotIpAddressIfExists"),
                                                         "aws:SourceIp")],
    }
