"""Property, one per AWS normaliser: take a configuration every rule over the kind passes, replace
one argument that decides a rule with a form the evaluator cannot know (an unset typed variable, a
data source, a function of a variable, an attribute known only after apply, an iterator over an
unknown collection), and the rule never passes everywhere any more: some finding of it is
``unknown`` (or ``fail``), wherever the value now lands (a rule resource whose group cannot be told
becomes its own group). The configurations run through the real evaluator, normalisers and rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.policies.aws.helpers import UNRESOLVED_FORMS, UNRESOLVED_HEADER, judge_hcl


@dataclass(frozen=True)
class Case:
    template: str
    #: placeholder -> (type of the argument, the HCL expression that makes every rule pass)
    arguments: Mapping[str, tuple[str, str]]
    #: placeholder -> the rules whose verdict it decides
    deciding: Mapping[str, tuple[str, ...]]

    def render(self, swap: str | None = None, form: str | None = None) -> str:
        values = {name: (form if name == swap else default) for name, (_, default) in self.arguments.items()}
        return UNRESOLVED_HEADER + self.template.format(**values)


_SG = ("AWS-SG-DICOM", "AWS-SG-ADMIN")
_NACL = ("AWS-NACL-DICOM", "AWS-NACL-ADMIN")

CASES: Mapping[str, Case] = {
    "security_groups": Case(
        """
resource "aws_security_group" "target" {{
  ingress {{
    protocol    = "tcp"
    from_port   = 0
    to_port     = 65535
    cidr_blocks = {private}
  }}
  ingress {{
    protocol    = {world_protocol}
    from_port   = {world_from}
    to_port     = {world_to}
    cidr_blocks = ["0.0.0.0/0"]
  }}
  dynamic "ingress" {{
    for_each = {each}
    content {{
      protocol    = "tcp"
      from_port   = 104
      to_port     = 104
      cidr_blocks = [ingress.value]
    }}
  }}
}}
resource "aws_security_group_rule" "egress" {{
  type              = {direction}
  protocol          = "-1"
  from_port         = 0
  to_port           = 0
  cidr_blocks       = ["0.0.0.0/0"]
  security_group_id = aws_security_group.target.id
}}
""",
        {"private": ("list", '["10.0.0.0/8"]'), "world_protocol": ("string", '"tcp"'), "world_from": ("number", "443"),
         "world_to": ("number", "443"), "each": ("list", '["192.168.0.0/16"]'), "direction": ("string", '"egress"')},
        {"private": _SG, "world_protocol": _SG, "world_from": _SG, "world_to": _SG, "each": ("AWS-SG-DICOM",),
         "direction": _SG}),
    "network_acls": Case(
        """
resource "aws_network_acl" "target" {{
  vpc_id = "vpc-1"
  ingress {{
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    from_port  = 0
    to_port    = 65535
    cidr_block = {private}
  }}
  ingress {{
    rule_no    = 200
    action     = {deny}
    protocol   = "-1"
    from_port  = 0
    to_port    = 0
    cidr_block = "0.0.0.0/0"
  }}
}}
resource "aws_network_acl_rule" "out" {{
  network_acl_id = aws_network_acl.target.id
  rule_number    = 100
  egress         = {egress}
  protocol       = "-1"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
}}
""",
        {"private": ("string", '"10.0.0.0/8"'), "deny": ("string", '"deny"'), "egress": ("bool", "true")},
        {"private": _NACL, "deny": _NACL, "egress": _NACL}),
    "vpcs": Case(
        """
resource "aws_vpc" "target" {{
  cidr_block = "10.0.0.0/16"
}}
resource "aws_flow_log" "log" {{
  count        = {count}
  vpc_id       = {vpc}
  traffic_type = "ALL"
}}
""",
        {"count": ("number", "1"), "vpc": ("string", "aws_vpc.target.id")},
        {"count": ("AWS-VPC-FLOW-LOGS",), "vpc": ("AWS-VPC-FLOW-LOGS",)}),
    "listeners": Case(
        """
