"""S3 buckets and KMS keys against a real moto server: collector -> engine -> findings, per named resource.

Bucket names say what they are for (``pass-all`` passes every rule, ``fail-all`` fails every rule it
can); the tables below state, for every S3 and KMS rule, exactly which buckets/keys pass and fail.
AccessDenied and throttling are injected at the HTTP layer (a botocore ``before-send`` handler that
returns a real ``AWSResponse`` with the S3 error body), never by mocking clients.

s3control's ``{AccountId}.`` host prefix does not resolve on loopback; AwsSession strips it on a
custom endpoint (``AWS_ENDPOINT_URL``), so GetPublicAccessBlock (s3control) still goes over HTTP
to moto.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from scanner.catalog import load_catalog
from scanner.collectors.aws.keys import collect_keys
from scanner.collectors.aws.session import AwsSession, AwsTarget, RetryPolicy
from scanner.collectors.aws.storage import collect_buckets
from scanner.engine.evaluate import evaluate_inventory
from scanner.facts.resource import CollectionFailure, Inventory, Resource
from scanner.models import Finding
from tests.aws.conftest import (
    MOTO_ACCOUNT,
    PAB_ALL,
    client,
    create_bucket,
    deny_statement,
    log_delivery_statement,
    policy_document,
    protect_bucket,
)

REGIONS = ("us-east-1", "eu-west-1")
Collect = Callable[[AwsSession, Sequence[str], Any], tuple[list[Resource], list[CollectionFailure]]]
Hook = tuple[str, Callable[..., Any]]


# ---- shared helpers (also used by test_backup.py and test_databases.py) -------------------------


@pytest.fixture(autouse=True)
def empty_aws_config(aws: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty config/credentials files of our own: on this machine /dev/null (the conftest's choice)
    has at times been a regular file other processes write into, which botocore then fails to parse."""
    empty = tmp_path / "aws-config"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))


def open_session(hooks: Sequence[Hook] = ()) -> AwsSession:
    session = AwsSession(AwsTarget(regions=REGIONS), retry=RetryPolicy(mode="standard", max_attempts=2))
    for event, handler in hooks:
        session.session.events.register(event, handler)
    return session


def scan(collect: Collect, session: AwsSession,
         parameters: dict[str, Any] | None = None) -> tuple[list[Resource], list[CollectionFailure],
                                                             list[Finding]]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        resources, failures = collect(session, REGIONS, pool)
    catalog = load_catalog()
    params = {**catalog.defaults(), **(parameters or {})}
    inventory = Inventory(resources=tuple(resources), failures=tuple(failures))
    return resources, failures, evaluate_inventory(catalog, params, inventory, "aws")


def verdicts(findings: Sequence[Finding], rule_id: str) -> dict[str, str]:
    """resource name -> status for one rule (one finding per resource and control)."""
    out: dict[str, str] = {}
    for finding in findings:
        if finding.check_id == rule_id:
            name = str(finding.evidence.get("resource_name", finding.resource.address))
            out[name] = str(finding.status)
    return out


def expect(findings: Sequence[Finding], rule_id: str, passing: set[str], failing: set[str],
           not_applicable: frozenset[str] | set[str] = frozenset()) -> None:
    want = {**{n: "pass" for n in passing}, **{n: "fail" for n in failing},
            **{n: "not_applicable" for n in not_applicable}}
    assert verdicts(findings, rule_id) == want, rule_id


class RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def s3_error(status: int, code: str, message: str) -> Any:
    from botocore.awsrequest import AWSResponse

    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'

    def respond(request: Any = None, **_: Any) -> Any:
        return AWSResponse(request.url, status, {"Content-Type": "application/xml"}, RawBody(body.encode()))

    return respond


