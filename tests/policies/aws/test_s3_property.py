"""Property: in a configuration where every S3 bucket and KMS key rule passes, replacing any argument
that decides a rule with a form nobody can resolve (what the evaluator gives for an unset typed
variable, an iterator over an unknown collection, a data source, a function of a variable, an
attribute of another resource known only after apply) never leaves that rule ``pass``.

Each deciding argument (one some other value would make fail) is listed with the rules it decides; a
rule it does not decide may still pass (the ACL sub-resource says "private", which is also the default
without it, so not knowing which bucket it configures changes nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.catalog import Catalog, load_catalog
from scanner.engine.evaluate import judge
from scanner.facts.values import PartialDict, Unknown
from scanner.iac.tfmodel import TfInstance
from tests.policies.aws.support import inst, resources

S3_RULES = ("AWS-S3-ENCRYPTION", "AWS-S3-KMS-CMK", "AWS-S3-SECURE-TRANSPORT", "AWS-S3-NETWORK-RESTRICTED",
            "AWS-S3-PUBLIC-ACCESS-BLOCK", "AWS-S3-POLICY-NOT-PUBLIC", "AWS-S3-ACL-NOT-PUBLIC",
            "AWS-S3-OWNERSHIP-ENFORCED", "AWS-S3-ACCESS-LOGGING", "AWS-S3-VERSIONING", "AWS-S3-OBJECT-LOCK",
            "AWS-S3-OBJECT-LOCK-RETENTION", "AWS-S3-LIFECYCLE-RETENTION")
SCOPE = {"tags": {"data": "dicom"}, "name_patterns": []}
ARN = "arn:aws:s3:::pacs"


def _policy(vpce: Any = "vpce-1", tls: Any = "false", resource: Any = ARN, effect: Any = "Deny",
            principal: Any = "*", action: Any = "s3:*") -> dict[str, Any]:
    both = [resource, f"{ARN}/*"]
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Principal": principal, "Action": action, "Resource": both,
         "Condition": {"Bool": {"aws:SecureTransport": tls}}},
        {"Effect": effect, "Principal": principal, "Action": action, "Resource": both,
         "Condition": {"StringNotEquals": {"aws:SourceVpce": vpce}}}]}


def passing() -> dict[str, dict[str, Any]]:
    """address -> attrs of a configuration that passes every S3 and KMS rule."""
    return {
        "aws_kms_key.k": {"enable_key_rotation": True},
        "aws_s3_bucket.pacs": {"bucket": "pacs", "tags": {"data": "dicom"}, "object_lock_enabled": True},
        "aws_s3_bucket_server_side_encryption_configuration.e": {"bucket": "pacs", "rule": [
            {"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": Unknown(
                "aws_kms_key.k.arn is known only after apply", symbol="aws_kms_key.k.arn")}]}]},
        "aws_s3_bucket_versioning.v": {"bucket": "pacs", "versioning_configuration": [{"status": "Enabled"}]},
        "aws_s3_bucket_public_access_block.p": {"bucket": "pacs", "block_public_acls": True,
                                                "ignore_public_acls": True, "block_public_policy": True,
                                                "restrict_public_buckets": True},
        "aws_s3_bucket_ownership_controls.o": {"bucket": "pacs", "rule": [{"object_ownership": "BucketOwnerEnforced"}]},
        "aws_s3_bucket_policy.bp": {"bucket": "pacs", "policy": Unknown("jsonencode of unknown parts",
                                                                      partial=_policy())},
        "aws_s3_bucket_logging.l": {"bucket": "pacs", "target_bucket": "pacs-logs"},
        "aws_s3_bucket_acl.a": {"bucket": "pacs", "acl": "private"},
        "aws_s3_bucket_object_lock_configuration.ol": {"bucket": "pacs", "rule": [
            {"default_retention": [{"mode": "COMPLIANCE", "years": 7}]}]},
        "aws_s3_bucket_lifecycle_configuration.lc": {"bucket": "pacs", "rule": [
            {"id": "keep", "status": "Enabled", "expiration": [{"days": 3650}],
             "noncurrent_version_expiration": [{"noncurrent_days": 3650}]}]},
    }


REFS = {"aws_s3_bucket_server_side_encryption_configuration.e": {"rule": ("aws_kms_key.k",)}}
E, POL = "aws_s3_bucket_server_side_encryption_configuration.e", "aws_s3_bucket_policy.bp"
SSE = ("rule", 0, "apply_server_side_encryption_by_default", 0)
LINKED = {  # a sub-resource's link decides the rules reading what it sets, where the default would fail
    E: ("AWS-S3-ENCRYPTION", "AWS-S3-KMS-CMK"), "aws_s3_bucket_versioning.v": ("AWS-S3-VERSIONING",),
    "aws_s3_bucket_public_access_block.p": ("AWS-S3-PUBLIC-ACCESS-BLOCK",),
    "aws_s3_bucket_ownership_controls.o": ("AWS-S3-OWNERSHIP-ENFORCED",),
    POL: ("AWS-S3-SECURE-TRANSPORT", "AWS-S3-NETWORK-RESTRICTED"),
    "aws_s3_bucket_logging.l": ("AWS-S3-ACCESS-LOGGING",),
}
#: (address, path into its attrs) -> the rules that argument decides
DECIDING: dict[tuple[str, tuple[Any, ...]], tuple[str, ...]] = {
    **{(address, ("bucket",)): rules for address, rules in LINKED.items()},
    ("aws_s3_bucket.pacs", ("bucket",)): ("AWS-S3-ENCRYPTION", "AWS-S3-VERSIONING", "AWS-S3-SECURE-TRANSPORT"),
    ("aws_s3_bucket.pacs", ("tags",)): S3_RULES,
    ("aws_s3_bucket.pacs", ("tags", "data")): S3_RULES,
    (E, (*SSE, "sse_algorithm")): ("AWS-S3-ENCRYPTION", "AWS-S3-KMS-CMK"),
    (E, (*SSE, "kms_master_key_id")): ("AWS-S3-KMS-CMK",),
    (E, ("rule",)): ("AWS-S3-ENCRYPTION", "AWS-S3-KMS-CMK"),
    ("aws_s3_bucket_versioning.v", ("versioning_configuration", 0, "status")): ("AWS-S3-VERSIONING",),
    **{("aws_s3_bucket_public_access_block.p", (flag,)): ("AWS-S3-PUBLIC-ACCESS-BLOCK",)
       for flag in ("block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets")},
    ("aws_s3_bucket_ownership_controls.o", ("rule", 0, "object_ownership")): ("AWS-S3-OWNERSHIP-ENFORCED",),
    ("aws_s3_bucket_ownership_controls.o", ("rule",)): ("AWS-S3-OWNERSHIP-ENFORCED",),
    (POL, ("policy",)): ("AWS-S3-SECURE-TRANSPORT", "AWS-S3-NETWORK-RESTRICTED", "AWS-S3-POLICY-NOT-PUBLIC"),
    (POL, ("policy", "Statement", 0, "Condition", "Bool", "aws:SecureTransport")): ("AWS-S3-SECURE-TRANSPORT",),
    (POL, ("policy", "Statement", 0, "Resource", 0)): ("AWS-S3-SECURE-TRANSPORT",),
    (POL, ("policy", "Statement", 0, "Effect")): ("AWS-S3-SECURE-TRANSPORT", "AWS-S3-POLICY-NOT-PUBLIC"),
    (POL, ("policy", "Statement", 0, "Principal")): ("AWS-S3-SECURE-TRANSPORT",),
    (POL, ("policy", "Statement", 0, "Action")): ("AWS-S3-SECURE-TRANSPORT",),
    (POL, ("policy", "Statement", 0, "Condition")): ("AWS-S3-SECURE-TRANSPORT",),
    (POL, ("policy", "Statement", 1, "Condition", "StringNotEquals")): ("AWS-S3-NETWORK-RESTRICTED",),
    (POL, ("policy", "Statement", 1, "Resource", 0)): ("AWS-S3-NETWORK-RESTRICTED",),
    (POL, ("policy", "Statement", 1)): ("AWS-S3-NETWORK-RESTRICTED", "AWS-S3-POLICY-NOT-PUBLIC"),
    ("aws_s3_bucket_acl.a", ("acl",)): ("AWS-S3-ACL-NOT-PUBLIC",),
    ("aws_s3_bucket_object_lock_configuration.ol", ("rule", 0, "default_retention", 0, "years")):
        ("AWS-S3-OBJECT-LOCK-RETENTION",),
    ("aws_s3_bucket_object_lock_configuration.ol", ("rule",)): ("AWS-S3-OBJECT-LOCK-RETENTION",),
    ("aws_s3_bucket_lifecycle_configuration.lc", ("rule", 0, "expiration", 0, "days")):
        ("AWS-S3-LIFECYCLE-RETENTION",),
    ("aws_s3_bucket_lifecycle_configuration.lc", ("rule", 0, "noncurrent_version_expiration", 0,
                                                  "noncurrent_days")): ("AWS-S3-LIFECYCLE-RETENTION",),
    ("aws_s3_bucket_lifecycle_configuration.lc", ("rule",)): ("AWS-S3-LIFECYCLE-RETENTION",),
    ("aws_kms_key.k", ("enable_key_rotation",)): ("AWS-KMS-ROTATION",),
    ("aws_kms_key.k", ("customer_master_key_spec",)): ("AWS-KMS-ROTATION",),
}

#: the unresolvable forms: (name, value, references its top-level argument gains)
Form = tuple[str, Unknown, tuple[str, ...]]
FORMS: tuple[Callable[[], Form], ...] = (
    lambda: ("unset typed variable", Unknown('variable "x" has no value: declared without a default'), ()),
    lambda: ("iterator over an unknown collection",
             Unknown("each.value: for_each is unknown (variable \"items\" has no value)", spread=False), ()),
    lambda: ("data source", Unknown("data.aws_ssm_parameter.p.value is known only after apply",
                                    symbol="data.aws_ssm_parameter.p.value"), ("data.aws_ssm_parameter.p",)),
    lambda: ("function of a variable", Unknown('lower: argument 1 is unknown (variable "x" has no value)'), ()),
    lambda: ("attribute of another resource", Unknown("aws_ssm_parameter.q.value is known only after apply",
                                                      symbol="aws_ssm_parameter.q.value"), ("aws_ssm_parameter.q",)),
    lambda: ("dynamic blocks over an unknown collection",
             Unknown("dynamic block: for_each is unknown", spread=True), ()),
)
EXTRA = (inst("data.aws_ssm_parameter.p"), inst("aws_ssm_parameter.q"))


@cache
def catalog() -> Catalog:
    return load_catalog()


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, Unknown) and node.partial is not None:
        return Unknown(node.reason, partial=_replace(node.partial, path, value))
    if isinstance(node, list):
        return [_replace(item, rest, value) if i == head else item for i, item in enumerate(node)]
    if isinstance(node, PartialDict):
        return PartialDict({**node, head: _replace(node.get(head), rest, value)}, node.rest)
    return {**node, head: _replace(node.get(head), rest, value)}


def verdicts(attrs: dict[str, dict[str, Any]], refs: dict[str, dict[str, tuple[str, ...]]]) -> dict[str, str]:
    instances: list[TfInstance] = [inst(a, v, refs.get(a)) for a, v in attrs.items()]
    found = list(resources(*instances, *EXTRA).values())
    findings = judge(catalog(), {**catalog().defaults(), "imaging_data": SCOPE}, found)
    return {f.check_id: f.status.value for f in findings}


def test_the_configuration_passes_every_rule() -> None:
    assert verdicts(passing(), REFS) == dict.fromkeys((*S3_RULES, "AWS-KMS-ROTATION"), "pass")


@pytest.mark.parametrize("argument", sorted(DECIDING, key=str), ids=lambda a: f"{a[0]}:{'.'.join(map(str, a[1]))}")
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_unresolvable_deciding_argument_never_passes(argument: tuple[str, tuple[Any, ...]],
                                                        data: st.DataObject) -> None:
    address, path = argument
    name, value, gained = data.draw(st.sampled_from(FORMS).map(lambda make: make()), label="form")
    if value.spread and isinstance(path[-1], str) and path[-1] not in ("rule", "Statement"):
        value = Unknown(value.reason)  # a dynamic block stands in a list; elsewhere it is a plain unknown
    if data.draw(st.booleans(), label="as the rest of a map") and path == ("tags",):
        value = PartialDict({}, value)  # merge(var.tags, {}): no key known
    attrs = passing()
    attrs[address] = _replace(attrs[address], path, value)
    refs = {a: dict(r) for a, r in REFS.items()}
    if gained:
        top = refs.setdefault(address, {})
        top[str(path[0])] = (*top.get(str(path[0]), ()), *gained)
    got = verdicts(attrs, refs)
    passed = [rule for rule in DECIDING[argument] if got.get(rule) == "pass"]
    assert passed == [], f"{name} at {address}.{path} still passes {passed}"
