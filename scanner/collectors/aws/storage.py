"""S3 buckets (``aws.s3.bucket``) and the account's S3 public access block, as facts.

Buckets and their regions come from ``ListBuckets`` (paginated, with ``BucketRegion``; filtered by
region where regions are given: ``buckets.py``), then every other call goes through a client of the
bucket's own region. Each top-level fact comes from exactly one API call, so a denied or throttled
call marks only that fact unreadable (``errors[key]``) and only the rules reading it become
``error``. ``None`` means "not configured" (the API said so). Object contents are never read.

Only the facts the scan's read plan needs are read (``scanner/engine/plan.py``; the call behind each
fact: ``reads.py``): a fact no selected rule reads, or only rules that do not apply to this bucket
(or a bucket outside the ``imaging_data`` scope), is not read and is named in ``Resource.skipped``.
Where S3's own rules make a fact certain from facts already read (no policy status without a policy,
no ACL grant but the owner's under ``BucketOwnerEnforced``, no object lock without versioning:
``implied.py``), that value is stored with its origin (``Resource.origins``) instead of calling.

=============================  ==========================================================  =========================
fact key                       meaning                                                     source API call
=============================  ==========================================================  =========================
``location``                   the bucket's region                                         ListBuckets (BucketRegion;
                                                                                           else GetBucketLocation)
``encryption.algorithm``       default SSE algorithm (AES256, aws:kms, aws:kms:dsse)       GetBucketEncryption
``encryption.kms_key_id``      KMS key id/ARN of default SSE-KMS (None: aws/s3 key)        GetBucketEncryption
``encryption.customer_         the SSE-KMS key is customer-managed: False without a key    kms:DescribeKey
managed_key``                  id or for ``alias/aws/*``, else DescribeKey's ``KeyManager``  (once per key)
                               (unknown, as an error, when it cannot be described); None
                               without KMS
``encryption.bucket_key``      S3 Bucket Keys enabled                                      GetBucketEncryption
``public_access_block.*``      the bucket's four flags ``block_public_acls``,              GetPublicAccessBlock (s3)
                               ``ignore_public_acls``, ``block_public_policy``,
                               ``restrict_public_buckets`` (None: no bucket PAB)
``account_public_access_block  the same four flags for the whole account, read once        GetPublicAccessBlock
.*``                           (None: no account PAB)                                      (s3control)
``policy_status.is_public``    AWS's own evaluation of the bucket policy as public         GetBucketPolicyStatus
``policy.statement_count``     statements in the bucket policy (``policy`` None: none)     GetBucketPolicy
``policy.denies_insecure_      a blanket Deny (everyone, all S3 actions, the bucket and    GetBucketPolicy
transport``                    its objects) whose only condition is ``aws:SecureTransport``
                               false (scanner/bucketpolicy.py, as for Terraform)
``policy.network_denies[]``    per blanket Deny conditioned only on the network: what it   GetBucketPolicy
                               exempts: ``source_vpce``/``source_vpc``
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
                               noncurrent_expiration_days}`` (None: no lifecycle); an      Configuration
                               expiration on a date has unknown ``expiration_days``
``tags``                       bucket tags as a flat dict (also ``Resource.tags``; an      GetBucketTagging
                               ``Unknown(error=True)`` there when they cannot be read, so
                               the imaging-data scope cannot drop the bucket silently)
=============================  ==========================================================  =========================

The raw policy document is never kept as a fact (it is large and may name principals); only the
normalized facts above, which say what the document says.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from functools import partial
from typing import Any

from scanner.collectors.aws.buckets import Listed, list_buckets
from scanner.collectors.aws.errors import api_errors, is_not_configured, reason
from scanner.collectors.aws.implied import PolicyReading, no_lock_without_versioning, owner_only_acl
from scanner.collectors.aws.reads import READS
from scanner.collectors.aws.session import AwsSession, FactReader
from scanner.collectors.planned import Implication, read_planned
from scanner.engine.plan import KindPlan
from scanner.facts.resource import CollectionFailure, Resource
from scanner.facts.values import Unknown

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
    """Every bucket of the account, or of the regions the target names (``ListBuckets`` filtered with
    ``BucketRegion``), with the facts the read plan needs."""
    del regions  # the target's regions, if any, filter the listing itself
    plan = session.plan.kind(BUCKET)
    try:
        listed = list_buckets(session)
    except api_errors() as err:
        return [], [CollectionFailure("aws", BUCKET, session.account, None, reason(err))]
    account_pab = _account_public_access_block(session) if listed and plan.wants("account_public_access_block") \
        else None
    keys = KeyManagers(session)
    futures = [pool.submit(_bucket, session, bucket, account_pab, keys, plan) for bucket in listed]
    return [f.result() for f in futures], []


def _account_public_access_block(session: AwsSession) -> Reading:
    try:
        raw = session.client("s3control").get_public_access_block(AccountId=session.account)
    except api_errors() as err:
        return (None, None) if is_not_configured(err) else (None, reason(err))
    return _flags(raw.get("PublicAccessBlockConfiguration")), None


def _bucket(session: AwsSession, listed: Listed, account_pab: Reading | None, keys: KeyManagers,
            plan: KindPlan) -> Resource:
    name = listed.name
    reader = FactReader()
    origins: dict[str, str] = {}
    skipped: dict[str, str] = {}
    if listed.region is not None:
        reader.facts["location"] = location = listed.region
    else:  # an endpoint that lists no BucketRegion
        location = reader.read("location", lambda: session.client("s3").get_bucket_location(Bucket=name), _region_of)
    if "location" in reader.errors:
        why = f"bucket region unknown: {reader.errors['location']}"
        reader.errors.update({key: why for key in _BUCKET_FACTS})
        if account_pab is not None:
            _account_facts(reader, account_pab)
    else:
        s3 = session.client("s3", location)
        policy = PolicyReading(reader, name, partial(s3.get_bucket_policy, Bucket=name))
        calls = _calls(reader, s3, name)
        calls["policy"] = policy.read
        calls["account_public_access_block"] = partial(_account_facts, reader, account_pab)
        calls["encryption.customer_managed_key"] = lambda: _customer_managed_key(reader.facts.get("encryption"),
                                                                                  keys, location)
        implied: dict[str, Implication] = {
            "policy_status": policy.status, "acl": partial(owner_only_acl, listed.owner),
            "object_lock": no_lock_without_versioning,
        }
        skipped = read_planned(reader, plan, READS[BUCKET], calls, names=(name,), tags=lambda: _tags(reader),
                               implied=implied, origins=origins)
    if reader.facts.get("tags", {}) is None:
        reader.facts["tags"] = {}
    tags = _tags(reader)
    if tags is None:
        tags = Unknown(f"bucket tags: {skipped.get('tags', 'not read')}", "GetBucketTagging")
    return Resource(provider="aws", type=BUCKET, id=f"arn:aws:s3:::{name}", name=name, account=session.account,
                    region=location, tags=tags, facts=reader.facts, errors=reader.errors, origins=origins,
                    skipped=skipped)


def _tags(reader: FactReader) -> Mapping[str, Any] | Unknown | None:
    """The bucket's tags once read; an error Unknown when they could not be; None before."""
    if "tags" in reader.errors:
        return Unknown(f"bucket tags could not be read: {reader.errors['tags']}", "GetBucketTagging", error=True)
    if "tags" not in reader.facts:
        return None
    return dict(reader.facts["tags"] or {})