# ---- seeding --------------------------------------------------------------------------------------

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
def seed_pass_all(key_arn: str) -> None:
    """eu-west-1: everything configured as the controls require."""
    s3, name = client("s3", "eu-west-1"), "pass-all"
    create_bucket(s3, name, "eu-west-1", lock=True)
    s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Years": 7}}})
    protect_bucket(s3, name, key_arn)
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": "cold", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}], "Expiration": {"Days": 3000}},
        {"ID": "old-draft", "Status": "Disabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1}}]})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "data", "Value": "dicom"}]})


def seed_fail_all() -> None:
    """us-east-1: public ACL and policy, suspended versioning, a 30-day expiration, nothing else."""
    s3, name = client("s3"), "fail-all"
    create_bucket(s3, name, "us-east-1")
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    s3.put_bucket_policy(Bucket=name, Policy=policy_document({
        "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}))
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": "purge", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 30}}]})


def seed_fail_mixed() -> None:
    """us-east-1: the near misses: AES256 (no CMK), a world SourceIp exemption, two of four PAB
    flags, BucketOwnerPreferred, a 30-day lock retention, noncurrent versions expired after 30 days."""
    s3, name = client("s3"), "fail-mixed"
    create_bucket(s3, name, "us-east-1", lock=True)
    s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 30}}})
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_bucket_policy(Bucket=name, Policy=policy_document(
        deny_statement({"Bool": {"aws:SecureTransport": False}}, name),
        deny_statement({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "0.0.0.0/0"]}}, name),
        log_delivery_statement(name)))
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False})
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [
        {"ObjectOwnership": "BucketOwnerPreferred"}]})
    s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": name,
                                                                             "TargetPrefix": ""}})
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": "noncurrent", "Status": "Enabled", "Filter": {"Prefix": ""},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]})


def seed_fail_lock_date() -> None:
    """us-east-1: object lock without default retention (passes both lock rules, as in Terraform);
    an enabled lifecycle rule expiring by date (cannot be compared with min_retention_days: unknown,
    as in Terraform; it failed before the two were judged by one rule set)."""
    s3, name = client("s3"), "fail-lock-date"
    create_bucket(s3, name, "us-east-1", lock=True)
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": "sunset", "Status": "Enabled", "Filter": {"Prefix": "old/"},
         "Expiration": {"Date": "2030-01-01T00:00:00Z"}}]})


def seed_buckets() -> None:
    key = client("kms", "eu-west-1").create_key(Description="pacs")["KeyMetadata"]["Arn"]
    seed_pass_all(key)
    seed_fail_all()
    seed_fail_mixed()
    seed_fail_lock_date()


BUCKETS = {"pass-all", "fail-all", "fail-mixed", "fail-lock-date"}
#: rule -> the buckets that FAIL it (every other bucket passes)
S3_FAILING = {
    "AWS-S3-ENCRYPTION": {"fail-all", "fail-lock-date"},
    "AWS-S3-KMS-CMK": {"fail-all", "fail-mixed", "fail-lock-date"},
    "AWS-S3-SECURE-TRANSPORT": {"fail-all", "fail-lock-date"},
    "AWS-S3-NETWORK-RESTRICTED": {"fail-all", "fail-mixed", "fail-lock-date"},
    "AWS-S3-PUBLIC-ACCESS-BLOCK": {"fail-all", "fail-mixed", "fail-lock-date"},
    "AWS-S3-POLICY-NOT-PUBLIC": {"fail-all"},
    "AWS-S3-ACL-NOT-PUBLIC": {"fail-all"},
    "AWS-S3-OWNERSHIP-ENFORCED": {"fail-all", "fail-mixed", "fail-lock-date"},
    "AWS-S3-ACCESS-LOGGING": {"fail-all", "fail-lock-date"},
    "AWS-S3-VERSIONING": {"fail-all"},
    "AWS-S3-OBJECT-LOCK": {"fail-all"},
    "AWS-S3-OBJECT-LOCK-RETENTION": {"fail-mixed"},
    "AWS-S3-LIFECYCLE-RETENTION": {"fail-all", "fail-mixed"},
}
#: rule -> bucket -> a verdict neither pass nor fail: object-lock retention does not apply without
#: object lock; an expiration on a date cannot be compared with min_retention_days
S3_OTHER = {
    "AWS-S3-OBJECT-LOCK-RETENTION": {"fail-all": "not_applicable"},
    "AWS-S3-LIFECYCLE-RETENTION": {"fail-lock-date": "unknown"},
}


