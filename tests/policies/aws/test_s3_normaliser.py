"""The S3 bucket and KMS key normalisers on small hand-built configurations: each test names the
semantic it asserts (policies/terraform/aws/s3_bucket.py, s3_settings.py, s3_lifecycle.py, kms.py,
folding.py)."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.facts.values import PartialDict, Unknown
from tests.policies.aws.support import after_apply, bucket, inst, resources, var

PAB = {"block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True,
       "restrict_public_buckets": True}


def facts(*instances: Any, address: str = "aws_s3_bucket.pacs") -> dict[str, Any]:
    return dict(resources(*instances)[address].facts)


def sse(algorithm: str, key: Any = None) -> list[dict[str, Any]]:
    default: dict[str, Any] = {"sse_algorithm": algorithm}
    if key is not None:
        default["kms_master_key_id"] = key
    return [{"apply_server_side_encryption_by_default": [default]}]


def test_a_bare_bucket_has_the_defaults_of_a_bucket_this_configuration_creates() -> None:
    got = facts(bucket())
    assert got == {
        "location": None, "encryption": None, "versioning": None, "public_access_block": None,
        "account_public_access_block": None, "ownership": None, "logging": None, "acl": {"grants": []},
        "object_lock": None, "lifecycle": None, "replication": None, "policy": None, "policy_status": None,
        "tags": {},
    }


def test_inline_and_sub_resource_settings_read_the_same() -> None:
    inline = facts(bucket(versioning=[{"enabled": True}], server_side_encryption_configuration=[
        {"rule": sse("aws:kms", "arn:aws:kms:us-east-1:111122223333:key/k")}], logging=[{"target_bucket": "logs"}]))
    child = facts(bucket(),
                  inst("aws_s3_bucket_versioning.v", {"bucket": "pacs", "versioning_configuration": [
                      {"status": "Enabled"}]}),
                  inst("aws_s3_bucket_server_side_encryption_configuration.e", {"bucket": "pacs", "rule": sse(
                      "aws:kms", "arn:aws:kms:us-east-1:111122223333:key/k")}),
                  inst("aws_s3_bucket_logging.l", {"bucket": "pacs", "target_bucket": "logs"}))
    for key in ("versioning", "encryption", "logging"):
        assert inline[key] == child[key], key
    assert inline["encryption"]["customer_managed_key"] is True


@pytest.mark.parametrize(("key", "expected"), [
    (None, False),  # aws:kms without a key: the AWS-managed aws/s3 key
    ("alias/aws/s3", False),
    ("arn:aws:kms:eu-west-1:111122223333:alias/aws/s3", False),
    ("alias/pacs", True),  # a customer alias cannot name an AWS-managed key
    ("arn:aws:kms:eu-west-1:111122223333:key/0b5f0c8e-6a2f-4c3e-9e6a-1f2e3d4c5b6a", True),
])
def test_which_literal_keys_are_customer_managed(key: str | None, expected: bool) -> None:
    got = facts(bucket(server_side_encryption_configuration=[{"rule": sse("aws:kms", key)}]))
    assert got["encryption"]["customer_managed_key"] is expected


def test_a_key_known_only_after_apply_is_decided_by_what_it_refers_to() -> None:
    key = inst("aws_kms_key.k")
    lookup = inst("data.aws_kms_key.s3", {"key_id": "alias/aws/s3"})
    other = inst("data.aws_kms_key.other", {"key_id": "alias/shared"})
    param = inst("aws_ssm_parameter.p")

    def cmk(value: Any, refs: tuple[str, ...]) -> Any:
        child = inst("aws_s3_bucket_server_side_encryption_configuration.e",
                     {"bucket": "pacs", "rule": sse("aws:kms", value)}, {"rule": refs})
        return facts(bucket(), key, lookup, other, param, child)["encryption"]["customer_managed_key"]

    assert cmk(after_apply("aws_kms_key.k", "arn"), ("aws_kms_key.k",)) is True
    assert cmk(after_apply("data.aws_kms_key.s3", "arn"), ("data.aws_kms_key.s3",)) is False
    assert isinstance(cmk(after_apply("data.aws_kms_key.other", "arn"), ("data.aws_kms_key.other",)), Unknown)
    assert isinstance(cmk(after_apply("aws_ssm_parameter.p", "value"), ("aws_ssm_parameter.p",)), Unknown)
    assert isinstance(cmk(var("key"), ()), Unknown)
    # a conditional between the managed key and the AWS one: decided only if both answers agree
    either = Unknown("condition unknown", candidates=(after_apply("aws_kms_key.k", "arn"), "alias/aws/s3"))
    assert isinstance(cmk(either, ("aws_kms_key.k",)), Unknown)
    both = Unknown("condition unknown", candidates=(after_apply("aws_kms_key.k", "arn"), "alias/pacs"))
    assert cmk(both, ("aws_kms_key.k",)) is True
    # coalesce(var.key, aws_kms_key.k.arn): no symbol, and a variable nobody set may win
    mixed = Unknown('coalesce: argument 1 is unknown (variable "key" has no value)')
    assert isinstance(cmk(mixed, ("aws_kms_key.k",)), Unknown)


def test_in_a_plan_every_variable_is_known_so_the_references_decide() -> None:
    child = inst("aws_s3_bucket_server_side_encryption_configuration.e", {"bucket": "pacs", "rule": sse(
        "aws:kms", Unknown("known only after apply"))}, {"rule": ("aws_kms_key.k",)}, plan=True)
    got = facts(bucket(), inst("aws_kms_key.k", plan=True), child)
    assert got["encryption"]["customer_managed_key"] is True


def test_no_kms_algorithm_means_no_customer_key_question() -> None:
    assert facts(bucket(server_side_encryption_configuration=[{"rule": sse("AES256")}]))["encryption"] == {
        "algorithm": "AES256", "kms_key_id": None, "customer_managed_key": None, "bucket_key": False}


def test_a_sub_resource_that_may_configure_the_bucket_makes_its_setting_unknown_both_ways() -> None:
    maybe = inst("aws_s3_bucket_versioning.v", {"bucket": var("target"), "versioning_configuration": [
        {"status": "Enabled"}]})
    got = facts(bucket(), maybe)["versioning"]
    assert isinstance(got, Unknown) and got.candidates == (None, {"status": "Enabled", "mfa_delete": None})
    assert "aws_s3_bucket_versioning.v may configure this bucket" in got.reason


def test_a_sub_resource_whose_count_is_unknown_may_or_may_not_configure_it() -> None:
    maybe = inst("aws_s3_bucket_versioning.v", {"bucket": "pacs", "versioning_configuration": [
        {"status": "Enabled"}]}, exists=var("enable_versioning"))
    got = facts(bucket(), maybe)["versioning"]
    assert isinstance(got, Unknown) and got.candidates[0] is None
    assert "whether it exists is not known" in got.reason


def test_two_declarations_that_differ_are_configured_twice_and_agreeing_ones_are_not() -> None:
    enabled = {"versioning_configuration": [{"status": "Enabled"}]}
    suspended = {"versioning_configuration": [{"status": "Suspended"}]}
    twice = facts(bucket(), inst("aws_s3_bucket_versioning.a", {"bucket": "pacs", **enabled}),
                  inst("aws_s3_bucket_versioning.b", {"bucket": "pacs", **suspended}))["versioning"]
    assert isinstance(twice, Unknown) and "configured 2 times" in twice.reason
    same = facts(bucket(), inst("aws_s3_bucket_versioning.a", {"bucket": "pacs", **enabled}),
                 inst("aws_s3_bucket_versioning.b", {"bucket": "pacs", **enabled}))["versioning"]
    assert same == {"status": "Enabled", "mfa_delete": None}


def test_a_sub_resource_naming_another_bucket_configures_nothing_here() -> None:
    elsewhere = inst("aws_s3_bucket_versioning.v", {"bucket": "somebody-elses", "versioning_configuration": [
        {"status": "Enabled"}]})
    assert facts(bucket(), elsewhere)["versioning"] is None


def test_the_account_public_access_block_applies_to_every_bucket() -> None:
    account = inst("aws_s3_account_public_access_block.a", dict(PAB))
    found = resources(bucket("one"), bucket("two"), account)
    assert {a: r.facts["account_public_access_block"] for a, r in found.items()} == {
        "aws_s3_bucket.one": PAB, "aws_s3_bucket.two": PAB}
    partial = inst("aws_s3_account_public_access_block.a", {"block_public_acls": True,
                                                            "restrict_public_buckets": var("restrict")})
    got = facts(bucket(), partial)["account_public_access_block"]
    assert got["ignore_public_acls"] is False and isinstance(got["restrict_public_buckets"], Unknown)


def test_object_lock_sub_resource_enables_it_and_replaces_the_default_retention() -> None:
    lock = inst("aws_s3_bucket_object_lock_configuration.l", {"bucket": "pacs", "rule": [
        {"default_retention": [{"mode": "COMPLIANCE", "years": 7}]}]})
    assert facts(bucket(), lock)["object_lock"] == {"enabled": "Enabled", "mode": "COMPLIANCE", "days": None,
                                                   "years": 7, "default_retention_days": 7 * 365}
    legacy = bucket(object_lock_configuration=[{"object_lock_enabled": "Enabled", "rule": [
        {"default_retention": [{"mode": "GOVERNANCE", "days": 30}]}]}])
    both = facts(legacy, lock)["object_lock"]
    assert isinstance(both, Unknown) and "configured 2 times" in both.reason
    assert facts(bucket(object_lock_enabled=False))["object_lock"] is None
    flag = facts(bucket(object_lock_enabled=var("lock")))["object_lock"]
    assert isinstance(flag, Unknown) and flag.candidates[0] is None


def test_lifecycle_rules_read_expirations_and_leave_dates_unknown() -> None:
    rules = [{"id": "a", "status": "Enabled", "filter": [{"prefix": "tmp/"}], "expiration": [{"days": 30}]},
             {"id": "b", "status": "Disabled", "expiration": [{"date": "2030-01-01T00:00:00Z"}]},
             {"id": "c", "status": "Enabled", "noncurrent_version_expiration": [{"noncurrent_days": 0}]},
             Unknown("dynamic rule: for_each is unknown", spread=True)]
    got = facts(bucket(), inst("aws_s3_bucket_lifecycle_configuration.l", {"bucket": "pacs", "rule": rules}))
    first, second, third, unseen = got["lifecycle"]["rules"]
    assert first == {"id": "a", "status": "Enabled", "expiration_days": 30, "expiration_date": None,
                     "noncurrent_expiration_days": None}
    assert isinstance(second["expiration_days"], Unknown) and second["expiration_date"] == "2030-01-01T00:00:00Z"
    assert third["noncurrent_expiration_days"] is None  # the provider does not send 0 days
    assert isinstance(unseen, Unknown) and unseen.spread
    inline = facts(bucket(lifecycle_rule=[{"enabled": False, "expiration": [{"days": 1}]},
                                          {"enabled": True, "noncurrent_version_expiration": [{"days": 7}]}]))
    assert [(r["status"], r["expiration_days"], r["noncurrent_expiration_days"])
            for r in inline["lifecycle"]["rules"]] == [("Disabled", 1, None), ("Enabled", None, 7)]


@pytest.mark.parametrize(("acl", "grantees"), [
    ("private", []), ("public-read", ["AllUsers"]), ("public-read-write", ["AllUsers", "AllUsers"]),
    ("authenticated-read", ["AuthenticatedUsers"]), ("log-delivery-write", ["LogDelivery", "LogDelivery"]),
])
def test_canned_acls_are_the_grants_they_make(acl: str, grantees: list[str]) -> None:
    got = facts(bucket(), inst("aws_s3_bucket_acl.a", {"bucket": "pacs", "acl": acl}))["acl"]["grants"]
    assert [g["grantee"].rsplit("/", 1)[-1] for g in got] == grantees


def test_acl_grants_written_out_and_unknown_acls() -> None:
    policy = [{"grant": [{"grantee": [{"type": "Group", "uri": "http://acs.amazonaws.com/groups/global/AllUsers"}],
                          "permission": "READ"}], "owner": [{"id": "abc"}]}]
    got = facts(bucket(), inst("aws_s3_bucket_acl.a", {"bucket": "pacs", "access_control_policy": policy}))
    assert got["acl"] == {"grants": [{"grantee": "http://acs.amazonaws.com/groups/global/AllUsers", "type": "Group",
                                      "permission": "READ"}]}
    assert isinstance(facts(bucket(acl=var("acl")))["acl"], Unknown)
    assert isinstance(facts(bucket(acl="website"))["acl"], Unknown)  # not a canned ACL


def test_policy_and_its_status_from_the_document() -> None:
    document = ('{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", '
                '"Resource": ["arn:aws:s3:::pacs", "arn:aws:s3:::pacs/*"], '
                '"Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}')
    got = facts(bucket(policy=document))
    assert got["policy"] == {"statement_count": 1, "denies_insecure_transport": True, "network_denies": []}
    assert got["policy_status"] == {"is_public": False}
    maybe = facts(bucket(), inst("aws_s3_bucket_policy.p", {"bucket": var("b"), "policy": document}))
    assert isinstance(maybe["policy"], Unknown) and maybe["policy"].candidates[0] is None
    assert maybe["policy_status"].candidates == (None, {"is_public": False})


def test_the_bucket_name_and_tags_feed_the_scope_as_evaluated() -> None:
    generated = resources(inst("aws_s3_bucket.b", {"bucket_prefix": "pacs-", "tags": PartialDict(
        {"team": "radiology"}, var("tags"))}))["aws_s3_bucket.b"]
    name = generated.names[0]
    assert isinstance(name, Unknown) and "bucket_prefix 'pacs-'" in name.reason
    assert generated.names[1] == "b"
    assert isinstance(generated.tags, PartialDict) and generated.tags["team"] == "radiology"


def test_origins_traces_and_what_configured_the_bucket() -> None:
    child = inst("aws_s3_bucket_versioning.v", {"bucket": "pacs", "versioning_configuration": [
        {"status": var("status")}]}, line=9)
    child = type(child)(**{**child.__dict__, "trace": {"versioning_configuration": ("var.status = (unknown)",)}})
    found = resources(bucket(), child)["aws_s3_bucket.pacs"]
    assert found.origins["versioning"].startswith("aws_s3_bucket_versioning.v (")
    assert found.origins["encryption"].startswith("aws_s3_bucket.pacs (")
    assert found.trace["versioning"] == ("var.status = (unknown)",)
    assert [address for address, _ in found.configured_by] == ["aws_s3_bucket_versioning.v"]


def test_kms_key_facts_as_describe_key_gives_them() -> None:
    keys = resources(inst("aws_kms_key.plain"), inst("aws_kms_key.rotated", {"enable_key_rotation": True}),
                     inst("aws_kms_key.hmac", {"customer_master_key_spec": "HMAC_256"}),
                     inst("aws_kms_key.store", {"custom_key_store_id": "cks-1", "xks_key_id": "x"}),
                     inst("aws_kms_key.off", {"is_enabled": False}))
    assert keys["aws_kms_key.plain"].facts == {
        "key_manager": "CUSTOMER", "state": "Enabled", "key_spec": "SYMMETRIC_DEFAULT", "key_usage": "ENCRYPT_DECRYPT",
        "origin": "AWS_KMS", "multi_region": False, "rotation": {"enabled": False, "period_days": None}, "tags": {}}
    assert keys["aws_kms_key.rotated"].facts["rotation"] == {"enabled": True, "period_days": 365}
    assert keys["aws_kms_key.hmac"].facts["rotation"] is None
    assert keys["aws_kms_key.store"].facts["origin"] == "EXTERNAL_KEY_STORE"
    assert keys["aws_kms_key.store"].facts["rotation"] is None
    assert keys["aws_kms_key.off"].facts["state"] == "Disabled"
    spec = resources(inst("aws_kms_key.k", {"customer_master_key_spec": var("spec")}))["aws_kms_key.k"]
    assert isinstance(spec.facts["rotation"], Unknown) and spec.facts["rotation"].candidates[0] is None


def test_a_sub_resource_naming_its_bucket_through_another_links_as_that_one() -> None:
    """``bucket = aws_s3_bucket_policy.this.id`` (the policy's id is its bucket), as modules chain them;
    an id that also carries the expected owner is not a bucket name."""
    name = Unknown("generated", symbol="aws_s3_bucket.pacs.bucket")
    policy = inst("aws_s3_bucket_policy.p", {"bucket": after_apply("aws_s3_bucket.pacs"), "policy": "{}"},
                  {"bucket": ("aws_s3_bucket.pacs",)})
    owned = inst("aws_s3_bucket_ownership_controls.o", {"bucket": after_apply("aws_s3_bucket_policy.p"), "rule": [
        {"object_ownership": "BucketOwnerEnforced"}]}, {"bucket": ("aws_s3_bucket_policy.p",)})
    found = resources(inst("aws_s3_bucket.pacs", {"bucket": name}), inst("aws_s3_bucket.other", {"bucket": var("n")}),
                      policy, owned)
    assert found["aws_s3_bucket.pacs"].facts["ownership"] == {"object_ownership": "BucketOwnerEnforced"}
    assert found["aws_s3_bucket.other"].facts["ownership"] is None
    versioned = inst("aws_s3_bucket_versioning.v", {"bucket": after_apply("aws_s3_bucket.pacs"),
                                                    "expected_bucket_owner": "111122223333",
                                                    "versioning_configuration": [{"status": "Enabled"}]},
                     {"bucket": ("aws_s3_bucket.pacs",)})
    chained = inst("aws_s3_bucket_ownership_controls.o", {"bucket": after_apply("aws_s3_bucket_versioning.v"),
                                                          "rule": [{"object_ownership": "BucketOwnerEnforced"}]},
                   {"bucket": ("aws_s3_bucket_versioning.v",)})
    unsure = resources(inst("aws_s3_bucket.pacs", {"bucket": name}), versioned, chained)["aws_s3_bucket.pacs"]
    assert isinstance(unsure.facts["ownership"], Unknown)


def test_a_plan_gives_inline_arguments_the_provider_computes_which_are_not_declarations() -> None:
    """In a plan, aws_s3_bucket's inline blocks are unknown until apply where the configuration does
    not write them, and echo the sub-resource where one configures the setting."""
    computed = Unknown("known only after apply")
    planned = inst("aws_s3_bucket.pacs", {"bucket": "pacs", "versioning": computed, "lifecycle_rule": computed,
                                          "object_lock_enabled": computed, "logging": [{"target_bucket": "logs"}]},
                   {"bucket": ()}, plan=True)
    child = inst("aws_s3_bucket_logging.l", {"bucket": computed, "target_bucket": "other-logs"},
                 {"bucket": ("aws_s3_bucket.pacs",)}, plan=True)
    got = facts(planned, child)
    assert got["versioning"] is None and got["lifecycle"] is None and got["object_lock"] is None
    assert got["logging"] == {"target_bucket": "other-logs", "target_prefix": None}
    written = inst("aws_s3_bucket.pacs", {"bucket": "pacs", "versioning": computed}, {"versioning": ()}, plan=True)
    assert isinstance(facts(written)["versioning"], Unknown)
    # a known value no sub-resource explains: a dynamic block (not listed in the plan's configuration)
    dynamic = inst("aws_s3_bucket.pacs", {"bucket": "pacs", "lifecycle_rule": [
        {"enabled": True, "expiration": [{"days": 30}]}]}, {"bucket": ()}, plan=True)
    assert facts(dynamic)["lifecycle"]["rules"][0]["expiration_days"] == 30


def test_a_plan_links_chained_sub_resources_through_their_one_reference() -> None:
    computed = Unknown("known only after apply")
    policy = inst("aws_s3_bucket_policy.p", {"bucket": computed, "policy": "{}"}, {"bucket": ("aws_s3_bucket.pacs",)},
                  plan=True)
    owned = inst("aws_s3_bucket_ownership_controls.o", {"bucket": computed, "rule": [
        {"object_ownership": "BucketOwnerEnforced"}]}, {"bucket": ("aws_s3_bucket_policy.p",)}, plan=True)
    assert facts(bucket(), policy, owned)["ownership"] == {"object_ownership": "BucketOwnerEnforced"}
