"""S3 facts that S3's own rules make certain from facts already read, so their call is not made.

Each function answers ``(value, origin)`` when the fact is certain, else None (the call is made);
``scanner/collectors/planned.py`` applies them in the order ``reads.py`` declares (``after``):

* ``policy_status``: no bucket policy has no policy status (GetBucketPolicyStatus would answer
  NoSuchBucketPolicy, read as None); a policy whose every Allow names fixed principals is not public,
  by AWS's definition of a public policy (one granting to a wildcard or non-fixed principal);
* ``acl``: with object ownership ``BucketOwnerEnforced`` ACLs are disabled: S3 refuses any ACL but
  the bucket owner's full control, and refuses to enforce ownership while another grant exists;
* ``object_lock``: Object Lock works only on versioned buckets (enabling it enables versioning), so a
  bucket whose versioning was never enabled has no object lock. (S3 also refuses to suspend
  versioning under Object Lock, but emulators accept it, so a suspended bucket is still asked.)

The bucket policy is normalized here too: the raw document is never kept as a fact.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from scanner.bucketpolicy import Bucket, bucket_policy_facts
from scanner.collectors.planned import Implied
from scanner.collectors.reader import FactReader


def normalize_policy(document: str | None, bucket: str) -> Any:
    """What the bucket policy of ``bucket`` says, as facts: the same reading as for Terraform
    (:func:`scanner.bucketpolicy.bucket_policy_facts`). Raises ValueError for JSON that does not parse."""
    if document is None:
        return None
    policy, _status = bucket_policy_facts(json.loads(document), Bucket(bucket))
    return policy


class PolicyReading:
    """Reads one bucket's policy (GetBucketPolicy) into ``policy`` facts, and knows whether AWS could
    call it public at all."""

    def __init__(self, reader: FactReader, bucket: str, call: Callable[[], Any]) -> None:
        self.reader = reader
        self.bucket = bucket
        self.call = call
        self.fixed_principals = False

    def read(self) -> None:
        document = self.reader.read("policy", self.call, lambda r: r.get("Policy"))
        if document is None:
            return
        try:
            self.reader.facts["policy"] = normalize_policy(document, self.bucket)
            self.fixed_principals = grants_only_to_fixed_principals(json.loads(document))
        except ValueError as err:  # json.JSONDecodeError: a document AWS returned but we cannot read
            del self.reader.facts["policy"]
            self.reader.errors["policy"] = f"bucket policy is not valid JSON: {err}"

    def status(self, facts: Mapping[str, Any]) -> Implied:
        if facts.get("policy") is None:
            return None, "GetBucketPolicy: no bucket policy, so none AWS could call public"
        if self.fixed_principals:
            return {"is_public": False}, ("GetBucketPolicy: every Allow names fixed principals, and AWS calls a "
                                          "bucket policy public only when one grants to a wildcard principal")
        return None


def owner_only_acl(owner: str | None, facts: Mapping[str, Any]) -> Implied:
    ownership = facts.get("ownership")
    if not isinstance(ownership, Mapping) or ownership.get("object_ownership") != "BucketOwnerEnforced":
        return None
    grants = [{"grantee": owner, "type": "CanonicalUser", "permission": "FULL_CONTROL"}] if owner else []
    return {"grants": grants}, ("GetBucketOwnershipControls: BucketOwnerEnforced disables ACLs; S3 keeps only "
                                "the bucket owner's full control and refuses any other grant")


def no_lock_without_versioning(facts: Mapping[str, Any]) -> Implied:
    """Only for versioning never enabled: S3 refuses to suspend versioning under Object Lock, but an
    emulator may not, and a suspended bucket is rare enough to ask."""
    versioning = facts.get("versioning")
    status = versioning.get("status") if isinstance(versioning, Mapping) else None
    if status is not None:
        return None
    return None, ("GetBucketVersioning: versioning was never enabled, and S3 Object Lock works only on versioned "
                  "buckets (enabling it enables versioning)")


def grants_only_to_fixed_principals(document: Any) -> bool:
    """Does every statement that could allow something name fixed principals only (no wildcard, no
    ``NotPrincipal``, no policy variable)? AWS calls a bucket policy public only when some Allow grants
    to a non-fixed principal (conditions may still make such a grant non-public: then AWS is asked)."""
    statements = document.get("Statement", []) if isinstance(document, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return False
    for statement in statements:
        if not isinstance(statement, Mapping):
            return False
        if statement.get("Effect") == "Deny":
            continue
        if "NotPrincipal" in statement or not _fixed(statement.get("Principal")):
            return False
    return True


def _fixed(principal: Any) -> bool:
    if isinstance(principal, str):
        return bool(principal) and not any(c in principal for c in ("*", "?", "${"))
    if isinstance(principal, Mapping):
        return bool(principal) and all(_fixed(v) for v in principal.values())
    if isinstance(principal, list):
        return bool(principal) and all(_fixed(v) for v in principal)
    return False
