"""``pacscan cloud aws`` end to end, in-process, against a real moto server.

The estate is small and named for what it is: ``pacs-images`` is configured as every S3 rule
requires, ``legacy-scans`` is a bare bucket, and the ``orthanc`` security group opens Orthanc's
DICOM port 4242 to the internet. The account-level resources moto creates (default VPC, its
network ACL, EBS default encryption, no CloudTrail, root without MFA) fail as they would in AWS;
their ids are looked up from moto, not from the scanner.

AccessDenied for one bucket is injected at the HTTP layer: a loopback HTTP proxy (``_Proxy``) sits
between boto3 and moto (``AWS_ENDPOINT_URL`` points at it), forwards every request unchanged and
answers ``403 AccessDenied`` (S3's XML error body) to the chosen sub-resource requests of that
bucket. It also records request bodies, which shows the external id reaching ``AssumeRole``.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scanner.cli import main
from tests.aws.conftest import (
    MOTO_ACCOUNT,
    client,
    create_bucket,
    protect_bucket,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "scanner" / "schemas" / "evidence.schema.json"
PARTNER = "111122223333"
PARTNER_ROLE = f"arn:aws:iam::{PARTNER}:role/pacscan"

#: every S3 rule; ``pacs-images`` passes all of them
S3_RULES = {"AWS-S3-ENCRYPTION", "AWS-S3-KMS-CMK", "AWS-S3-SECURE-TRANSPORT", "AWS-S3-NETWORK-RESTRICTED",
            "AWS-S3-PUBLIC-ACCESS-BLOCK", "AWS-S3-POLICY-NOT-PUBLIC", "AWS-S3-ACL-NOT-PUBLIC",
            "AWS-S3-OWNERSHIP-ENFORCED", "AWS-S3-ACCESS-LOGGING", "AWS-S3-VERSIONING", "AWS-S3-OBJECT-LOCK",
            "AWS-S3-OBJECT-LOCK-RETENTION", "AWS-S3-LIFECYCLE-RETENTION"}
#: the rules a bare bucket fails (no ACL/policy makes it public, no lock or lifecycle shortens retention)
LEGACY_FAILS = {("ENC-REST", "AWS-S3-ENCRYPTION"), ("ENC-KEYS", "AWS-S3-KMS-CMK"),
                ("TLS-STORAGE", "AWS-S3-SECURE-TRANSPORT"), ("NET-STORAGE", "AWS-S3-NETWORK-RESTRICTED"),
                ("ACC-PUBLIC", "AWS-S3-PUBLIC-ACCESS-BLOCK"), ("ACC-UNIFORM", "AWS-S3-OWNERSHIP-ENFORCED"),
                ("AUD-ACCESS", "AWS-S3-ACCESS-LOGGING"), ("INT-VERSION", "AWS-S3-VERSIONING"),
                ("INT-IMMUTABLE", "AWS-S3-OBJECT-LOCK")}


# ---- the estate -----------------------------------------------------------------------------------

def _compliant_bucket(name: str) -> None:
    """Everything the S3 rules ask for, in us-east-1 (as tests/aws/test_storage.py's pass-all)."""
    s3 = client("s3")
    kms = client("kms")
    key = kms.create_key(Description="pacs")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    create_bucket(s3, name, "us-east-1", lock=True)
    s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 7}}})
    protect_bucket(s3, name, key)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": "cold", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}]}]})


def _world_open_orthanc(ec2: Any) -> str:
    group = ec2.create_security_group(GroupName="orthanc", Description="Orthanc PACS")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 4242, "ToPort": 4242, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return str(group)


@dataclass(frozen=True)
class Estate:
    account: str
    orthanc: str  # security group id
    default_vpc: str
    default_acl: str


def seed_small_estate() -> Estate:
    _compliant_bucket("pacs-images")
    client("s3").create_bucket(Bucket="legacy-scans")
    ec2 = client("ec2")
    orthanc = _world_open_orthanc(ec2)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0]["NetworkAclId"]
    return Estate(MOTO_ACCOUNT, orthanc, vpc, acl)


def expected_failures(estate: Estate) -> set[tuple[str, str, str]]:
    """(control, rule, address) of every failing finding of the small estate, in us-east-1."""
    arn = f"arn:aws:ec2:us-east-1:{estate.account}"
    return {
        *{(control, rule, "arn:aws:s3:::legacy-scans") for control, rule in LEGACY_FAILS},
        ("NET-DICOM", "AWS-SG-DICOM", f"{arn}:security-group/{estate.orthanc}"),
        ("NET-DICOM", "AWS-NACL-DICOM", f"{arn}:network-acl/{estate.default_acl}"),  # the default allow-all
        ("NET-ADMIN", "AWS-NACL-ADMIN", f"{arn}:network-acl/{estate.default_acl}"),
        ("AUD-FLOW", "AWS-VPC-FLOW-LOGS", f"{arn}:vpc/{estate.default_vpc}"),
        ("ENC-REST", "AWS-EBS-DEFAULT-ENCRYPTION", f"{arn}:ebs-encryption-by-default"),
        ("AUD-TRAIL", "AWS-CLOUDTRAIL-ACCOUNT", f"aws-account/{estate.account}/cloudtrail"),
        ("IAM-MFA", "AWS-IAM-ROOT-MFA", f"arn:aws:iam::{estate.account}:root"),
    }