def s3_expected(rule_id: str, buckets: set[str] = BUCKETS) -> dict[str, str]:
    """bucket -> the verdict ``rule_id`` gives it in the seeded estate."""
    other = S3_OTHER.get(rule_id, {})
    return {b: other.get(b) or ("fail" if b in S3_FAILING[rule_id] else "pass") for b in buckets}
POLICY_RULES = {"AWS-S3-SECURE-TRANSPORT", "AWS-S3-NETWORK-RESTRICTED"}


def test_every_s3_rule_passes_and_fails_exactly_the_named_buckets(aws: str) -> None:
    seed_buckets()
    resources, failures, findings = scan(collect_buckets, open_session())
    assert failures == []
    assert {r.name for r in resources} == BUCKETS
    assert {r.id for r in resources} == {f"arn:aws:s3:::{b}" for b in BUCKETS}
    assert all(r.errors == {} for r in resources), [r.errors for r in resources]
    for rule_id in S3_FAILING:
        assert verdicts(findings, rule_id) == s3_expected(rule_id), rule_id
    by_name = {r.name: r for r in resources}
    assert by_name["pass-all"].region == "eu-west-1" and by_name["fail-all"].region == "us-east-1"
    assert by_name["pass-all"].tags == {"data": "dicom"}
    assert by_name["pass-all"].facts["object_lock"]["default_retention_days"] == 7 * 365
    assert by_name["fail-all"].facts["acl"]["grants"][-1] == {"grantee": ALL_USERS, "type": "Group",
                                                              "permission": "READ"}
    assert "Statement" not in json.dumps(by_name["pass-all"].facts)  # the raw document stays out


def test_account_public_access_block_covers_buckets_without_their_own(aws: str) -> None:
    s3 = client("s3")
    create_bucket(s3, "pass-account-pab", "us-east-1")
    session = open_session()
    session.client("s3control").put_public_access_block(AccountId=MOTO_ACCOUNT,
                                                         PublicAccessBlockConfiguration=PAB_ALL)
    resources, _, findings = scan(collect_buckets, session)
    expect(findings, "AWS-S3-PUBLIC-ACCESS-BLOCK", {"pass-account-pab"}, set())
    assert resources[0].facts["public_access_block"] is None
    assert resources[0].facts["account_public_access_block"] == {
        "block_public_acls": True, "ignore_public_acls": True, "block_public_policy": True,
        "restrict_public_buckets": True}


def test_denied_bucket_policy_errors_only_the_rules_reading_the_policy_of_that_bucket(aws: str) -> None:
    seed_buckets()
    deny = s3_error(403, "AccessDenied", "Access Denied")

    def handler(request: Any = None, **_: Any) -> Any:
        return deny(request) if "pass-all" in request.url else None

    session = open_session([("before-send.s3.GetBucketPolicy", handler)])
    resources, _, findings = scan(collect_buckets, session)
    denied = next(r for r in resources if r.name == "pass-all")
    assert denied.errors == {"policy": "AccessDenied (GetBucketPolicy): Access Denied"}
    assert "policy" not in denied.facts
    for rule_id in S3_FAILING:
        got = verdicts(findings, rule_id)
        if rule_id in POLICY_RULES:
            assert got.pop("pass-all") == "error", rule_id
            assert got == s3_expected(rule_id, BUCKETS - {"pass-all"}), rule_id
        else:
            assert got == s3_expected(rule_id), rule_id
    error = next(f for f in findings if f.check_id == "AWS-S3-SECURE-TRANSPORT" and f.status == "error")
    assert error.evidence["could_not_read"] == {"policy": "AccessDenied (GetBucketPolicy): Access Denied"}


def _throttle(times: int | None) -> Callable[..., Any]:
    """Throttle each bucket's GetBucketVersioning ``times`` times (None: always) with S3's 503 SlowDown."""
    seen: Counter[str] = Counter()
    slow = s3_error(503, "SlowDown", "Please reduce your request rate.")

    def handler(request: Any = None, **_: Any) -> Any:
        seen[request.url] += 1
        return slow(request) if times is None or seen[request.url] <= times else None

    return handler