def _account_facts(reader: FactReader, account_pab: Reading | None) -> None:
    pab, error = account_pab or (None, "the account's public access block was not read")
    if error is None:
        reader.facts["account_public_access_block"] = pab
    else:
        reader.errors["account_public_access_block"] = error


def _calls(reader: FactReader, s3: Any, name: str) -> dict[str, Callable[[], Any]]:
    reads: tuple[tuple[str, Callable[..., Any], Callable[[Any], Any]], ...] = (
        ("encryption", s3.get_bucket_encryption, _encryption),
        ("public_access_block", s3.get_public_access_block,
         lambda r: _flags(r.get("PublicAccessBlockConfiguration"))),
        ("policy_status", s3.get_bucket_policy_status,
         lambda r: {"is_public": bool(r.get("PolicyStatus", {}).get("IsPublic"))}),
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
    return {key: partial(reader.read, key, partial(method, Bucket=name), transform)
            for key, method, transform in reads}


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
        date = iso(expiration.get("Date"))
        days = expiration.get("Days") if date is None else Unknown(
            f"objects expire on a date ({date}), not at an age: whether that is before min_retention_days "
            "cannot be told", "GetBucketLifecycleConfiguration")
        rules.append({
            "id": rule.get("ID"), "status": rule.get("Status"), "expiration_days": days, "expiration_date": date,
            "noncurrent_expiration_days": noncurrent.get("NoncurrentDays"),
        })
    return {"rules": rules} if rules else None


# --- bucket policy documents and KMS keys ----------------------------------------------------------


def aws_managed_name(key_id: str) -> bool:
    """``alias/aws/...`` or an alias ARN ``arn:...:alias/aws/...``: an AWS-managed key."""
    return key_id.startswith("alias/aws/") or (key_id.startswith("arn:") and ":alias/aws/" in key_id)


class KeyManagers:
    """DescribeKey's ``KeyManager`` of each key bucket encryption names, asked once per key and region
    for the whole scan (many buckets share one key)."""

    def __init__(self, session: AwsSession) -> None:
        self.session = session
        self._lock = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._known: dict[tuple[str, str], tuple[Any, str | None]] = {}

    def customer_managed(self, key_id: str, bucket_region: str) -> Any:
        """True / False, or Unknown(error=True) when the key cannot be described."""
        if aws_managed_name(key_id):
            return False
        region = key_id.split(":")[3] if key_id.startswith("arn:") and key_id.count(":") >= 5 else bucket_region
        with self._lock:
            lock = self._locks.setdefault((region, key_id), threading.Lock())
        with lock:
            if (region, key_id) not in self._known:
                reader = FactReader()
                kms = self.session.client("kms", region)
                manager = reader.read("key", partial(kms.describe_key, KeyId=key_id),
                                      lambda r: r["KeyMetadata"].get("KeyManager"))
                self._known[(region, key_id)] = (manager, reader.errors.get("key"))
        manager, error = self._known[(region, key_id)]
        if error is not None or manager not in ("CUSTOMER", "AWS"):
            why = error or f"DescribeKey gave KeyManager {manager!r}"
            return Unknown(f"whether KMS key {key_id} is customer-managed could not be read: {why}",
                           "kms:DescribeKey", error=True)
        return manager == "CUSTOMER"


def _customer_managed_key(encryption: Any, keys: KeyManagers, region: str) -> None:
    if not isinstance(encryption, dict):
        return
    algorithm, key_id = encryption.get("algorithm"), encryption.get("kms_key_id")
    if algorithm not in ("aws:kms", "aws:kms:dsse"):
        encryption["customer_managed_key"] = None
    elif not key_id:
        encryption["customer_managed_key"] = False  # the AWS-managed aws/s3 key
    else:
        encryption["customer_managed_key"] = keys.customer_managed(str(key_id), region)