# ---- running the CLI ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    document: dict[str, Any] = field(default_factory=dict)

    def live(self) -> list[dict[str, Any]]:
        return [f for f in self.document["findings"] if f["source"] == "aws"]

    def failures(self) -> set[tuple[str, str, str]]:
        return {(f["control_id"], f["check_id"], f["resource"]["address"])
                for f in self.live() if f["status"] == "fail"}

    def of(self, address: str) -> set[tuple[str, str, str]]:
        return {(f["control_id"], f["check_id"], f["status"])
                for f in self.live() if f["resource"]["address"] == address}


def pacscan(capsys: pytest.CaptureFixture[str], out: Path, *extra: str) -> Run:
    capsys.readouterr()
    code = main(["cloud", "aws", "--region", "us-east-1", "--format", "json", "--output", str(out), *extra])
    captured = capsys.readouterr()
    document = json.loads(out.read_text()) if out.exists() else {}
    return Run(code, captured.out, captured.err, document)


# ---- the HTTP proxy in front of moto --------------------------------------------------------------

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "server", "date"}
_ACCESS_DENIED = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
                  b"<Message>Access Denied</Message><RequestId>pacscan-test</RequestId></Error>")


@dataclass
class _Proxy:
    upstream: str
    denied_bucket: str = ""
    denied_queries: frozenset[str] = frozenset()
    bodies: list[bytes] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)

    def denies(self, method: str, path: str) -> bool:
        parts = urllib.parse.urlsplit(path)
        keys = set(urllib.parse.parse_qs(parts.query, keep_blank_values=True))
        return method == "GET" and parts.path == f"/{self.denied_bucket}" and bool(keys & self.denied_queries)