resource "aws_lb_listener" "https" {{
  load_balancer_arn = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1"
  protocol          = {protocol}
  ssl_policy        = {policy}
  default_action {{
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/x/1"
  }}
}}
resource "aws_lb_listener" "http" {{
  load_balancer_arn = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1"
  protocol          = "HTTP"
  default_action {{
    type = {action}
    redirect {{
      protocol    = {redirect}
      status_code = "HTTP_301"
    }}
  }}
}}
""",
        {"protocol": ("string", '"HTTPS"'), "policy": ("string", '"ELBSecurityPolicy-TLS13-1-2-2021-06"'),
         "action": ("string", '"redirect"'), "redirect": ("string", '"HTTPS"')},
        {name: ("AWS-ELBV2-LISTENER-TLS",) for name in ("protocol", "policy", "action", "redirect")}),
    "distributions": Case(
        """
resource "aws_cloudfront_distribution" "target" {{
  enabled = true
  default_cache_behavior {{
    target_origin_id       = "pacs"
    viewer_protocol_policy = {viewer}
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
  }}
  viewer_certificate {{
    cloudfront_default_certificate = {default}
    acm_certificate_arn            = "arn:aws:acm:us-east-1:1:certificate/abc"
    minimum_protocol_version       = {minimum}
  }}
}}
""",
        {"viewer": ("string", '"https-only"'), "default": ("bool", "false"), "minimum": ("string", '"TLSv1.2_2021"')},
        {name: ("AWS-CLOUDFRONT-TLS",) for name in ("viewer", "default", "minimum")}),
    "trails": Case(
        """
resource "aws_kms_key" "k" {{}}
resource "aws_cloudtrail" "target" {{
  name                       = "t"
  s3_bucket_name             = "logs"
  is_multi_region_trail      = {multi}
  enable_log_file_validation = {validation}
  kms_key_id                 = {key}
}}
""",
        {"multi": ("bool", "true"), "validation": ("bool", "true"), "key": ("string", "aws_kms_key.k.arn")},
        {"multi": ("AWS-CLOUDTRAIL-TRAIL",), "validation": ("AWS-CLOUDTRAIL-TRAIL",)}),
    "rds": Case(
        """
resource "aws_db_instance" "target" {{
  identifier              = "db"
  engine                  = "postgres"
  instance_class          = "db.t3.micro"
  storage_encrypted       = {encrypted}
  publicly_accessible     = {public}
  backup_retention_period = {retention}
  snapshot_identifier     = {snapshot}
}}
resource "aws_rds_cluster" "cluster" {{
  cluster_identifier      = "c"
  engine                  = "aurora-postgresql"
  storage_encrypted       = {cluster_encrypted}
  backup_retention_period = 35
}}
""",
        {"encrypted": ("bool", "true"), "public": ("bool", "false"), "retention": ("number", "35"),
         "snapshot": ("string", "null"), "cluster_encrypted": ("bool", "true")},
        {"encrypted": ("AWS-RDS-INSTANCE-ENCRYPTED",), "public": ("AWS-RDS-INSTANCE-NOT-PUBLIC",),
         "retention": ("AWS-RDS-INSTANCE-BACKUP-RETENTION",), "cluster_encrypted": ("AWS-RDS-CLUSTER-ENCRYPTED",)}),
    "ebs": Case(
        """
resource "aws_ebs_volume" "target" {{
  availability_zone = "us-east-1a"
  size              = 8
  encrypted         = {encrypted}
}}
resource "aws_ebs_encryption_by_default" "target" {{
  enabled = {enabled}
}}
""",
        {"encrypted": ("bool", "true"), "enabled": ("bool", "true")},
        {"encrypted": ("AWS-EBS-VOLUME-ENCRYPTED",), "enabled": ("AWS-EBS-DEFAULT-ENCRYPTION",)}),
    "vaults": Case(
        """
resource "aws_kms_key" "k" {{}}
resource "aws_backup_vault" "target" {{
  name        = "v"
  kms_key_arn = {key}
}}
resource "aws_backup_vault_lock_configuration" "lock" {{
  backup_vault_name  = {vault}
  min_retention_days = {minimum}
}}
""",
        {"key": ("string", "aws_kms_key.k.arn"), "vault": ("string", "aws_backup_vault.target.name"),
         "minimum": ("number", "35")},
        {"key": ("AWS-BACKUP-VAULT-CMK",), "vault": ("AWS-BACKUP-VAULT-LOCK",),
         "minimum": ("AWS-BACKUP-VAULT-LOCK-RETENTION",)}),
    "plans": Case(
        """
