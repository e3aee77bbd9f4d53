"""One S3 bucket setting, as the fact the live collector reads (rules/facts/aws-storage.yaml), from
its inline block on ``aws_s3_bucket`` (provider < 4 syntax) or from its own sub-resource.

Each ``inline_*`` reader returns the :class:`Declared` setting, or None when the bucket does not
declare it inline; each ``child_*`` reader the setting a sub-resource declares. Absent arguments are
the provider's defaults; an unknown block or argument makes the part of the fact it decides unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, block, blocks
from policies.terraform.aws.folding import Declared
from policies.terraform.aws.kms import customer_managed
from policies.terraform.index import Index
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
PAB_FLAGS = ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")
DAYS_PER_YEAR = 365
_GROUPS = "http://acs.amazonaws.com/groups/"
ALL_USERS, AUTHENTICATED_USERS = f"{_GROUPS}global/AllUsers", f"{_GROUPS}global/AuthenticatedUsers"
LOG_DELIVERY = f"{_GROUPS}s3/LogDelivery"


def _group(uri: str, *permissions: str) -> list[dict[str, Any]]:
    return [{"grantee": uri, "type": "Group", "permission": p} for p in permissions]


#: canned ACL -> the grants it adds besides the owner's FULL_CONTROL (bucket-owner-* are object ACLs:
#: on a bucket they grant only the owner; aws-exec-read grants Amazon EC2, not the public)
CANNED_ACLS: Mapping[str, list[dict[str, Any]]] = {
    "private": [], "bucket-owner-read": [], "bucket-owner-full-control": [], "aws-exec-read": [],
    "public-read": _group(ALL_USERS, "READ"), "public-read-write": _group(ALL_USERS, "READ", "WRITE"),
    "authenticated-read": _group(AUTHENTICATED_USERS, "READ"),
    "log-delivery-write": _group(LOG_DELIVERY, "WRITE", "READ_ACP"),
}


def _unknown(what: str, why: Unknown) -> Unknown:
    return Unknown(f"{what}: {why.reason}", why.origin, why.error)


def _word(value: Any, yes: str, no: str) -> Any:
    """A boolean argument as the word the API uses (``Enabled``/``Suspended``...)."""
    if isinstance(value, Unknown):
        return value
    if value in (True, "true"):
        return yes
    if value in (False, "false"):
        return no
    return Unknown(f"not a boolean: {value!r}")


# --- default encryption ----------------------------------------------------------------------------


def _encryption(index: Index, instance: TfInstance, config: Any, argument: str) -> Any:
    if isinstance(config, Unknown):
        return _unknown("server-side encryption configuration", config)
    rule = block(config, "rule")
    if rule is None or isinstance(rule, Unknown):
        return rule if rule is None else _unknown("encryption rule", rule)
    default = block(rule, "apply_server_side_encryption_by_default")
    if default is None or isinstance(default, Unknown):
        return default if default is None else _unknown("apply_server_side_encryption_by_default", default)
    algorithm = arg(default, "sse_algorithm")
    key = arg(default, "kms_master_key_id")
    key = None if key == "" else key
    kms = not (isinstance(algorithm, str) and algorithm not in KMS_ALGORITHMS)
    return {"algorithm": algorithm, "kms_key_id": key,
            "customer_managed_key": customer_managed(index, instance, argument, key) if kms else None,
            "bucket_key": arg(rule, "bucket_key_enabled", False)}


def inline_encryption(index: Index, bucket: TfInstance) -> Declared | None:
    config = block(bucket.attrs, "server_side_encryption_configuration")
    if config is None:
        return None
    argument = "server_side_encryption_configuration"
    return Declared(bucket, _encryption(index, bucket, config, argument), (argument,))


def child_encryption(index: Index, child: TfInstance) -> Declared:
    return Declared(child, _encryption(index, child, child.attrs, "rule"), ("rule",))


# --- versioning, logging, ownership, public access blocks ---------------------------------------------


def inline_versioning(bucket: TfInstance) -> Declared | None:
    config = block(bucket.attrs, "versioning")
    if config is None:
        return None
    if isinstance(config, Unknown):
        return Declared(bucket, _unknown("versioning", config), ("versioning",))
    mfa = arg(config, "mfa_delete")
    value = {"status": _word(arg(config, "enabled", False), "Enabled", "Suspended"),
             "mfa_delete": None if mfa is None else _word(mfa, "Enabled", "Disabled")}
    return Declared(bucket, value, ("versioning",))


def child_versioning(child: TfInstance) -> Declared:
    config = block(child.attrs, "versioning_configuration")
    value: Any
    if config is None or isinstance(config, Unknown):
        value = _unknown("versioning_configuration", config) if config is not None else None
    else:
        value = {"status": arg(config, "status"), "mfa_delete": arg(config, "mfa_delete")}
    return Declared(child, value, ("versioning_configuration",))


def _logging(config: Any) -> Any:
    if isinstance(config, Unknown):
        return _unknown("logging", config)
    return {"target_bucket": arg(config, "target_bucket"), "target_prefix": arg(config, "target_prefix")}


def inline_logging(bucket: TfInstance) -> Declared | None:
    config = block(bucket.attrs, "logging")
    return None if config is None else Declared(bucket, _logging(config), ("logging",))


def child_logging(child: TfInstance) -> Declared:
    return Declared(child, _logging(child.attrs), ("target_bucket", "target_prefix"))


def child_ownership(child: TfInstance) -> Declared:
    rule = block(child.attrs, "rule")
    value: Any = None
    if isinstance(rule, Unknown):
        value = _unknown("ownership rule", rule)
    elif rule is not None:
        value = {"object_ownership": arg(rule, "object_ownership")}
    return Declared(child, value, ("rule",))


def public_access_block(instance: TfInstance) -> Declared:
    """The four flags of an ``aws_s3_bucket_public_access_block`` or ``aws_s3_account_public_access_block``
    (each false unless set)."""
    return Declared(instance, {flag: arg(instance.attrs, flag, False) for flag in PAB_FLAGS}, PAB_FLAGS)


# --- ACLs ------------------------------------------------------------------------------------------


def _canned(acl: Any) -> Any:
    if isinstance(acl, Unknown):
        return _unknown("acl", acl)
    grants = CANNED_ACLS.get(str(acl))
    return {"grants": list(grants)} if grants is not None else Unknown(f"acl {acl!r} is not a canned ACL")


def inline_acl(bucket: TfInstance) -> Declared | None:
    acl, grants = arg(bucket.attrs, "acl"), blocks(bucket.attrs, "grant")
    if acl is None and not grants:
        return None
    if acl is not None:
        return Declared(bucket, _canned(acl), ("acl",))
    out: list[Any] = []
    for grant in grants:
        if isinstance(grant, Unknown):
            out.append(grant)
            continue
        who = arg(grant, "uri") if arg(grant, "uri") is not None else arg(grant, "id")
        permissions = arg(grant, "permissions", [])
        for permission in permissions if isinstance(permissions, list) else [permissions]:
            out.append({"grantee": who, "type": arg(grant, "type"), "permission": permission})
    return Declared(bucket, {"grants": out}, ("grant",))


def child_acl(child: TfInstance) -> Declared:
    acl = arg(child.attrs, "acl")
    policy = block(child.attrs, "access_control_policy")
    if acl is not None or policy is None:
        return Declared(child, _canned(acl if acl is not None else "private"), ("acl",))
    if isinstance(policy, Unknown):
        return Declared(child, _unknown("access_control_policy", policy), ("access_control_policy",))
    out: list[Any] = []
    for grant in blocks(policy, "grant"):
        if isinstance(grant, Unknown):
            out.append(grant)
            continue
        grantee = block(grant, "grantee")
        if isinstance(grantee, Unknown) or grantee is None:
            out.append(_unknown("grantee", grantee) if grantee is not None else Unknown("grant without a grantee"))
            continue
        who = next((arg(grantee, k) for k in ("uri", "id", "email_address") if arg(grantee, k) is not None), None)
        out.append({"grantee": who, "type": arg(grantee, "type"), "permission": arg(grant, "permission")})
    return Declared(child, {"grants": out}, ("access_control_policy",))


# --- object lock -----------------------------------------------------------------------------------


def _retention(rule_holder: Any) -> dict[str, Any]:
    """Default retention (mode, days, years, both as days) of an object-lock configuration."""
    none = {"mode": None, "days": None, "years": None, "default_retention_days": None}
    rule = block(rule_holder, "rule")
    if rule is None:
        return none
    if isinstance(rule, Unknown):
        why = _unknown("object lock rule", rule)
        return dict.fromkeys(none, why)
    retention = block(rule, "default_retention")
    if retention is None or isinstance(retention, Unknown):
        return none if retention is None else dict.fromkeys(none, _unknown("default_retention", retention))
    days, years = arg(retention, "days"), arg(retention, "years")
    total: Any
    if isinstance(days, Unknown) or (days is None and isinstance(years, Unknown)):
        total = _unknown("default retention", days if isinstance(days, Unknown) else years)
    elif days is not None:
        total = days
    elif years is not None:
        total = years * DAYS_PER_YEAR if isinstance(years, int) else Unknown(f"years is not a number: {years!r}")
    else:
        total = Unknown("default_retention sets neither days nor years")
    return {"mode": arg(retention, "mode"), "days": days, "years": years, "default_retention_days": total}


def object_lock_flag(bucket: TfInstance) -> Any:
    """What ``object_lock_enabled = true`` (provider >= 4) or the legacy block's ``object_lock_enabled
    = "Enabled"`` says on the bucket: True, False or Unknown."""
    flag = arg(bucket.attrs, "object_lock_enabled", False)
    legacy = block(bucket.attrs, "object_lock_configuration")
    parts: list[Any] = [flag if isinstance(flag, Unknown) else flag in (True, "true")]
    if isinstance(legacy, Unknown):
        parts.append(_unknown("object_lock_configuration", legacy))
    elif legacy is not None:
        enabled = arg(legacy, "object_lock_enabled")
        parts.append(enabled if isinstance(enabled, Unknown) else enabled == "Enabled")
    if True in parts:
        return True
    unseen = [p for p in parts if isinstance(p, Unknown)]
    return unseen[0] if unseen else False


def _locked(enabled: Any, retention: dict[str, Any]) -> Any:
    """``object_lock`` for a known or unknown "enabled" (unknown: off, or on with this retention)."""
    on = {"enabled": "Enabled", **retention}
    if enabled is True:
        return on
    if enabled is False:
        return None
    return Unknown(f"whether object lock is enabled: {enabled.reason}", enabled.origin, enabled.error,
                   candidates=(None, on))


def inline_object_lock(bucket: TfInstance) -> tuple[Any, Declared | None]:
    """(the value the bucket alone gives ``object_lock``, the legacy block's declaration if any)."""
    flag = object_lock_flag(bucket)
    legacy = block(bucket.attrs, "object_lock_configuration")
    arguments = ("object_lock_enabled", "object_lock_configuration")
    if legacy is None:
        return _locked(flag, _retention({})), None
    retention = _retention(legacy) if not isinstance(legacy, Unknown) else _retention({"rule": legacy})
    return _locked(flag, retention), Declared(bucket, _locked(flag, retention), arguments)


def child_object_lock(child: TfInstance) -> Declared:
    """``aws_s3_bucket_object_lock_configuration`` enables object lock (also on an existing bucket)
    and replaces the default retention with its own."""
    enabled = arg(child.attrs, "object_lock_enabled", "Enabled")
    on = enabled if isinstance(enabled, Unknown) else enabled == "Enabled"
    return Declared(child, _locked(on, _retention(child.attrs)), ("object_lock_enabled", "rule"))


# --- replication -----------------------------------------------------------------------------------


def _replication(config: Any, rules_key: str) -> Any:
    if isinstance(config, Unknown):
        return _unknown("replication configuration", config)
    rules: list[Any] = []
    for rule in blocks(config, rules_key):
        if isinstance(rule, Unknown):
            rules.append(rule)
            continue
        destination = block(rule, "destination")
        bucket = destination if isinstance(destination, Unknown) else arg(destination or {}, "bucket")
        rules.append({"id": arg(rule, "id"), "status": arg(rule, "status"), "destination_bucket": bucket})
    return {"role": arg(config, "role"), "rules": rules}


def inline_replication(bucket: TfInstance) -> Declared | None:
    config = block(bucket.attrs, "replication_configuration")
    if config is None:
        return None
    return Declared(bucket, _replication(config, "rules"), ("replication_configuration",))


def child_replication(child: TfInstance) -> Declared:
    return Declared(child, _replication(child.attrs, "rule"), ("role", "rule"))
