"""S3 against a real moto server: who manages the key a bucket is encrypted with (DescribeKey), bucket
tags that cannot be read, and bucket policies read as in Terraform (scanner/bucketpolicy.py).

AWS-managed keys cannot be created through the API (moto neither): a DescribeKey answer naming one is
served at the HTTP layer (a botocore ``before-send`` handler returning a real ``AWSResponse``), as the
AccessDenied answers are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.collectors.aws.iam_actions import required_actions, uncovered
from scanner.collectors.aws.storage import collect_buckets
from scanner.facts.values import Unknown
from tests.aws.conftest import PAB_ALL, client, create_bucket, deny_statement, policy_document
from tests.aws.test_storage import RawBody, open_session, s3_error, scan, verdicts

POLICY = Path(__file__).resolve().parents[2] / "policies" / "iam" / "pacscan-aws-readonly.json"
AWS_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
DENIED_KEY = "arn:aws:kms:us-east-1:123456789012:key/99999999-2222-3333-4444-555555555555"


def _encrypt(name: str, key: str | None) -> None:
    s3 = client("s3")
    create_bucket(s3, name, "us-east-1")
    default: dict[str, Any] = {"SSEAlgorithm": "aws:kms"}
    if key is not None:
        default["KMSMasterKeyID"] = key
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": default}]})


def _describe_key(request: Any = None, **_: Any) -> Any:
    """DescribeKey of AWS_KEY: an AWS-managed key; of DENIED_KEY: AccessDeniedException."""
    from botocore.awsrequest import AWSResponse

    asked = json.loads(request.body or b"{}").get("KeyId")
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if asked == AWS_KEY:
        meta = {"KeyId": AWS_KEY.rsplit("/", 1)[1], "Arn": AWS_KEY, "KeyManager": "AWS", "KeyState": "Enabled",
                "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "Origin": "AWS_KMS"}
        return AWSResponse(request.url, 200, headers, RawBody(json.dumps({"KeyMetadata": meta}).encode()))
    if asked == DENIED_KEY:
        body = {"__type": "AccessDeniedException", "message": "not allowed by the key policy"}
        return AWSResponse(request.url, 400, headers, RawBody(json.dumps(body).encode()))
    return None


def test_buckets_encrypted_with_an_aws_managed_key_fail_kms_cmk(aws: str) -> None:
    customer = client("kms").create_key(Description="pacs")["KeyMetadata"]["Arn"]
    _encrypt("pass-customer-key", customer)
    _encrypt("pass-customer-key-again", customer)
    _encrypt("fail-alias-aws-s3", "alias/aws/s3")
    _encrypt("fail-alias-arn-aws-s3", "arn:aws:kms:us-east-1:123456789012:alias/aws/s3")
    _encrypt("fail-no-key-id", None)
    _encrypt("fail-aws-managed-key-arn", AWS_KEY)
    _encrypt("error-key-not-described", DENIED_KEY)
    session = open_session([("before-send.kms.DescribeKey", _describe_key)])
    resources, _, findings = scan(collect_buckets, session)
    assert verdicts(findings, "AWS-S3-KMS-CMK") == {
        "pass-customer-key": "pass", "pass-customer-key-again": "pass", "fail-alias-aws-s3": "fail",
        "fail-alias-arn-aws-s3": "fail", "fail-no-key-id": "fail", "fail-aws-managed-key-arn": "fail",
        "error-key-not-described": "error"}
    denied = next(r for r in resources if r.name == "error-key-not-described")
    unread = denied.facts["encryption"]["customer_managed_key"]
    assert isinstance(unread, Unknown) and unread.error and "AccessDeniedException" in unread.reason
    # one DescribeKey per distinct key, none for alias/aws/* or no key at all
    assert session.calls["kms:DescribeKey"] == 3
    assert uncovered(required_actions(session.calls), json.loads(POLICY.read_text())) == set()


def test_tags_that_cannot_be_read_keep_the_bucket_in_the_report(aws: str) -> None:
    s3 = client("s3")
    for name in ("pacs-tagged", "pacs-unreadable-tags", "other-logs"):
        create_bucket(s3, name, "us-east-1")
    s3.put_bucket_tagging(Bucket="pacs-tagged", Tagging={"TagSet": [{"Key": "data", "Value": "dicom"}]})
    s3.put_bucket_tagging(Bucket="other-logs", Tagging={"TagSet": [{"Key": "data", "Value": "logs"}]})
    deny = s3_error(403, "AccessDenied", "Access Denied")

    def handler(request: Any = None, **_: Any) -> Any:
        return deny(request) if "pacs-unreadable-tags" in request.url else None

    session = open_session([("before-send.s3.GetBucketTagging", handler)])
    resources, _, findings = scan(collect_buckets, session,
                                  {"imaging_data": {"tags": {"data": "dicom"}, "name_patterns": []}})
    unreadable = next(r for r in resources if r.name == "pacs-unreadable-tags")
    assert isinstance(unreadable.tags, Unknown) and unreadable.tags.error
    # the tagged bucket is judged, the unreadable one is an error (never dropped), the other out of scope
    assert verdicts(findings, "AWS-S3-VERSIONING") == {"pacs-tagged": "fail", "pacs-unreadable-tags": "error"}


def test_policy_statements_count_only_when_they_cover_the_bucket_and_its_objects(aws: str) -> None:
    s3 = client("s3")
    tls = {"Bool": {"aws:SecureTransport": "false"}}
    cases = {
        "pass-tls-deny": deny_statement(tls, "pass-tls-deny"),
        "fail-tls-deny-objects-only": {**deny_statement(tls, "x"),
                                       "Resource": "arn:aws:s3:::fail-tls-deny-objects-only/*"},
        "fail-tls-deny-bucket-only": {**deny_statement(tls, "x"), "Resource": "arn:aws:s3:::fail-tls-deny-bucket-only"},
        "fail-tls-deny-one-account": deny_statement(
            {**tls, "StringEquals": {"aws:PrincipalAccount": "111122223333"}}, "fail-tls-deny-one-account"),
    }
    for name, statement in cases.items():
        create_bucket(s3, name, "us-east-1")
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=PAB_ALL)
        s3.put_bucket_policy(Bucket=name, Policy=policy_document(statement))
    _, _, findings = scan(collect_buckets, open_session())
    assert verdicts(findings, "AWS-S3-SECURE-TRANSPORT") == {
        name: "pass" if name.startswith("pass") else "fail" for name in cases}


def test_public_access_flags_combine_the_bucket_and_the_account(aws: str) -> None:
    """AWS applies the most restrictive of the bucket's and the account's settings, flag by flag."""
    s3 = client("s3")
    half = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False}
    for name in ("pass-combined-flags", "fail-acl-flags-only"):
        create_bucket(s3, name, "us-east-1")
    s3.put_public_access_block(Bucket="pass-combined-flags", PublicAccessBlockConfiguration=half)
    session = open_session()
    session.client("s3control").put_public_access_block(AccountId="123456789012", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    _, _, findings = scan(collect_buckets, session)
    assert verdicts(findings, "AWS-S3-PUBLIC-ACCESS-BLOCK") == {"pass-combined-flags": "pass",
                                                                "fail-acl-flags-only": "fail"}
