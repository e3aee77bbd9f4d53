"""The read plan (pure): which facts a live scan needs, resource by resource; and the engine never
passes a rule on a fact the scan did not read."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.catalog import Catalog, load_catalog
from scanner.collectors.planned import Read, read_planned
from scanner.collectors.reader import CallErrors, FactReader
from scanner.engine.evaluate import judge
from scanner.engine.plan import NOT_READ, ReadPlan
from scanner.facts.resource import Resource
from scanner.models import Status

BUCKET = "aws.s3.bucket"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def plan(catalog: Catalog, rules: list[str] | None = None, **parameters: Any) -> ReadPlan:
    chosen = [r for r in catalog.rules_for("aws") if rules is None or r.id in rules]
    return ReadPlan.for_rules(catalog, chosen, {**catalog.defaults(), **parameters}, "aws")


def test_the_default_plan_needs_what_the_bucket_rules_read_and_nothing_else(catalog: Catalog) -> None:
    bucket = plan(catalog).kind(BUCKET)
    assert bucket.roots == {"encryption", "public_access_block", "account_public_access_block", "policy",
                            "policy_status", "acl", "ownership", "versioning", "object_lock", "logging", "lifecycle"}
    assert not bucket.wants("replication") and not bucket.wants("tags")
    assert bucket.wants("encryption.customer_managed_key")
    assert bucket.gates == {"object_lock"}  # AWS-S3-OBJECT-LOCK-RETENTION's when
    assert plan(catalog).wants_kind("aws.iam.user")


def test_a_narrowed_plan_needs_only_its_rules_kinds_and_facts(catalog: Catalog) -> None:
    narrowed = plan(catalog, ["AWS-S3-ENCRYPTION"])
    assert narrowed.kind(BUCKET).roots == {"encryption"}
    assert not narrowed.kind(BUCKET).wants("encryption.customer_managed_key")  # only AWS-S3-KMS-CMK reads it
    assert not narrowed.wants_kind("aws.kms.key")
    assert [r.id for r in narrowed.rules] == ["AWS-S3-ENCRYPTION"]


def test_a_when_known_false_drops_the_facts_only_its_rule_needs(catalog: Catalog) -> None:
    users = plan(catalog).kind("aws.iam.user")
    assert users.gates == {"console_access"}
    before = users.needs({})
    assert "mfa_devices" in before  # console access not read yet: unknown keeps the rule's facts needed
    api_only = users.needs({"console_access": False})
    assert "mfa_devices" not in api_only
    assert api_only.why_not("mfa_devices") == f"{NOT_READ} (AWS-IAM-USER-CONSOLE-MFA does not apply to this resource)"
    assert "mfa_devices" in users.needs({"console_access": True})
    assert "mfa_devices" in users.needs({}, {"console_access": "AccessDenied"})  # unreadable: not known false


def test_storage_outside_the_imaging_scope_needs_nothing(catalog: Catalog) -> None:
    by_name = plan(catalog, imaging_data={"tags": {}, "name_patterns": ["pacs-*"]}).kind(BUCKET)
    assert "encryption" in by_name.needs({}, names=("pacs-images",))
    outside = by_name.needs({}, names=("marketing",))
    assert outside.outside_scope and "encryption" not in outside
    by_tag = plan(catalog, imaging_data={"tags": {"data": "dicom"}, "name_patterns": []}).kind(BUCKET)
    assert "tags" in by_tag.gates
    assert "encryption" in by_tag.needs({}, names=("marketing",))  # tags not read yet: cannot drop it
    assert "encryption" not in by_tag.needs({"tags": {}}, names=("marketing",), tags={})
    assert "encryption" in by_tag.needs({"tags": {"data": "dicom"}}, names=("x",), tags={"data": "dicom"})


def test_extra_needs_are_read_whatever_the_rules_and_the_scope_say(catalog: Catalog) -> None:
    scoped = plan(catalog, ["AWS-KMS-ROTATION"], imaging_data={"tags": {}, "name_patterns": ["pacs-*"]})
    assert not scoped.wants_kind(BUCKET)
    marked = scoped.also(BUCKET, ["tags"])  # --deid-sample reading the buckets' tags
    assert marked.wants_kind(BUCKET) and marked.kind(BUCKET).wants("tags")
    assert "tags" in marked.kind(BUCKET).needs({}, names=("marketing",))


def test_everything_reads_every_fact() -> None:
    everything = ReadPlan.read_everything().kind(BUCKET)
    assert everything.wants("replication") and "anything" in everything.needs({})


# ---- the planned reader -----------------------------------------------------------------------------


class _Reader(FactReader):
    call_errors = CallErrors(lambda: (KeyError,), lambda _err: False, str)


def test_read_planned_reads_gates_first_then_only_what_is_still_needed(catalog: Catalog) -> None:
    reads = {"console_access": Read("iam:GetLoginProfile"), "mfa_devices": Read("iam:ListMFADevices"),
             "user_name": Read("iam:ListUsers", per="listing")}
    made: list[str] = []
    reader = _Reader()

    def call(key: str, value: Any) -> Any:
        return lambda: (made.append(key), reader.read(key, lambda: value))

    skipped = read_planned(reader, plan(catalog).kind("aws.iam.user"), reads,
                           {"mfa_devices": call("mfa_devices", 0), "console_access": call("console_access", False)})
    assert made == ["console_access"]
    assert skipped == {"mfa_devices": f"{NOT_READ} (AWS-IAM-USER-CONSOLE-MFA does not apply to this resource)"}


def test_an_implied_fact_is_stored_with_its_origin_instead_of_called(catalog: Catalog) -> None:
    reads = {"versioning": Read("s3:GetBucketVersioning"), "object_lock": Read("s3:GetObjectLockConfiguration",
                                                                              after=("versioning",))}
    reader, origins, made = _Reader(), {}, []  # type: ignore[var-annotated]
    calls = {"versioning": lambda: reader.read("versioning", lambda: {"status": None}),
             "object_lock": lambda: made.append("object_lock")}
    read_planned(reader, plan(catalog).kind(BUCKET), reads, calls, origins=origins,
                 implied={"object_lock": lambda facts: (None, "no versioning") if not facts["versioning"]["status"]
                          else None})
    assert made == [] and reader.facts["object_lock"] is None and origins == {"object_lock": "no versioning"}


# ---- the engine -------------------------------------------------------------------------------------


def bucket(**kwargs: Any) -> Resource:
    return Resource(provider="aws", type=BUCKET, id="arn:aws:s3:::pacs", name="pacs", source="aws", **kwargs)


def test_a_rule_reading_a_skipped_fact_is_not_applicable_never_pass(catalog: Catalog) -> None:
    """Versioning was read (Enabled: AWS-S3-VERSIONING passes); the lifecycle was not: AWS-S3-LIFECYCLE-RETENTION
    would pass on an absent lifecycle, but a fact not read must not count as "no lifecycle"."""
    resource = bucket(facts={"versioning": {"status": "Enabled", "mfa_delete": None}},
                      skipped={"lifecycle": NOT_READ, "object_lock": NOT_READ})
    rules = [r for r in catalog.rules if r.id in ("AWS-S3-VERSIONING", "AWS-S3-LIFECYCLE-RETENTION",
                                                  "AWS-S3-OBJECT-LOCK-RETENTION")]
    findings = {f.check_id: f for f in judge(catalog, catalog.defaults(), [resource], rules=rules)}
    assert findings["AWS-S3-VERSIONING"].status is Status.PASS
    unread = findings["AWS-S3-LIFECYCLE-RETENTION"]
    assert unread.status is Status.NOT_APPLICABLE
    assert unread.message == f"{unread.evidence['rule']} ({NOT_READ})"
    assert unread.evidence["not_read"] == {"lifecycle": NOT_READ}
    assert unread.evidence["observed"] == {}  # nothing to show of a fact not read
    assert findings["AWS-S3-OBJECT-LOCK-RETENTION"].status is Status.NOT_APPLICABLE  # its when reads it


def test_a_skipped_key_below_a_read_fact_makes_only_its_readers_not_applicable(catalog: Catalog) -> None:
    resource = bucket(facts={"encryption": {"algorithm": "aws:kms", "kms_key_id": "k", "bucket_key": False}},
                      skipped={"encryption.customer_managed_key": NOT_READ})
    rules = [r for r in catalog.rules if r.id in ("AWS-S3-ENCRYPTION", "AWS-S3-KMS-CMK")]
    findings = {f.check_id: f.status for f in judge(catalog, catalog.defaults(), [resource], rules=rules)}
    assert findings == {"AWS-S3-ENCRYPTION": Status.PASS, "AWS-S3-KMS-CMK": Status.NOT_APPLICABLE}
