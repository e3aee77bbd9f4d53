"""AUD-TRAIL and IAM-MFA against a real moto server.

moto gap: moto's GetAccountSummary always answers ``AccountMFAEnabled = 0`` (root MFA cannot be
enabled through its API), so the root-MFA *pass* case is served from a recorded GetAccountSummary
response (shaped exactly like the IAM API's XML) by a local http.server, with only the IAM client
pointed at it (``AWS_ENDPOINT_URL_IAM``). Everything else is moto.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from scanner.collectors.aws.audit import collect_trails, event_coverage
from scanner.collectors.aws.identity import collect_account, collect_users
from tests.aws.conftest import client
from tests.aws.test_network import Fault, _empty_aws_config, aws_session, inject, run, verdicts

__all__ = ["_empty_aws_config"]  # the autouse fixture, shared

REGIONS = ("us-east-1", "eu-west-1")
ACCOUNT_TRAIL = "CloudTrail (account 123456789012)"


def _trail(name: str, region: str, *, multi: bool = True, validation: bool = True, kms: bool = True,
           logging: bool = True) -> str:
    bucket = f"pacscan-trail-{name}"
    client("s3", "us-east-1").create_bucket(Bucket=bucket)
    kwargs: dict[str, Any] = {"Name": name, "S3BucketName": bucket, "IsMultiRegionTrail": multi,
                              "EnableLogFileValidation": validation}
    if kms:
        kwargs["KmsKeyId"] = client("kms", region).create_key()["KeyMetadata"]["Arn"]
    cloudtrail = client("cloudtrail", region)
    arn = str(cloudtrail.create_trail(**kwargs)["TrailARN"])
    if logging:
        cloudtrail.start_logging(Name=name)
    return arn


def seed_trails() -> None:
    arn = _trail("pass-trail-all", "us-east-1")
    client("cloudtrail").put_event_selectors(TrailName=arn, EventSelectors=[{
        "ReadWriteType": "All", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::pacs-images/"]}]}])
    _trail("fail-trail-regional", "eu-west-1", multi=False)
    _trail("fail-trail-no-kms", "eu-west-1", kms=False)
    _trail("fail-trail-no-validation", "us-east-1", validation=False)


def test_trails_and_account(aws: str) -> None:
    seed_trails()
    inventory, findings = run(aws_session(REGIONS), collect_trails)
    assert verdicts(findings, "AWS-CLOUDTRAIL-TRAIL") == {
        "pass-trail-all": "pass", "fail-trail-regional": "fail", "fail-trail-no-kms": "fail",
        "fail-trail-no-validation": "fail"}
    assert verdicts(findings, "AWS-CLOUDTRAIL-ACCOUNT") == {ACCOUNT_TRAIL: "pass"}
    trail = next(r for r in inventory.resources if r.name == "pass-trail-all")
    assert trail.facts["is_logging"] is True
    assert trail.facts["s3_data_events"] == [{"bucket": "pacs-images", "prefix": None, "read_write": "All",
                                              "excludes": []}]
    assert inventory.calls["cloudtrail:GetTrailStatus"] == 4  # once per trail, not per region seen


def test_account_fails_when_the_only_good_trail_is_stopped(aws: str) -> None:
    _trail("pass-trail-stopped", "us-east-1", logging=False)  # per-trail rule = the Terraform checks
    _trail("fail-trail-regional", "eu-west-1", multi=False)
    _, findings = run(aws_session(REGIONS), collect_trails)
    assert verdicts(findings, "AWS-CLOUDTRAIL-TRAIL") == {"pass-trail-stopped": "pass",
                                                          "fail-trail-regional": "fail"}
    assert verdicts(findings, "AWS-CLOUDTRAIL-ACCOUNT") == {ACCOUNT_TRAIL: "fail"}


def test_account_without_trails_fails(aws: str) -> None:
    _, findings = run(aws_session(REGIONS), collect_trails)
    assert verdicts(findings, "AWS-CLOUDTRAIL-TRAIL") == {}
    assert verdicts(findings, "AWS-CLOUDTRAIL-ACCOUNT") == {ACCOUNT_TRAIL: "fail"}


def test_denied_trail_status_errs_the_account_not_the_trail_settings(aws: str) -> None:
    seed_trails()
    session = aws_session(REGIONS)
    inject(session, "cloudtrail", "us-east-1", "GetTrailStatus", Fault("AccessDeniedException", protocol="json"))
    inventory, findings = run(session, collect_trails)
    assert verdicts(findings, "AWS-CLOUDTRAIL-TRAIL")["pass-trail-all"] == "pass"
    assert verdicts(findings, "AWS-CLOUDTRAIL-ACCOUNT") == {ACCOUNT_TRAIL: "error"}
    trail = next(r for r in inventory.resources if r.name == "pass-trail-all")
    assert "AccessDeniedException" in trail.errors["is_logging"]


def test_denied_describe_trails_in_one_region(aws: str) -> None:
    seed_trails()
    session = aws_session(REGIONS)
    inject(session, "cloudtrail", "eu-west-1", "DescribeTrails", Fault("AccessDeniedException", protocol="json"))
    _, findings = run(session, collect_trails)
    found = verdicts(findings, "AWS-CLOUDTRAIL-TRAIL")
    assert found.pop("aws:123456789012:eu-west-1:aws.cloudtrail.trail") == "error"
    # fail-trail-no-kms lives in eu-west-1 but is multi-region: us-east-1 lists it as a shadow trail
    assert found == {"pass-trail-all": "pass", "fail-trail-no-validation": "fail", "fail-trail-no-kms": "fail"}
    assert verdicts(findings, "AWS-CLOUDTRAIL-ACCOUNT") == {ACCOUNT_TRAIL: "error"}


def test_advanced_selectors_are_normalized() -> None:
    coverage = event_coverage({"AdvancedEventSelectors": [
        {"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        {"Name": "images", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "readOnly", "Equals": ["false"]},
            {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::pacs-images/studies/"]}]},
        {"Name": "all-but-logs", "FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            {"Field": "resources.ARN", "NotStartsWith": ["arn:aws:s3:::pacs-logs/"]}]},
    ]})
    assert coverage == {"management_events": True, "s3_data_events": [
        {"bucket": "pacs-images", "prefix": "studies/", "read_write": "WriteOnly", "excludes": []},
        {"bucket": "*", "prefix": None, "read_write": "All", "excludes": ["arn:aws:s3:::pacs-logs/"]},
    ]}


# --- IAM -------------------------------------------------------------------------------------------

RECORDED_ACCOUNT_SUMMARY = b"""<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetAccountSummaryResult>
    <SummaryMap>
      <entry><key>Groups</key><value>3</value></entry>
      <entry><key>Users</key><value>5</value></entry>
      <entry><key>Roles</key><value>12</value></entry>
      <entry><key>Policies</key><value>8</value></entry>
      <entry><key>MFADevices</key><value>4</value></entry>
      <entry><key>MFADevicesInUse</key><value>3</value></entry>
      <entry><key>AccountMFAEnabled</key><value>1</value></entry>
      <entry><key>AccountAccessKeysPresent</key><value>0</value></entry>
      <entry><key>AccountSigningCertificatesPresent</key><value>0</value></entry>
    </SummaryMap>
  </GetAccountSummaryResult>
  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