def _handler(proxy: _Proxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _reply(self, status: int, headers: Sequence[tuple[str, str]], data: bytes) -> None:
            self.send_response(status)
            for key, value in headers:
                if key.lower() not in _HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            proxy.bodies.append(body)
            if proxy.denies(self.command, self.path):
                proxy.denied.append(self.path)
                self._reply(403, [("Content-Type", "application/xml")], _ACCESS_DENIED)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            request = urllib.request.Request(proxy.upstream + self.path, data=body or None, headers=headers,
                                             method=self.command)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status, reply, data = response.status, response.headers, response.read()
            except urllib.error.HTTPError as err:
                status, reply, data = err.code, err.headers, err.read()
            self._reply(status, list(reply.items()), data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    return Handler


@contextmanager
def proxy_to(upstream: str, monkeypatch: pytest.MonkeyPatch, **denials: Any) -> Iterator[_Proxy]:
    proxy = _Proxy(upstream, **denials)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host!s}:{port}")
        yield proxy
    finally:
        server.shutdown()
        server.server_close()


# ---- the tests ------------------------------------------------------------------------------------

def _rule_controls(run: Run) -> dict[str, str]:
    return {f["check_id"]: f["control_id"] for f in run.live()}


def test_scan_reports_the_failing_controls_by_arn_and_exits_1(aws: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    estate = seed_small_estate()
    run = pacscan(capsys, tmp_path / "aws.json")
    assert run.code == 1, run.stderr
    jsonschema.validate(run.document, json.loads(SCHEMA.read_text()))
    assert run.document["scan"]["identities"] == {MOTO_ACCOUNT: f"arn:aws:sts::{MOTO_ACCOUNT}:user/moto"}
    assert run.failures() == expected_failures(estate)
    control = _rule_controls(run)
    assert run.of("arn:aws:s3:::pacs-images") == {(control[rule], rule, "pass") for rule in S3_RULES}
    assert {f["status"] for f in run.live()} <= {"pass", "fail", "not_applicable"}  # nothing unreadable here
    # the bare bucket has no object lock: its default retention is not judged
    assert {(f["check_id"], f["resource"]["address"]) for f in run.live() if f["status"] == "not_applicable"} == {
        ("AWS-S3-OBJECT-LOCK-RETENTION", "arn:aws:s3:::legacy-scans")}
    assert {f["resource"]["account"] for f in run.live()} == {MOTO_ACCOUNT}
    orthanc = next(f for f in run.live() if f["check_id"] == "AWS-SG-DICOM" and f["status"] == "fail")
    assert orthanc["resource"]["region"] == "us-east-1"
    assert "0.0.0.0/0" in json.dumps(orthanc["evidence"]["observed"])
    assert "Traceback" not in run.stderr
    # the requests the scan made, in the evidence: per operation and per resource kind
    calls = run.document["scan"]["api_calls"]
    assert calls["total"] == sum(calls["by_operation"].values())
    buckets = calls["by_kind"]["aws.s3.bucket"]
    assert buckets["resources"] == 2 and buckets["requests"] == sum(buckets["by_operation"].values())
    assert buckets["per_resource"] == round(buckets["requests"] / 2, 2)
    assert not {"s3:GetBucketLocation", "s3:GetBucketReplication"} & set(calls["by_operation"])
    assert calls["by_kind"]["aws.ec2.security_group"]["by_operation"] == {"ec2:DescribeSecurityGroups": 1}


def test_soft_fail_exits_0_with_the_same_report(aws: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    estate = seed_small_estate()
    run = pacscan(capsys, tmp_path / "aws.json", "--soft-fail")
    assert run.code == 0
    assert run.failures() == expected_failures(estate)


def test_role_arn_scans_the_other_account(aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """moto keeps one estate per account: what is seeded with the assumed role's credentials lives
    in 111122223333 and the caller's own bucket must not appear."""
    import boto3

    client("s3").create_bucket(Bucket="home-bucket")
    creds = client("sts").assume_role(RoleArn=PARTNER_ROLE, RoleSessionName="seed")["Credentials"]
    partner = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], region_name="us-east-1")
    partner.client("s3").create_bucket(Bucket="partner-pacs")
    group = _world_open_orthanc(partner.client("ec2"))
    with proxy_to(aws, monkeypatch) as proxy:
        run = pacscan(capsys, tmp_path / "partner.json", "--role-arn", PARTNER_ROLE, "--external-id",
                      "tenant-42")
    assert run.code == 1, run.stderr
    assert run.document["scan"]["identities"] == {PARTNER: f"arn:aws:sts::{PARTNER}:assumed-role/pacscan/pacscan"}
    assert {f["resource"]["account"] for f in run.live()} == {PARTNER}
    buckets = {f["resource"]["address"] for f in run.live() if f["resource"]["type"] == "aws.s3.bucket"}
    assert buckets == {"arn:aws:s3:::partner-pacs"}
    assert ("NET-DICOM", "AWS-SG-DICOM", f"arn:aws:ec2:us-east-1:{PARTNER}:security-group/{group}") in run.failures()
    assume = [b for b in proxy.bodies if b"Action=AssumeRole" in b]
    assert len(assume) == 1 and b"ExternalId=tenant-42" in assume[0]
    assert urllib.parse.quote(PARTNER_ROLE, safe="").encode() in assume[0]


DENIED_QUERIES = frozenset({"policy", "versioning"})
#: the rules reading the denied facts (``policy.*``, ``versioning.*``); everything else is readable
DENIED_RULES = {"AWS-S3-SECURE-TRANSPORT", "AWS-S3-NETWORK-RESTRICTED", "AWS-S3-VERSIONING"}


def test_denied_bucket_errs_exactly_the_controls_it_could_not_read(aws: str, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    estate = seed_small_estate()
    with proxy_to(aws, monkeypatch, denied_bucket="pacs-images", denied_queries=DENIED_QUERIES) as proxy:
        run = pacscan(capsys, tmp_path / "denied.json")
    assert sorted(proxy.denied) == ["/pacs-images?policy", "/pacs-images?versioning"]  # each read once, not retried
    jsonschema.validate(run.document, json.loads(SCHEMA.read_text()))
    control = _rule_controls(run)
    assert run.of("arn:aws:s3:::pacs-images") == {
        (control[rule], rule, "error" if rule in DENIED_RULES else "pass") for rule in S3_RULES}
    errors = [f for f in run.live() if f["status"] == "error"]
    assert {f["resource"]["address"] for f in errors} == {"arn:aws:s3:::pacs-images"}
    assert all("AccessDenied" in json.dumps(f["evidence"]) for f in errors)
    assert run.failures() == expected_failures(estate)  # the other bucket and the network are unaffected
    assert run.code == 1


def test_unknown_profile_is_one_clear_line_and_exit_2(aws: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "never.json"
    run = pacscan(capsys, out, "--profile", "no-such-profile")
    assert run.code == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pacscan: error: "), run.stderr
    assert "no-such-profile" in lines[0]
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert not out.exists()


def test_external_id_sts_refuses_is_an_input_error_not_a_traceback(aws: str, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """STS requires 2 to 1224 characters: the CLI says so before any request is sent."""
    with pytest.raises(SystemExit) as exited:
        main(["cloud", "aws", "--role-arn", PARTNER_ROLE, "--external-id", "X", "--format", "json",
              "--output", str(tmp_path / "never.json")])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "pacscan: error: --external-id: 2 to 1224 characters" in err
    assert "Traceback" not in err and not (tmp_path / "never.json").exists()


def test_external_id_without_role_is_a_usage_error(aws: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["cloud", "aws", "--external-id", "X"])
    assert exited.value.code == 2
    assert "--external-id goes with --role-arn" in capsys.readouterr().err