def test_throttled_versioning_that_resolves_after_a_retry_gives_correct_findings(aws: str) -> None:
    seed_buckets()
    session = open_session([("before-send.s3.GetBucketVersioning", _throttle(1))])
    resources, _, findings = scan(collect_buckets, session)
    assert all(r.errors == {} for r in resources)
    expect(findings, "AWS-S3-VERSIONING", BUCKETS - {"fail-all"}, {"fail-all"})
    assert session.calls["s3:GetBucketVersioning"] == len(BUCKETS)  # one API call, retried by botocore


def test_throttling_that_never_resolves_gives_error_for_versioning_only(aws: str) -> None:
    seed_buckets()
    session = open_session([("before-send.s3.GetBucketVersioning", _throttle(None))])
    resources, _, findings = scan(collect_buckets, session)
    assert {r.name: set(r.errors) for r in resources} == {b: {"versioning"} for b in BUCKETS}
    assert verdicts(findings, "AWS-S3-VERSIONING") == {b: "error" for b in BUCKETS}
    assert "SlowDown" in next(iter(resources)).errors["versioning"]
    expect(findings, "AWS-S3-OBJECT-LOCK", BUCKETS - {"fail-all"}, {"fail-all"})


def test_denied_list_buckets_is_a_collection_failure_not_an_empty_account(aws: str) -> None:
    seed_buckets()
    session = open_session([("before-send.s3.ListBuckets", s3_error(403, "AccessDenied", "Access Denied"))])
    resources, failures, findings = scan(collect_buckets, session)
    assert resources == []
    assert [(f.type, f.region) for f in failures] == [("aws.s3.bucket", None)]
    assert {f.status for f in findings} == {"error"}
    assert {f.check_id for f in findings} == set(S3_FAILING)


# ---- KMS ------------------------------------------------------------------------------------------


def test_kms_rotation_passes_and_fails_exactly_the_named_customer_keys(aws: str) -> None:
    kms_east, kms_eu = client("kms"), client("kms", "eu-west-1")
    rotated = kms_eu.create_key(Tags=[{"TagKey": "Name", "TagValue": "pass-rotated"}])["KeyMetadata"]["KeyId"]
    kms_eu.enable_key_rotation(KeyId=rotated)
    kms_east.create_key(Tags=[{"TagKey": "Name", "TagValue": "fail-not-rotated"}])
    asymmetric = kms_east.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    session = open_session()
    resources, failures, findings = scan(collect_keys, session)
    assert failures == []
    by_name = {r.tags.get("Name", "asymmetric"): r for r in resources}
    assert set(by_name) == {"pass-rotated", "fail-not-rotated", "asymmetric"}
    assert by_name["pass-rotated"].name == rotated and by_name["asymmetric"].name == asymmetric
    got = {by_name_of(resources, n): v for n, v in verdicts(findings, "AWS-KMS-ROTATION").items()}
    # an RSA key cannot rotate: the rule does not apply to it
    assert got == {"pass-rotated": "pass", "fail-not-rotated": "fail", "asymmetric": "not_applicable"}
    assert by_name["asymmetric"].facts["rotation"] is None
    assert session.calls["kms:GetKeyRotationStatus"] == 2  # never asked for the RSA key


def by_name_of(resources: Sequence[Resource], key_id: str) -> str:
    return next(r.tags.get("Name", "asymmetric") for r in resources if r.name == key_id)


@pytest.mark.parametrize("operation", ["GetKeyRotationStatus"])
def test_denied_rotation_status_is_an_error_not_a_fail(aws: str, operation: str) -> None:
    from botocore.awsrequest import AWSResponse

    client("kms").create_key()
    body = json.dumps({"__type": "AccessDeniedException", "message": "not allowed"}).encode()

    def handler(request: Any = None, **_: Any) -> Any:
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, RawBody(body))

    _, _, findings = scan(collect_keys, open_session([(f"before-send.kms.{operation}", handler)]))
    assert [f.status for f in findings if f.check_id == "AWS-KMS-ROTATION"] == ["error"]
