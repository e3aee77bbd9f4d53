"""CloudTrail trails, VPC flow logs and IAM policies from Terraform, judged by AWS-CLOUDTRAIL-TRAIL
(AUD-TRAIL), AWS-VPC-FLOW-LOGS (AUD-FLOW) and AWS-IAM-POLICY-ADMIN-MFA (IAM-MFA): the retired built-ins'
and PACS_AWS_IAM_ADMIN_MFA's semantics, widened as the issue asks, and the unknown cases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.policies.aws.helpers import facts, hcl, instance, judge_hcl, normalise, verdicts

TRAIL, FLOW, MFA = "AWS-CLOUDTRAIL-TRAIL", "AWS-VPC-FLOW-LOGS", "AWS-IAM-POLICY-ADMIN-MFA"


def _short(found: dict[str, str]) -> dict[str, str]:
    return {a.split(".", 1)[1]: s for a, s in found.items()}


# --- CloudTrail ------------------------------------------------------------------------------------

def _trail(name: str, **arguments: object) -> str:
    return hcl("aws_cloudtrail", name, **{"name": f'"{name}"', "s3_bucket_name": '"logs"', **arguments})


def test_trail_is_multi_region_validated_and_kms_encrypted() -> None:
    text = ('variable "multi" { type = bool }\nresource "aws_kms_key" "trail" {}\n'
            + _trail("pass_key_reference", is_multi_region_trail=True, enable_log_file_validation=True,
                     kms_key_id="aws_kms_key.trail.arn")
            + _trail("fail_defaults")
            + _trail("fail_no_validation", is_multi_region_trail=True, kms_key_id='"arn:aws:kms:us-east-1:1:key/k"')
            + _trail("unknown_multi_region", is_multi_region_trail="var.multi", enable_log_file_validation=True,
                     kms_key_id="aws_kms_key.trail.arn"))
    assert _short(verdicts(judge_hcl(text), TRAIL)) == {
        "pass_key_reference": "pass", "fail_defaults": "fail", "fail_no_validation": "fail",
        "unknown_multi_region": "unknown"}


def test_trail_event_selectors_read_as_the_live_collector_reads_them() -> None:
    selector = ('event_selector {\n    read_write_type = "WriteOnly"\n    include_management_events = false\n'
                '    data_resource {\n      type = "AWS::S3::Object"\n      values = ["arn:aws:s3:::pacs/studies/"]\n'
                '    }\n  }')
    found = normalise(*_instances(hcl("aws_cloudtrail", "t", selector, name='"t"', s3_bucket_name='"logs"')
                                  + _trail("plain")))
    assert facts(found, "aws_cloudtrail.t")["s3_data_events"] == [
        {"bucket": "pacs", "prefix": "studies/", "read_write": "WriteOnly", "excludes": []}]
    assert facts(found, "aws_cloudtrail.t")["management_events"] is False
    assert facts(found, "aws_cloudtrail.plain")["management_events"] is True


def _instances(text: str) -> list[Any]:
    import tempfile
    from pathlib import Path

    from scanner.iac.hcl import load_configuration

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "main.tf").write_text(text)
        return list(load_configuration(Path(folder), environ={}).instances)


# --- flow logs -------------------------------------------------------------------------------------

def _vpc(name: str, kind: str = "aws_vpc") -> str:
    return hcl(kind, name, cidr_block='"10.0.0.0/16"') if kind == "aws_vpc" else hcl(kind, name)


def _flow(name: str, vpc: str, **arguments: object) -> str:
    return hcl("aws_flow_log", name, vpc_id=vpc, traffic_type='"ALL"', log_destination='"arn:aws:s3:::logs"',
               log_destination_type='"s3"', **arguments)


def test_a_vpc_passes_with_a_flow_log_and_fails_without() -> None:
    text = (_vpc("pass_logged") + _flow("f", "aws_vpc.pass_logged.id") + _vpc("fail_bare")
            + _vpc("pass_default", "aws_default_vpc") + _flow("d", "aws_default_vpc.pass_default.id")
            + hcl("aws_subnet", "s", vpc_id="aws_vpc.fail_bare.id", cidr_block='"10.0.1.0/24"')
            + hcl("aws_flow_log", "subnet_only", subnet_id="aws_subnet.s.id", traffic_type='"ALL"'))
    assert _short(verdicts(judge_hcl(text), FLOW)) == {"pass_logged": "pass", "fail_bare": "fail",
                                                       "pass_default": "pass"}


def test_a_flow_log_that_may_be_a_vpcs_leaves_it_unknown() -> None:
    text = ('variable "vpc_id" { type = string }\nvariable "enabled" { type = bool }\n'
            + _vpc("unknown_which_vpc") + _flow("f", "var.vpc_id")
            + _vpc("unknown_count") + _flow("g", "aws_vpc.unknown_count.id", count="var.enabled ? 1 : 0"))
    assert _short(verdicts(judge_hcl(text), FLOW)) == {"unknown_which_vpc": "unknown", "unknown_count": "unknown"}


# --- IAM policies ----------------------------------------------------------------------------------

def _policy(name: str, *statements: dict[str, Any], kind: str = "aws_iam_policy", **arguments: object) -> str:
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return hcl(kind, name, name=f'"{name}"', policy=f"jsonencode({_hcl_object(json.loads(document))})", **arguments)


def _hcl_object(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}" = {_hcl_object(v)}' for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl_object(v) for v in value) + "]"
    return json.dumps(value)


def _allow(action: Any, resource: Any = "*", condition: dict[str, Any] | None = None, key: str = "Action",
           effect: str = "Allow") -> dict[str, Any]:
    statement = {"Effect": effect, key: action, "Resource": resource}
    return {**statement, "Condition": condition} if condition else statement


_MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def _mfa(text: str) -> dict[str, str]:
    return _short(verdicts(judge_hcl(text), MFA))


def test_the_retired_checks_cases() -> None:
    text = (_policy("pass_admin_with_mfa", _allow("*", condition=_MFA))
            + _policy("pass_reader", _allow(["s3:GetObject"], "arn:aws:s3:::pacs/*"))
            + _policy("fail_admin", _allow("*"))
            + _policy("fail_if_exists", _allow(["iam:*"], condition={"BoolIfExists": _MFA["Bool"]}),
                      kind="aws_iam_group_policy", group='"admins"')
            + hcl("aws_iam_user_policy", "fail_heredoc", name='"u"', user='"alice"',
                  policy='<<POLICY\n{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*:*", '
                         '"Resource": "*"}]}\nPOLICY'))
    assert _mfa(text) == {"pass_admin_with_mfa": "pass", "pass_reader": "pass", "fail_admin": "fail",
                          "fail_if_exists": "fail", "fail_heredoc": "fail"}


@pytest.mark.parametrize("action", ["iam:Put*", "iam:Attach*", "iam:CreatePolicyVersion", "iam:Create*",
                                    "iam:Update*", "iam:?ttachUserPolicy", "IAM:PUTROLEPOLICY", "iam:*Policy"])
def test_iam_write_that_grants_any_permission_is_admin_equivalent(action: str) -> None:
    assert _mfa(_policy("fail_escalation", _allow(action))) == {"fail_escalation": "fail"}


@pytest.mark.parametrize(("statement", "status"), [
    (_allow("iam:PassRole"), "fail"),
    (_allow("iam:PassRole", "arn:aws:iam::111122223333:role/lambda-*"), "fail"),
    (_allow("iam:PassRole", "arn:aws:iam::111122223333:role/lambda-exec"), "pass"),
    (_allow(["s3:*"], key="NotAction"), "fail"),
    (_allow(["iam:*", "organizations:*"], key="NotAction"), "fail"),
    (_allow(["iam:*"], "arn:aws:s3:::pacs/*", key="NotAction"), "pass"),
    (_allow(["s3:*"], "arn:aws:iam::111122223333:user/*", key="NotAction"), "fail"),
    (_allow(["iam:Get*", "iam:List*", "iam:CreateServiceLinkedRole"]), "pass"),
    (_allow("*", effect="Deny"), "pass"),
])
def test_admin_equivalence(statement: dict[str, Any], status: str) -> None:
    assert _mfa(_policy("p", statement)) == {"p": status}


@pytest.mark.parametrize(("condition", "status"), [
    ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, "pass"),
    ({"Null": {"aws:MultiFactorAuthAge": "false"}}, "pass"),
    ({"Bool": {"aws:MultiFactorAuthPresent": ["true", "false"]}}, "fail"),
    ({"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}, "fail"),
    ({"StringEquals": {"aws:username": "alice"}}, "fail"),
])
def test_what_counts_as_requiring_mfa(condition: dict[str, Any], status: str) -> None:
    assert _mfa(_policy("p", _allow("iam:*", condition=condition))) == {"p": status}


_GUARD_ACTIONS = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "sts:GetSessionToken"]


@pytest.mark.parametrize(("guard", "status"), [
    ({"Effect": "Deny", "NotAction": _GUARD_ACTIONS, "Resource": "*",
      "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}, "pass"),
    ({"Effect": "Deny", "NotAction": _GUARD_ACTIONS, "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}, "fail"),  # access keys carry no MFA key
    ({"Effect": "Deny", "Action": ["iam:Put*"], "Resource": "*",
      "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}, "fail"),  # covers too little
    ({"Effect": "Deny", "Action": "*", "Resource": "arn:aws:iam::111122223333:user/*",
      "Condition": {"Null": {"aws:MultiFactorAuthAge": "true"}}}, "fail"),  # not every resource
])
def test_a_deny_without_mfa_guard_in_the_same_policy(guard: dict[str, Any], status: str) -> None:
    assert _mfa(_policy("p", _allow("*"), guard)) == {"p": status}


def test_unknown_document_parts_are_unknown_and_known_admin_parts_still_fail() -> None:
    text = ('variable "actions" { type = list(string) }\nvariable "extra" {}\n'
            'resource "aws_iam_policy" "unknown_actions" {\n  name = "a"\n  policy = jsonencode({Statement = '
            '[{Effect = "Allow", Action = var.actions, Resource = "*"}]})\n}\n'
            'data "aws_iam_policy_document" "doc" {\n  statement {\n    actions = concat(var.actions, ["s3:Get*"])\n'
            '    resources = ["*"]\n  }\n}\n'
            'resource "aws_iam_policy" "unknown_document" {\n  name = "d"\n'
            '  policy = data.aws_iam_policy_document.doc.json\n}\n'
            'resource "aws_iam_policy" "fail_known_admin" {\n  name = "k"\n  policy = jsonencode({Statement = '
            '[{Effect = "Allow", Action = "*", Resource = "*"}, {Effect = "Allow", Action = var.actions, '
            'Resource = "*"}]})\n}\n'
            'resource "aws_iam_policy" "unknown_whole" {\n  name = "w"\n  policy = var.extra\n}\n'
            'resource "aws_iam_policy" "unknown_condition" {\n  name = "c"\n  policy = jsonencode({Statement = '
            '[{Effect = "Allow", Action = "*", Resource = "*", Condition = var.extra}]})\n}\n'
            'data "aws_iam_policy_document" "rendered" {\n  statement {\n    actions = ["iam:*"]\n'
            '    resources = ["*"]\n  }\n}\n'
            'resource "aws_iam_policy" "fail_rendered_document" {\n  name = "r"\n'
            '  policy = data.aws_iam_policy_document.rendered.json\n}\n')
    assert _mfa(text) == {"unknown_actions": "unknown", "unknown_document": "unknown", "fail_known_admin": "fail",
                          "unknown_whole": "unknown", "unknown_condition": "unknown", "fail_rendered_document": "fail"}


def _role(name: str, principal: dict[str, Any], condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
    if condition:
        statement["Condition"] = condition
    return hcl("aws_iam_role", name, name=f'"{name}"',
               assume_role_policy=f"jsonencode({_hcl_object({'Statement': [statement]})})")


def _role_policy(name: str, role: str, statement: dict[str, Any]) -> str:
    return _policy(name, statement, kind="aws_iam_role_policy", role=role)


def test_a_role_policy_matters_where_people_assume_the_role_without_mfa() -> None:
    text = (_role("service", {"Service": "ec2.amazonaws.com"})
            + _role_policy("service_admin", "aws_iam_role.service.id", _allow("*"))
            + _role("people", {"AWS": "arn:aws:iam::111122223333:root"})
            + _role_policy("fail_people_admin", "aws_iam_role.people.name", _allow("*"))
            + _role("people_mfa", {"AWS": "arn:aws:iam::111122223333:root"}, _MFA)
            + _role_policy("people_mfa_admin", "aws_iam_role.people_mfa.id", _allow("*"))
            + _role("sso", {"Federated": "arn:aws:iam::111122223333:saml-provider/okta"})
            + _role_policy("unknown_federated_admin", "aws_iam_role.sso.id", _allow("*"))
            + _role_policy("unknown_undeclared_role", '"ops"', _allow("*"))
            + _role_policy("pass_people_reader", "aws_iam_role.people.id", _allow("s3:GetObject")))
    assert _mfa(text) == {"service_admin": "not_applicable", "fail_people_admin": "fail",
                          "people_mfa_admin": "not_applicable", "unknown_federated_admin": "unknown",
                          "unknown_undeclared_role": "unknown", "pass_people_reader": "pass"}


def test_inline_policies_of_a_role() -> None:
    document = _hcl_object({"Statement": [_allow("*")]})
    inline = f'inline_policy {{\n    name = "admin"\n    policy = jsonencode({document})\n  }}'
    trust = _hcl_object({"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": "*"}]})
    text = hcl("aws_iam_role", "r", inline, name='"r"', assume_role_policy=f"jsonencode({trust})")
    assert verdicts(judge_hcl(text), MFA) == {'aws_iam_role.r.inline_policy["admin"]': "fail"}


def test_a_statement_of_unseen_statements_is_unknown() -> None:
    policy = instance("aws_iam_policy.p", {"name": "p", "policy": json.dumps({"Statement": {"Effect": "Allow",
                                                                                              "Action": "*"}})})
    assert facts(normalise(policy), "aws_iam_policy.p")["statements"][0]["admin_equivalent"] is True


def test_an_empty_key_is_no_key() -> None:
    text = _trail("fail_empty_key", is_multi_region_trail=True, enable_log_file_validation=True, kms_key_id='""')
    assert _short(verdicts(judge_hcl(text), TRAIL)) == {"fail_empty_key": "fail"}
