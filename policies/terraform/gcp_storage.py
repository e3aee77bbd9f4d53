"""Cloud Storage bucket settings for imaging data.

Cloud Storage always encrypts at rest and serves its APIs only over HTTPS: those checks pass with
that fact as the evidence (and say what the bucket adds, e.g. a customer-managed key).
Thresholds come from the catalog parameters ``min_tls_version`` and ``min_retention_days``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies import parameters
from policies.terraform.azure_gcp_common import (
    ObservingCheck,
    block,
    blocks,
    bool_setting,
    failed,
    int_at_least,
    is_unresolved,
    passed,
    tls_rank,
    unknown,
)
from policies.terraform.common import Observation, first, flatten

_BUCKET = ["google_storage_bucket"]
_PUBLIC_MEMBERS = frozenset({"allusers", "allauthenticatedusers"})
_DAY = 86400
#: lifecycle conditions that only ever match noncurrent (previous) object versions
_NONCURRENT_ONLY = ("num_newer_versions", "days_since_noncurrent_time", "noncurrent_time_before")


def _kms_key(conf: dict[str, Any]) -> Any:
    encryption = block(conf, "encryption")
    return first(encryption, "default_kms_key_name") if encryption is not None else None


class EncryptionAtRest(ObservingCheck):
    keys = ("encryption/[0]/default_kms_key_name", "disk_encryption_key")

    def __init__(self) -> None:
        super().__init__("Buckets and persistent disks are encrypted at rest", "PACS_GCP_ENCRYPTION_AT_REST",
                         ["google_storage_bucket", "google_compute_disk"], CheckCategories.ENCRYPTION)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        if self.entity_type == "google_compute_disk":
            yield from _disk_at_rest(conf)
            return
        key = _kms_key(conf)
        yield passed("Cloud Storage encrypts every object at rest (AES-256) by default; "
                     f"encryption.default_kms_key_name={key or 'not set (Google-managed key)'}")


def _disk_at_rest(conf: dict[str, Any]) -> Iterator[Observation]:
    key = block(conf, "disk_encryption_key")
    if key is not None and (first(key, "raw_key") or first(key, "rsa_encrypted_key")):
        yield failed("disk_encryption_key carries customer-supplied key material in the Terraform "
                     "configuration/state: the key is exposed")
        return
    kms = first(key, "kms_key_self_link") if key is not None else None
    yield passed("Compute Engine encrypts every persistent disk at rest by default; "
                 f"disk_encryption_key.kms_key_self_link={kms or 'not set (Google-managed key)'}")


class BucketCustomerKey(ObservingCheck):
    keys = ("encryption/[0]/default_kms_key_name",)

    def __init__(self) -> None:
        super().__init__("Bucket encrypts with a customer-managed Cloud KMS key", "PACS_GCP_BUCKET_CMK",
                         _BUCKET, CheckCategories.ENCRYPTION)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        key = _kms_key(conf)
        if not key:
            return [failed("no encryption.default_kms_key_name: objects use Google-managed keys")]
        return [passed(f"encryption.default_kms_key_name={key}")]


class BucketTransport(ObservingCheck):
    keys = ("website",)

    def __init__(self) -> None:
        super().__init__("Bucket is reachable only over TLS", "PACS_GCP_BUCKET_TLS", _BUCKET,
                         CheckCategories.ENCRYPTION)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        minimum = str(parameters.get("min_tls_version"))
        wanted = tls_rank(minimum)
        if wanted is None or wanted > (1, 2):
            return [unknown(f"Cloud Storage requires HTTPS, but the bucket cannot enforce a TLS {minimum} minimum")]
        if block(conf, "website") is not None:
            return [failed("website block: static-website serving through a custom domain "
                           "(CNAME to c.storage.googleapis.com) is plain HTTP only")]
        return [passed("Cloud Storage serves its JSON and XML APIs only over HTTPS (TLS 1.2+); "
                       "no website configuration")]


class BucketPublicAccessPrevention(ObservingCheck):
    keys = ("public_access_prevention",)

    def __init__(self) -> None:
        super().__init__("Bucket enforces public access prevention", "PACS_GCP_BUCKET_PUBLIC_PREVENTION",
                         _BUCKET, CheckCategories.GENERAL_SECURITY)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        raw = first(conf, "public_access_prevention")
        if raw is None:
            return [failed("public_access_prevention not set: the default 'inherited' allows public grants")]
        if not isinstance(raw, str) or is_unresolved(raw):
            return [unknown(f"public_access_prevention={raw}: not literal")]
        return [(passed if raw == "enforced" else failed)(f"public_access_prevention={raw}")]


class BucketIamPublic(ObservingCheck):
    keys = ("member", "members")

    def __init__(self) -> None:
        super().__init__("Bucket IAM does not grant allUsers or allAuthenticatedUsers", "PACS_GCP_BUCKET_IAM_PUBLIC",
                         ["google_storage_bucket_iam_member", "google_storage_bucket_iam_binding"],
                         CheckCategories.GENERAL_SECURITY)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        members = flatten(conf.get("member")) + flatten(conf.get("members"))
        role = first(conf, "role")
        public = [m for m in members if isinstance(m, str) and m.strip().lower() in _PUBLIC_MEMBERS]
        if public:
            return [failed(f"role {role} granted to {public}")]
        if any(is_unresolved(m) for m in members):
            return [unknown(f"role {role} members not literal: {members}")]
        return [passed(f"role {role} granted to {members}")]


class BucketUniformAccess(ObservingCheck):
    keys = ("uniform_bucket_level_access",)

    def __init__(self) -> None:
        super().__init__("Bucket uses uniform bucket-level access (no object ACLs)", "PACS_GCP_BUCKET_UNIFORM",
                         _BUCKET, CheckCategories.IAM)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        return [bool_setting(conf, ("uniform_bucket_level_access",), True, False)]


class BucketAccessLogging(ObservingCheck):
    keys = ("logging/[0]/log_bucket",)

    def __init__(self) -> None:
        super().__init__("Bucket writes usage (access) logs", "PACS_GCP_BUCKET_LOGGING", _BUCKET,
                         CheckCategories.LOGGING)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        logging = block(conf, "logging")
        target = first(logging, "log_bucket") if logging is not None else None
        if not target:
            return [failed("no logging block with a log_bucket")]
        return [passed(f"logging.log_bucket={target}")]


class BucketVersioning(ObservingCheck):
    keys = ("versioning/[0]/enabled",)

    def __init__(self) -> None:
        super().__init__("Bucket keeps object versions", "PACS_GCP_BUCKET_VERSIONING", _BUCKET,
                         CheckCategories.BACKUP_AND_RECOVERY)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        versioning = block(conf, "versioning")
        if versioning is None:
            return [failed("no versioning block: object versioning is off by default")]
        return [bool_setting(versioning, ("enabled",), True, False)]


class BucketRetentionLock(ObservingCheck):
    keys = ("retention_policy/[0]/retention_period", "retention_policy/[0]/is_locked")

    def __init__(self) -> None:
        super().__init__("Bucket has a locked retention policy of at least the retention period",
                         "PACS_GCP_BUCKET_RETENTION_LOCK", _BUCKET, CheckCategories.BACKUP_AND_RECOVERY)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        policy = block(conf, "retention_policy")
        if policy is None:
            yield failed("no retention_policy block")
            return
        yield bool_setting(policy, ("is_locked",), True, False)
        yield int_at_least("retention_policy.retention_period", first(policy, "retention_period"),
                           int(parameters.get("min_retention_days")) * _DAY, "seconds")


def _judge_delete(index: int, condition: dict[str, Any], minimum: int) -> Observation:
    label = f"lifecycle_rule[{index}] Delete"
    age = first(condition, "age")
    custom = first(condition, "days_since_custom_time")
    if age is not None or custom is not None:
        name, raw = ("age", age) if age is not None else ("days_since_custom_time", custom)
        return int_at_least(f"{label} condition.{name}", raw, minimum, "days")
    with_state = str(first(condition, "with_state") or "ANY").upper()
    if with_state == "ARCHIVED" or any(first(condition, k) not in (None, 0, "0") for k in _NONCURRENT_ONLY):
        return passed(f"{label} only matches noncurrent versions (with_state={with_state})")
    if first(condition, "created_before") or first(condition, "custom_time_before"):
        return unknown(f"{label} by date (created_before/custom_time_before): age at deletion not known")
    return failed(f"{label} without an age condition: deletes objects of any age")


class BucketLifecycleRetention(ObservingCheck):
    keys = ("lifecycle_rule/[0]/action/[0]/type", "lifecycle_rule/[0]/condition/[0]/age")

    def __init__(self) -> None:
        super().__init__("Lifecycle rules do not delete objects before the retention period",
                         "PACS_GCP_BUCKET_LIFECYCLE", _BUCKET, CheckCategories.BACKUP_AND_RECOVERY)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        minimum = int(parameters.get("min_retention_days"))
        rules = blocks(conf, "lifecycle_rule")
        deletes = 0
        for index, rule in enumerate(rules):
            action = block(rule, "action") or {}
            kind = first(action, "type")
            if is_unresolved(kind):
                yield unknown(f"lifecycle_rule[{index}] action.type={kind}: not literal")
            elif kind == "Delete":
                deletes += 1
                yield _judge_delete(index, block(rule, "condition") or {}, minimum)
        if deletes == 0:
            yield passed(f"{len(rules)} lifecycle rule(s), none deletes objects")


check_at_rest = EncryptionAtRest()
check_cmk = BucketCustomerKey()
check_tls = BucketTransport()
check_public_prevention = BucketPublicAccessPrevention()
check_iam_public = BucketIamPublic()
check_uniform = BucketUniformAccess()
check_logging = BucketAccessLogging()
check_versioning = BucketVersioning()
check_retention_lock = BucketRetentionLock()
check_lifecycle = BucketLifecycleRetention()
