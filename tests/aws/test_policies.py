"""IAM policy documents against a real moto server: AWS-IAM-POLICY-ADMIN-MFA (IAM-MFA) live, the same
rule and the same facts as for Terraform (tests/policies/aws/test_audit.py)."""

from __future__ import annotations

import json
from typing import Any

from scanner.collectors.aws.policies import collect_policies
from tests.aws.conftest import client
from tests.aws.test_network import Fault, _empty_aws_config, aws_session, inject, run, verdicts

__all__ = ["_empty_aws_config"]  # the autouse fixture, shared

RULE = "AWS-IAM-POLICY-ADMIN-MFA"
_ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}
_MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(principal: dict[str, Any]) -> str:
    return _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal})


def seed_policies() -> None:
    iam = client("iam")
    iam.create_policy(PolicyName="fail-admin-managed", PolicyDocument=_doc(_ADMIN))
    iam.create_policy(PolicyName="pass-admin-mfa", PolicyDocument=_doc({**_ADMIN, "Condition": _MFA}))
    iam.create_policy(PolicyName="pass-reader", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::pacs/*"}))
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="fail-iam-put", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "iam:Put*", "Resource": "*"}))
    iam.create_group(GroupName="admins")
    iam.put_group_policy(GroupName="admins", PolicyName="fail-not-action", PolicyDocument=_doc(
        {"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"}))
    iam.create_role(RoleName="ec2", AssumeRolePolicyDocument=_trust({"Service": "ec2.amazonaws.com"}))
    iam.put_role_policy(RoleName="ec2", PolicyName="service-admin", PolicyDocument=_doc(_ADMIN))
    iam.create_role(RoleName="ops", AssumeRolePolicyDocument=_trust({"AWS": "arn:aws:iam::123456789012:root"}))
    iam.put_role_policy(RoleName="ops", PolicyName="fail-people-admin", PolicyDocument=_doc(_ADMIN))


def test_policies_admin_mfa(aws: str) -> None:
    seed_policies()
    inventory, findings = run(aws_session(), collect_policies)
    assert verdicts(findings, RULE) == {
        "fail-admin-managed": "fail", "pass-admin-mfa": "pass", "pass-reader": "pass", "alice/fail-iam-put": "fail",
        "admins/fail-not-action": "fail", "ec2/service-admin": "not_applicable", "ops/fail-people-admin": "fail"}
    by_name = {r.name: r for r in inventory.resources}
    assert by_name["fail-admin-managed"].id == "arn:aws:iam::123456789012:policy/fail-admin-managed"
    assert by_name["ops/fail-people-admin"].facts["role_assumable_without_mfa"] is True
    assert by_name["alice/fail-iam-put"].facts["statements"][0]["admin_equivalent"] is True
    assert inventory.calls["iam:GetAccountAuthorizationDetails"] == 1


def test_denied_authorization_details_are_an_error(aws: str) -> None:
    seed_policies()
    session = aws_session()
    inject(session, "iam", "us-east-1", "GetAccountAuthorizationDetails", Fault("AccessDenied", protocol="query"))
    inventory, findings = run(session, collect_policies)
    assert inventory.resources == ()
    assert verdicts(findings, RULE) == {"aws:123456789012:global:aws.iam.policy": "error"}
