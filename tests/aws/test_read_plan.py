"""The read plan on a real moto server: a planned scan reads only what the selected rules need and
judges exactly as a scan that reads everything; buckets and their regions come from ListBuckets.

Verdicts are compared between two collections of the same estate, one reading every fact (no plan)
and one planned from the rules in scope, on every seeded fixture of the AWS tests (the estate of
test_least_privilege.py holds all of them: buckets, keys, backups, RDS, EBS, network, endpoints,
trails, IAM users and policies).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from scanner.catalog import load_catalog
from scanner.collectors.aws import buckets as bucket_listing
from scanner.collectors.aws.collector import AwsCollector
from scanner.collectors.aws.session import AwsSession, AwsTarget, RetryPolicy
from scanner.collectors.aws.storage import collect_buckets
from scanner.engine.evaluate import evaluate_inventory
from scanner.engine.plan import NOT_READ, ReadPlan
from scanner.facts.resource import Inventory, Resource
from tests.aws import listbuckets_aws
from tests.aws.backup_recordings import serve
from tests.aws.conftest import client, create_bucket
from tests.aws.test_least_privilege import _seed as seed_every_family
from tests.aws.test_storage import BUCKETS, seed_buckets

REGIONS = ("us-east-1", "eu-west-1")
RETRY = RetryPolicy(mode="standard", max_attempts=2)
Verdicts = dict[tuple[str, str, str], str]


@pytest.fixture
def estate(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with serve(aws) as (url, recorded):
        monkeypatch.setenv("AWS_ENDPOINT_URL_BACKUP", url)
        seed_every_family(recorded)
        yield aws


def plan_of(rules: Sequence[str] | None = None, **parameters: Any) -> ReadPlan:
    catalog = load_catalog()
    chosen = [r for r in catalog.rules_for("aws") if rules is None or r.id in rules]
    return ReadPlan.for_rules(catalog, chosen, {**catalog.defaults(), **parameters}, "aws")


def collect(plan: ReadPlan | None, regions: tuple[str, ...] = REGIONS) -> tuple[Inventory, AwsSession]:
    collector = AwsCollector(AwsTarget(regions=regions), concurrency=8, retry=RETRY)
    inventory = collector.collect(plan=plan)
    assert collector.session is not None
    return inventory, collector.session


def verdicts(inventory: Inventory, rules: Sequence[str] | None = None, **parameters: Any) -> Verdicts:
    catalog = load_catalog()
    chosen = None if rules is None else [r for r in catalog.rules if r.id in rules]
    findings = evaluate_inventory(catalog, {**catalog.defaults(), **parameters}, inventory, "aws", chosen)
    return {(f.check_id, f.resource.address, f.control_id): str(f.status) for f in findings}


def buckets_of(inventory: Inventory) -> dict[str, Resource]:
    return {r.name: r for r in inventory.resources if r.type == "aws.s3.bucket"}


# ---- the default catalog's plan --------------------------------------------------------------------


def test_the_default_plan_judges_every_fixture_as_a_full_read_does_with_fewer_calls(estate: str) -> None:
    full, full_session = collect(None)
    planned, session = collect(plan_of())
    assert verdicts(planned) == verdicts(full)
    assert sum(session.calls.values()) < sum(full_session.calls.values())
    # never needed by the default catalog: replication, tags (no imaging_data tag selector), key and
    # backup tags; the regions come from ListBuckets (BucketRegion filtered by --region)
    for operation in ("s3:GetBucketReplication", "s3:GetBucketTagging", "s3:GetBucketLocation", "kms:ListResourceTags",
                      "backup:ListTags"):
        assert session.calls[operation] == 0, operation
    assert full_session.calls["s3:GetBucketReplication"] == len(buckets_of(full))
    # every resource of the full read is in the planned one, its skipped facts named with the reason
    assert {r.id for r in planned.resources} == {r.id for r in full.resources}
    skipped = {why for r in planned.resources for why in r.skipped.values()}
    assert skipped and all(why.startswith(NOT_READ) for why in skipped)


def test_s3_reads_implied_by_facts_already_read_are_not_made(aws: str) -> None:
    seed_buckets()
    create_bucket(client("s3"), "plain", "us-east-1")
    planned, session = collect(plan_of())
    found = buckets_of(planned)
    assert set(found) == BUCKETS | {"plain"}
    # object lock only where versioning was ever enabled (not plain); the ACL only where ownership is
    # not BucketOwnerEnforced (pass-all enforces it); the policy status only where a policy allows a
    # wildcard principal (fail-all's public policy; pass-all and fail-mixed allow log delivery only)
    assert session.calls["s3:GetObjectLockConfiguration"] == 4
    assert session.calls["s3:GetBucketAcl"] == 4
    assert session.calls["s3:GetBucketPolicyStatus"] == 1
    assert found["plain"].facts["object_lock"] is None and found["plain"].facts["policy_status"] is None
    assert found["plain"].origins["object_lock"].startswith("GetBucketVersioning: versioning was never enabled")
    assert found["pass-all"].facts["policy_status"] == {"is_public": False}
    assert found["pass-all"].origins["acl"].startswith("GetBucketOwnershipControls: BucketOwnerEnforced")
    assert found["fail-all"].facts["policy_status"] == {"is_public": True}  # asked: AWS's own evaluation
    assert "object_lock" not in found["pass-all"].origins
    # every call of the S3 family counts for the bucket kind: ListBuckets (per region), the account's
    # public access block, the bucket key's DescribeKey and the per-bucket reads
    by_kind = planned.calls_by_kind["aws.s3.bucket"]
    assert by_kind["s3:ListBuckets"] == 2 and by_kind["kms:DescribeKey"] == 1
    assert sum(by_kind.values()) == sum(n for op, n in session.calls.items() if op.startswith("s3:")) + 1


def test_a_when_known_false_spares_the_reads_only_its_rule_needs(aws: str) -> None:
    """AWS-IAM-USER-CONSOLE-MFA applies to console users: an API-only user is not asked for MFA devices."""
    iam = client("iam")
    for name in ("radiologist", "pacs-sync"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="radiologist", Password="Correct-Horse-9!")
    planned, session = collect(plan_of())
    users = {r.name: r for r in planned.resources if r.type == "aws.iam.user"}
    assert session.calls["iam:GetLoginProfile"] == 2 and session.calls["iam:ListMFADevices"] == 1
    assert "mfa_devices" in users["radiologist"].facts
    assert users["pacs-sync"].skipped == {
        "mfa_devices": f"{NOT_READ} (AWS-IAM-USER-CONSOLE-MFA does not apply to this resource)"}
    got = verdicts(planned, ["AWS-IAM-USER-CONSOLE-MFA"])
    assert {address.rsplit("/", 1)[-1]: status for (_, address, _), status in got.items()} == {
        "radiologist": "fail", "pacs-sync": "not_applicable"}


def test_a_narrowed_plan_reads_only_its_rules_facts_and_never_passes_a_rule_it_did_not_read(estate: str) -> None:
    """As --check AWS-S3-ENCRYPTION would: one S3 call per bucket, no other family listed; judged by every
    rule anyway, each rule reading a fact not read is not_applicable, never pass."""
    full, _ = collect(None)
    planned, session = collect(plan_of(["AWS-S3-ENCRYPTION"]))
    found = buckets_of(planned)
    assert {r.type for r in planned.resources} == {"aws.s3.bucket"}
    assert Counter({op: n for op, n in session.calls.items() if op.startswith("s3:")}) == Counter(
        {"s3:ListBuckets": len(REGIONS), "s3:GetBucketEncryption": len(found)})
    everything = verdicts(planned)
    assert {k: v for k, v in everything.items() if k[0] == "AWS-S3-ENCRYPTION"} == {
        k: v for k, v in verdicts(full).items() if k[0] == "AWS-S3-ENCRYPTION"}
    others = {k: v for k, v in everything.items() if k[0] != "AWS-S3-ENCRYPTION"}
    assert others and "pass" not in others.values()
    # only where the facts read decide it: AWS-S3-KMS-CMK fails a bucket with no default encryption at
    # all (nothing below `encryption` to read); every other rule reads something not read
    decided = {(rule, address) for (rule, address, _), v in others.items() if v != "not_applicable"}
    unencrypted = {r.id for r in found.values() if r.facts["encryption"] is None}
    assert unencrypted and decided == {("AWS-S3-KMS-CMK", address) for address in unencrypted}
    catalog = load_catalog()
    findings = evaluate_inventory(catalog, catalog.defaults(), planned, "aws")
    unread = next(f for f in findings if f.check_id == "AWS-S3-VERSIONING")
    assert unread.message.endswith(f"({NOT_READ})")
    assert unread.evidence["not_read"] == {"versioning": NOT_READ}


def test_buckets_outside_the_imaging_scope_are_not_read(aws: str) -> None:
    s3 = client("s3")
    for name in ("pacs-images", "pacs-archive", "marketing-site"):
        create_bucket(s3, name, "us-east-1")
    scope = {"tags": {}, "name_patterns": ["pacs-*"]}
    planned, session = collect(plan_of(imaging_data=scope), ("us-east-1",))
    found = buckets_of(planned)
    assert session.calls["s3:GetBucketVersioning"] == 2
    assert set(found["marketing-site"].facts) == {"location"}
    assert all("outside the imaging_data scope" in why for why in found["marketing-site"].skipped.values())
    got = verdicts(planned, imaging_data=scope)
    judged = {address for (_, address, _) in got if address.startswith("arn:aws:s3:::")}
    assert judged == {"arn:aws:s3:::pacs-images", "arn:aws:s3:::pacs-archive"}


def test_a_tag_selector_reads_tags_first_and_only_tagged_buckets_further(aws: str) -> None:
    s3 = client("s3")
    for name in ("images", "site"):
        create_bucket(s3, name, "us-east-1")
    s3.put_bucket_tagging(Bucket="images", Tagging={"TagSet": [{"Key": "data", "Value": "dicom"}]})
    scope = {"tags": {"data": "dicom"}, "name_patterns": []}
    planned, session = collect(plan_of(imaging_data=scope), ("us-east-1",))
    assert session.calls["s3:GetBucketTagging"] == 2 and session.calls["s3:GetBucketEncryption"] == 1
    assert buckets_of(planned)["images"].tags == {"data": "dicom"}


# ---- ListBuckets -----------------------------------------------------------------------------------


def seed_seven() -> dict[str, str]:
    """Five buckets in us-east-1, two in eu-west-1, one in ap-southeast-2: name -> region."""
    where = {**{f"east-{i}": "us-east-1" for i in range(5)}, "west-0": "eu-west-1", "west-1": "eu-west-1",
             "sydney-0": "ap-southeast-2"}
    for name, region in where.items():
        create_bucket(client("s3", region), name, region)
    return where


def list_with(session: AwsSession) -> dict[str, str | None]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        found, failures = collect_buckets(session, (), pool)
    assert failures == []
    return {r.name: r.region for r in found}


def test_more_buckets_than_a_page_are_all_listed_with_their_regions_from_listbuckets(
        aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS paging (ContinuationToken) and BucketRegion, from the AWS-shaped ListBuckets in front of moto."""
    where = seed_seven()
    monkeypatch.setattr(bucket_listing, "PAGE_SIZE", 3)
    with listbuckets_aws.serve(aws) as (url, served):
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", url)
        session = AwsSession(AwsTarget(), retry=RETRY)
        session.plan = plan_of()
        assert list_with(session) == where
        assert session.calls["s3:ListBuckets"] == 3  # pages of 3, 3 and 2
        assert [q.get("continuation-token", [""])[0] for q in served] == ["", "east-2", "sydney-0"]
        assert session.calls["s3:GetBucketLocation"] == 0
        served.clear()
        regional = AwsSession(AwsTarget(regions=REGIONS), retry=RETRY)
        regional.plan = plan_of()
        assert list_with(regional) == {n: r for n, r in where.items() if r in REGIONS}  # not Sydney's
        assert sorted(q["bucket-region"][0] for q in served) == ["eu-west-1", "us-east-1", "us-east-1"]
        assert regional.calls["s3:GetBucketLocation"] == 0


def test_an_endpoint_that_cuts_listbuckets_short_loses_no_bucket(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto itself: MaxBuckets truncates with no ContinuationToken and no BucketRegion is given."""
    where = seed_seven()
    monkeypatch.setattr(bucket_listing, "PAGE_SIZE", 3)
    regional = AwsSession(AwsTarget(regions=REGIONS), retry=RETRY)
    assert list_with(regional) == {n: r for n, r in where.items() if r in REGIONS}
    assert regional.calls["s3:GetBucketLocation"] == 0  # the region asked for is the bucket's
    # us-east-1: a full page without a token, so asked again without MaxBuckets; eu-west-1: 2 < 3
    assert regional.calls["s3:ListBuckets"] == 3
    everywhere = AwsSession(AwsTarget(), retry=RETRY)
    assert list_with(everywhere) == where
    assert everywhere.calls["s3:GetBucketLocation"] == len(where)  # the fallback, one per bucket
