"""S3 bucket settings declared inline (provider < 4 syntax) or in the bucket's own sub-resource.

* PACS_AWS_S3_ENCRYPTION (ENC-REST): default server-side encryption is declared (AES256,
  aws:kms or aws:kms:dsse). Unlike CKV_AWS_19, a bucket with no encryption configuration at
  all FAILS: the setting must be declared to be evidence.
* PACS_AWS_S3_KMS (ENC-KEYS): default encryption uses a customer-managed KMS key: aws:kms or
  aws:kms:dsse AND an explicit ``kms_master_key_id``. aws:kms without a key id is the
  AWS-managed aws/s3 key, which the customer cannot rotate, restrict or revoke: FAIL.
* PACS_AWS_S3_OBJECT_LOCK (INT-IMMUTABLE): object lock is enabled, in either provider syntax
  (``object_lock_enabled = true``; the legacy ``object_lock_configuration { object_lock_enabled
  = "Enabled" }``) or by an ``aws_s3_bucket_object_lock_configuration`` (which enables it, also
  on an existing bucket). CKV_AWS_143 ignores ``object_lock_enabled = true``, so it is not used.
  The default-retention length is PACS_AWS_S3_OBJECT_LOCK_RETENTION's.
* PACS_AWS_S3_VERSIONING (INT-VERSION): versioning is enabled, inline (``versioning { enabled =
  true }``) or by an ``aws_s3_bucket_versioning`` with ``status = "Enabled"`` ("Suspended" fails).
  Same verdicts as CKV_AWS_21, which it replaces: that check is a graph connection check, and
  Checkov's connection solver grows quadratically with the estate.
* PACS_AWS_S3_PUBLIC_ACCESS_BLOCK (ACC-PUBLIC): an ``aws_s3_bucket_public_access_block`` for the
  bucket sets all four flags true (CKV2_AWS_6 checks only two).

A sub-resource counts when its ``bucket`` is this bucket (a reference, or the literal name).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies.terraform.common import Observation, first
from policies.terraform.declared import FAILED, PASSED, DeclaredCheck, all_of, blocks_at, flag, setting, values

_BUCKET = "aws_s3_bucket"
_SSE = "aws_s3_bucket_server_side_encryption_configuration"
_DEFAULT = ("rule", "apply_server_side_encryption_by_default")
_INLINE_DEFAULT = ("server_side_encryption_configuration", *_DEFAULT)
_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")
_KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
_BLOCK_FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


def _slashed(path: Iterable[str]) -> str:
    return "/".join(path)


def _algorithms(conf: dict[str, Any], path: tuple[str, ...], label: str, accept: tuple[str, ...]) -> list[Observation]:
    return [setting(f"{label}{'.'.join(path[-2:])}.sse_algorithm", value, accept)
            for value in values(conf, (*path, "sse_algorithm"))]


def _kms(conf: dict[str, Any], path: tuple[str, ...], where: str) -> list[Observation]:
    """One observation per default-encryption block: its algorithm and key id together."""
    out: list[Observation] = []
    for default in blocks_at(conf, path):
        algorithm = first(default, "sse_algorithm")
        key_id = first(default, "kms_master_key_id")
        facts = [
            setting("sse_algorithm", algorithm, _KMS_ALGORITHMS) if algorithm is not None
            else Observation("sse_algorithm not set", FAILED),
            Observation(f"kms_master_key_id={key_id}", PASSED) if key_id
            else Observation("kms_master_key_id not set: the AWS-managed aws/s3 key", FAILED),
        ]
        out.append(all_of(where, facts))
    return out


class S3Encryption(DeclaredCheck):
    keys = (_slashed((*_INLINE_DEFAULT, "sse_algorithm")), _slashed((*_DEFAULT, "sse_algorithm")))
    linked = ((_SSE, "bucket"),)
    absent = "no default encryption: no server_side_encryption_configuration and no " + _SSE

    def __init__(self) -> None:
        super().__init__("S3 bucket declares default server-side encryption (inline or "
                         "aws_s3_bucket_server_side_encryption_configuration)",
                         "PACS_AWS_S3_ENCRYPTION", _BUCKET, CheckCategories.ENCRYPTION)

    def inline(self, conf: dict[str, Any]) -> Iterable[Observation]:
        return _algorithms(conf, _INLINE_DEFAULT, "server_side_encryption_configuration.", _ALGORITHMS)

    def connected(self, address: str, attrs: dict[str, Any]) -> Iterable[Observation]:
        return _algorithms(attrs, _DEFAULT, f"{address}: ", _ALGORITHMS)


class S3Kms(DeclaredCheck):
    keys = (_slashed((*_INLINE_DEFAULT, "sse_algorithm")), _slashed((*_INLINE_DEFAULT, "kms_master_key_id")),
            _slashed((*_DEFAULT, "sse_algorithm")), _slashed((*_DEFAULT, "kms_master_key_id")))
    linked = ((_SSE, "bucket"),)
    absent = "no default encryption with a customer-managed KMS key declared"

    def __init__(self) -> None:
        super().__init__("S3 bucket default encryption uses a customer-managed KMS key (kms_master_key_id)",
                         "PACS_AWS_S3_KMS", _BUCKET, CheckCategories.ENCRYPTION)

    def inline(self, conf: dict[str, Any]) -> Iterable[Observation]:
        return _kms(conf, _INLINE_DEFAULT, "server_side_encryption_configuration")

    def connected(self, address: str, attrs: dict[str, Any]) -> Iterable[Observation]:
        return _kms(attrs, _DEFAULT, address)


class S3ObjectLock(DeclaredCheck):
    keys = ("object_lock_enabled", "object_lock_configuration/object_lock_enabled")
    linked = (("aws_s3_bucket_object_lock_configuration", "bucket"),)
    absent = "object lock not enabled: object_lock_enabled not set and no aws_s3_bucket_object_lock_configuration"

    def __init__(self) -> None:
        super().__init__("S3 bucket has object lock enabled (either provider syntax or "
                         "aws_s3_bucket_object_lock_configuration)",
                         "PACS_AWS_S3_OBJECT_LOCK", _BUCKET, CheckCategories.BACKUP_AND_RECOVERY)

    def inline(self, conf: dict[str, Any]) -> Iterable[Observation]:
        out = [flag("object_lock_enabled", v, True, False) for v in values(conf, ("object_lock_enabled",))]
        out += [setting("object_lock_configuration.object_lock_enabled", v, ("Enabled",))
                for v in values(conf, ("object_lock_configuration", "object_lock_enabled"))]
        return out

    def connected(self, address: str, attrs: dict[str, Any]) -> Iterable[Observation]:
        return [Observation(f"{address} enables object lock on the bucket", PASSED)]


class S3Versioning(DeclaredCheck):
    keys = ("versioning/enabled", "versioning_configuration/status")
    linked = (("aws_s3_bucket_versioning", "bucket"),)
    absent = "versioning not enabled: no versioning block and no aws_s3_bucket_versioning"

    def __init__(self) -> None:
        super().__init__("S3 bucket has versioning enabled (inline versioning or aws_s3_bucket_versioning)",
                         "PACS_AWS_S3_VERSIONING", _BUCKET, CheckCategories.BACKUP_AND_RECOVERY)

    def inline(self, conf: dict[str, Any]) -> Iterable[Observation]:
        return [flag("versioning.enabled", v, True, False) for v in values(conf, ("versioning", "enabled"))]

    def connected(self, address: str, attrs: dict[str, Any]) -> Iterable[Observation]:
        found = values(attrs, ("versioning_configuration", "status"))
        return [all_of(address, [setting("versioning_configuration.status", v, ("Enabled",)) for v in found])] \
            if found else []


class S3PublicAccessBlock(DeclaredCheck):
    keys = _BLOCK_FLAGS
    linked = (("aws_s3_bucket_public_access_block", "bucket"),)
    absent = "no aws_s3_bucket_public_access_block for this bucket"

    def __init__(self) -> None:
        super().__init__("S3 bucket has a public access block with all four settings true",
                         "PACS_AWS_S3_PUBLIC_ACCESS_BLOCK", _BUCKET, CheckCategories.NETWORKING)

    def inline(self, conf: dict[str, Any]) -> Iterable[Observation]:
        return ()

    def connected(self, address: str, attrs: dict[str, Any]) -> Iterable[Observation]:
        flags = [flag(name, (values(attrs, (name,)) or [None])[0], True, False) for name in _BLOCK_FLAGS]
        return [all_of(address, flags)]


s3_encryption = S3Encryption()
s3_kms = S3Kms()
s3_object_lock = S3ObjectLock()
s3_versioning = S3Versioning()
s3_public_access_block = S3PublicAccessBlock()