</GetAccountSummaryResponse>"""


class _Recorded(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ok = b"Action=GetAccountSummary" in body
        refusal = b"<ErrorResponse><Error><Code>NotRecorded</Code></Error></ErrorResponse>"
        payload = RECORDED_ACCOUNT_SUMMARY if ok else refusal
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def recorded_iam(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", url)
    yield url
    server.shutdown()
    server.server_close()


def test_root_mfa_missing_fails(aws: str) -> None:
    inventory, findings = run(aws_session(), collect_account)
    assert verdicts(findings, "AWS-IAM-ROOT-MFA") == {"root (123456789012)": "fail"}
    assert inventory.resources[0].id == "arn:aws:iam::123456789012:root"


def test_root_mfa_enabled_passes_from_recording(recorded_iam: str) -> None:
    inventory, findings = run(aws_session(), collect_account)
    assert verdicts(findings, "AWS-IAM-ROOT-MFA") == {"root (123456789012)": "pass"}
    assert inventory.resources[0].facts == {"root_mfa_enabled": True, "root_access_keys_present": False}


def test_root_mfa_denied_is_error(aws: str) -> None:
    session = aws_session()
    inject(session, "iam", "us-east-1", "GetAccountSummary", Fault("AccessDenied", protocol="query"))
    _, findings = run(session, collect_account)
    assert verdicts(findings, "AWS-IAM-ROOT-MFA") == {"root (123456789012)": "error"}


def test_console_users_need_mfa(aws: str) -> None:
    iam = client("iam")
    for name in ("pass-console-mfa", "fail-console-no-mfa", "api-only"):
        iam.create_user(UserName=name)
    for name in ("pass-console-mfa", "fail-console-no-mfa"):
        iam.create_login_profile(UserName=name, Password="Correct-Horse-9!")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="radiologist")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="pass-console-mfa", SerialNumber=serial, AuthenticationCode1="123456",
                          AuthenticationCode2="654321")
    _, findings = run(aws_session(), collect_users)
    assert verdicts(findings, "AWS-IAM-USER-CONSOLE-MFA") == {"pass-console-mfa": "pass",
                                                              "fail-console-no-mfa": "fail",
                                                              "api-only": "not_applicable"}  # no console access


def test_every_call_of_these_collectors_is_allowed_by_the_readonly_policy(aws: str) -> None:
    import json
    from pathlib import Path

    from scanner.collectors.aws.endpoints import collect_distributions, collect_listeners
    from scanner.collectors.aws.iam_actions import required_actions, uncovered
    from scanner.collectors.aws.network import collect_network_acls, collect_security_groups, collect_vpcs

    seed_trails()
    client("iam").create_user(UserName="reader")
    session = aws_session(REGIONS)
    run(session, collect_security_groups, collect_network_acls, collect_vpcs, collect_listeners,
        collect_distributions, collect_trails, collect_account, collect_users)
    policy = json.loads((Path(__file__).parents[2] / "policies/iam/pacscan-aws-readonly.json").read_text())
    needed = required_actions(session.calls)
    assert {"ec2:DescribeSecurityGroups", "cloudtrail:GetTrailStatus", "iam:GetAccountSummary",
            "cloudfront:ListDistributions", "elasticloadbalancing:DescribeLoadBalancers"} <= needed
    assert uncovered(needed, policy) == set()
    assert uncovered({"s3:GetObject", "ec2:AuthorizeSecurityGroupIngress"}, policy) == {
        "s3:GetObject", "ec2:AuthorizeSecurityGroupIngress"}