resource "aws_backup_plan" "target" {{
  name = "p"
  rule {{
    rule_name         = "daily"
    target_vault_name = "primary"
    lifecycle {{
      delete_after = {delete_after}
    }}
    copy_action {{
      destination_vault_arn = {destination}
      lifecycle {{
        delete_after = {copy_delete_after}
      }}
    }}
  }}
}}
resource "aws_backup_selection" "s" {{
  name         = "s"
  plan_id      = {plan}
  iam_role_arn = "arn:aws:iam::1:role/b"
  resources    = {resources}
}}
""",
        {"delete_after": ("number", "400"), "destination": ("string", '"arn:aws:backup:us-west-2:1:backup-vault:dr"'),
         "copy_delete_after": ("number", "400"), "plan": ("string", "aws_backup_plan.target.id"),
         "resources": ("list_unseen", '["arn:aws:s3:::pacs"]')},
        {"delete_after": ("AWS-BACKUP-PLAN-RETENTION",), "destination": ("AWS-BACKUP-PLAN-COPY",),
         "copy_delete_after": ("AWS-BACKUP-PLAN-RETENTION",), "plan": ("AWS-BACKUP-PLAN-SELECTIONS",),
         "resources": ("AWS-BACKUP-PLAN-SELECTIONS",)}),
    "iam_policies": Case(
        """
resource "aws_iam_policy" "reader" {{
  name   = "reader"
  policy = jsonencode({{Statement = [{{Effect = "Allow", Action = {actions}, Resource = "*"}}]}})
}}
resource "aws_iam_policy" "admin" {{
  name   = "admin"
  policy = jsonencode({{Statement = [{{Effect = "Allow", Action = "*", Resource = "*",
                                      Condition = {{Bool = {{"aws:MultiFactorAuthPresent" = {mfa}}}}}}}]}})
}}
resource "aws_iam_role" "r" {{
  name               = "r"
  assume_role_policy = jsonencode({{Statement = [{{Effect = "Allow", Action = "sts:AssumeRole",
                                                  Principal = {{Service = {service}}}}}]}})
}}
resource "aws_iam_role_policy" "service_admin" {{
  role   = aws_iam_role.r.id
  policy = jsonencode({{Statement = [{{Effect = "Allow", Action = "*", Resource = "*"}}]}})
}}
""",
        {"actions": ("list", '["s3:GetObject"]'), "mfa": ("string", '"true"'),
         "service": ("string", '"ec2.amazonaws.com"')},
        {"actions": ("AWS-IAM-POLICY-ADMIN-MFA",), "mfa": ("AWS-IAM-POLICY-ADMIN-MFA",),
         "service": ("AWS-IAM-POLICY-ADMIN-MFA",)}),
}


def _statuses(text: str, rule: str) -> set[str]:
    return {f.status.value for f in judge_hcl(text) if f.check_id == rule}


@pytest.mark.parametrize("normaliser", sorted(CASES))
def test_the_known_configuration_passes(normaliser: str) -> None:
    case = CASES[normaliser]
    for rule in {r for rules in case.deciding.values() for r in rules}:
        assert _statuses(case.render(), rule) <= {"pass", "not_applicable"}, rule
        assert "pass" in _statuses(case.render(), rule), rule


@pytest.mark.parametrize("normaliser", sorted(CASES))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_an_unresolvable_deciding_argument_never_passes(normaliser: str, data: st.DataObject) -> None:
    case = CASES[normaliser]
    name = data.draw(st.sampled_from(sorted(case.deciding)), label="argument")
    form = data.draw(st.sampled_from(UNRESOLVED_FORMS[case.arguments[name][0]]), label="form")
    found = judge_hcl(case.render(name, form))
    for rule in case.deciding[name]:
        statuses = {f.status.value for f in found if f.check_id == rule}
        assert statuses - {"pass", "not_applicable"}, f"{rule} still passes with {name} = {form}: {statuses}"
