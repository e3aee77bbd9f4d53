"""From the API operations the collector performed to the IAM actions that authorize them.

``AwsSession.calls`` records ``"<signing name>:<operation>"`` (``s3:GetBucketEncryption``,
``elasticloadbalancing:DescribeSSLPolicies``). Mostly that *is* the IAM action; where it is not,
:data:`IAM_ACTIONS` says which action(s) AWS checks. ``s3:GetPublicAccessBlock`` is ambiguous as
recorded: the bucket call (S3) and the account call (S3 Control) share the operation name and the
``s3`` signing name, so it maps to both actions. :func:`uncovered` tells which required actions a
policy document (``policies/iam/pacscan-aws-readonly.json``) does not allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

#: recorded operation -> IAM action(s), only where they differ
IAM_ACTIONS: Mapping[str, tuple[str, ...]] = {
    "s3:ListBuckets": ("s3:ListAllMyBuckets",),
    "s3:HeadBucket": ("s3:ListBucket",),
    "s3:GetBucketEncryption": ("s3:GetEncryptionConfiguration",),
    "s3:GetPublicAccessBlock": ("s3:GetBucketPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
    "s3:GetBucketLifecycleConfiguration": ("s3:GetLifecycleConfiguration",),
    "s3:GetBucketLifecycle": ("s3:GetLifecycleConfiguration",),
    "s3:GetBucketReplication": ("s3:GetReplicationConfiguration",),
    "s3:GetObjectLockConfiguration": ("s3:GetBucketObjectLockConfiguration",),
    "cloudfront:ListDistributions2020_05_31": ("cloudfront:ListDistributions",),
    "cloudfront:GetDistribution2020_05_31": ("cloudfront:GetDistribution",),
}

#: recorded operations the scanned account's policy does not authorize: assuming the scan role is
#: a permission of the caller's own identity (and its trust policy), not of the read-only role.
NOT_IN_ROLE_POLICY = frozenset({"sts:AssumeRole"})


def required_actions(calls: Iterable[str]) -> set[str]:
    """IAM actions needed for these recorded operations (``Counter`` keys work too)."""
    out: set[str] = set()
    for call in calls:
        if call in NOT_IN_ROLE_POLICY:
            continue
        out.update(IAM_ACTIONS.get(call, (call,)))
    return out


def allowed_patterns(policy: Mapping[str, Any]) -> list[str]:
    """The ``Action`` patterns of every ``Allow`` statement (this policy has no ``NotAction``/``Deny``)."""
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    patterns: list[str] = []
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        patterns += [actions] if isinstance(actions, str) else list(actions)
    return patterns


def uncovered(actions: Iterable[str], policy: Mapping[str, Any]) -> set[str]:
    """Required actions no ``Allow`` pattern matches (IAM action names are case-insensitive)."""
    patterns = [p.lower() for p in allowed_patterns(policy)]
    return {a for a in actions if not any(fnmatchcase(a.lower(), p) for p in patterns)}
