"""Our AWS Checkov policies, run for real on tests/fixtures/terraform/aws/<CONTROL>/.

For every control in rules/terraform-aws.yaml, every mapped check is asserted to fail and pass
exactly the listed resource addresses (both directions). Sub-resources (``cfg_*``) appear where a
Python check judges them directly; pacscan attributes them to their parent bucket/group/vault.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from checkov.common.models.enums import CheckResult

from policies.terraform import aws_network, aws_tls
from tests.policies.conftest import FIXTURE_ROOT, REPO_ROOT, Expect, ScanFn

AWS_FIXTURES = FIXTURE_ROOT / "aws"
MAPPING_FILE = REPO_ROOT / "rules" / "terraform-aws.yaml"


EXPECTED: dict[str, dict[str, Expect]] = {
    "ENC-REST": {
        "CKV_AWS_106": Expect(
            failed={"aws_ebs_encryption_by_default.fail_ebs_default_off"},
            passed={"aws_ebs_encryption_by_default.pass_ebs_default"},
        ),
        "CKV_AWS_16": Expect(
            failed={"aws_db_instance.fail_rds_plain"},
            passed={"aws_db_instance.pass_rds_encrypted"},
        ),
        "CKV_AWS_3": Expect(
            failed={"aws_ebs_volume.fail_ebs_plain"},
            passed={"aws_ebs_volume.pass_ebs_encrypted"},
        ),
    },
    "TLS-ENDPOINT": {
        "PACS_AWS_CLOUDFRONT_TLS": Expect(
            failed={
                "aws_cloudfront_distribution.fail_cf_default_cert_allow_all",
                "aws_cloudfront_distribution.fail_cf_tls1",
            },
            passed={"aws_cloudfront_distribution.pass_cf_tls12"},
        ),
        "PACS_AWS_LB_TLS": Expect(
            failed={
                "aws_lb_listener.fail_http_forward",
                "aws_lb_listener.fail_https_2016_08",
                "aws_lb_listener.fail_tls_default_policy",
            },
            passed={
                "aws_alb_listener.pass_https_tls12_2017",
                "aws_lb_listener.pass_http_redirect",
                "aws_lb_listener.pass_https_tls13",
            },
        ),
    },
    "NET-DICOM": {
        "PACS_AWS_SG_DICOM": Expect(
            failed={
                "aws_security_group.fail_inline_104",
                "aws_security_group.fail_inline_all_protocols",
                "aws_security_group.fail_inline_range_ipv6",
                "aws_security_group_rule.cfg_rule_range_world",
                "aws_vpc_security_group_ingress_rule.cfg_vpc_rule_all_world",
                "aws_vpc_security_group_ingress_rule.cfg_vpc_rule_orthanc_ipv6",
            },
            passed={
                "aws_security_group.fail_rule_range",
                "aws_security_group.fail_vpc_rule_all",
                "aws_security_group.fail_vpc_rule_ipv6",
                "aws_security_group.pass_inline_https_world_dicom_private",
                "aws_security_group.pass_rule_mixed",
                "aws_security_group.pass_vpc_rule_mixed",
                "aws_security_group_rule.cfg_rule_dicom_private",
                "aws_security_group_rule.cfg_rule_egress_world",
                "aws_security_group_rule.cfg_rule_https_world",
                "aws_vpc_security_group_ingress_rule.cfg_vpc_rule_dicom_private",
                "aws_vpc_security_group_ingress_rule.cfg_vpc_rule_https_world",
            },
        ),
    },
    "NET-ADMIN": {
        "PACS_AWS_SG_ADMIN": Expect(
            failed={
                "aws_security_group.fail_all_protocols_ipv6",
                "aws_security_group.fail_ssh_world",
                "aws_security_group_rule.cfg_rdp_range_world",
                "aws_vpc_security_group_ingress_rule.cfg_vpc_rule_rdp_world",
            },
            passed={
                "aws_security_group.fail_rdp_rule_range",
                "aws_security_group.fail_vpc_rule_rdp_world",
                "aws_security_group.pass_ssh_private_https_world",
                "aws_security_group.pass_vpc_rule_ssh_private",
                "aws_vpc_security_group_ingress_rule.cfg_vpc_rule_ssh_private",
            },
        ),
    },
    "AUD-TRAIL": {
        "CKV_AWS_35": Expect(
            failed={"aws_cloudtrail.fail_no_validation_no_kms"},
            passed={"aws_cloudtrail.fail_single_region", "aws_cloudtrail.pass_trail"},
        ),
        "CKV_AWS_36": Expect(
            failed={"aws_cloudtrail.fail_no_validation_no_kms"},
            passed={"aws_cloudtrail.fail_single_region", "aws_cloudtrail.pass_trail"},
        ),
        "CKV_AWS_67": Expect(
            failed={"aws_cloudtrail.fail_single_region"},
            passed={"aws_cloudtrail.fail_no_validation_no_kms", "aws_cloudtrail.pass_trail"},
        ),
    },
    "AUD-FLOW": {
        "CKV2_AWS_11": Expect(
            failed={"aws_vpc.fail_vpc_without_flow_log"},
            passed={"aws_vpc.pass_vpc_with_flow_log"},
        ),
    },
    "BAK-PLAN": {
        "PACS_AWS_BACKUP_COPY": Expect(
            failed={"aws_backup_plan.fail_no_copy"},
            passed={
                "aws_backup_plan.fail_short_copy",
                "aws_backup_plan.fail_short_retention",
                "aws_backup_plan.fail_unset_retention",
                "aws_backup_plan.pass_plan",
            },
        ),
        "PACS_AWS_BACKUP_RETENTION": Expect(
            failed={
                "aws_backup_plan.fail_short_copy",
                "aws_backup_plan.fail_short_retention",
                "aws_backup_plan.fail_unset_retention",
            },
            passed={"aws_backup_plan.fail_no_copy", "aws_backup_plan.pass_plan"},
        ),
    },
    "BAK-VAULT": {
        "CKV_AWS_166": Expect(
            failed={"aws_backup_vault.fail_unencrypted"},
            passed={
                "aws_backup_vault.fail_short_lock",
                "aws_backup_vault.fail_unlocked",
                "aws_backup_vault.pass_locked_encrypted",
            },
        ),
        "PACS_AWS_BACKUP_VAULT_LOCK": Expect(
            failed={"aws_backup_vault.fail_unlocked"},
            passed={
                "aws_backup_vault.fail_short_lock",
                "aws_backup_vault.fail_unencrypted",
                "aws_backup_vault.pass_locked_encrypted",
            },
        ),
        "PACS_AWS_BACKUP_VAULT_LOCK_RETENTION": Expect(
            failed={"aws_backup_vault_lock_configuration.cfg_lock_short"},
            passed={
                "aws_backup_vault_lock_configuration.cfg_lock_ok",
                "aws_backup_vault_lock_configuration.cfg_lock_unencrypted",
            },
        ),
    },
    "IAM-MFA": {
        "PACS_AWS_IAM_ADMIN_MFA": Expect(
            failed={
                "aws_iam_group_policy.fail_iam_admin_bool_if_exists",
                "aws_iam_policy.fail_admin_no_mfa",
                "aws_iam_user_policy.fail_user_admin_heredoc",
            },
            passed={"aws_iam_policy.pass_admin_with_mfa", "aws_iam_policy.pass_not_privileged"},
        ),
    },
}


def _mapping() -> dict[str, list[str]]:
    with MAPPING_FILE.open(encoding="utf-8") as fh:
        checks: dict[str, list[str]] = yaml.safe_load(fh)["terraform"]["checks"]
    return checks


def test_every_mapped_check_has_expectations() -> None:
    mapping = _mapping()
    assert {c: sorted(ids) for c, ids in mapping.items()} == {c: sorted(e) for c, e in EXPECTED.items()}


def test_mapping_validates_against_catalog_schema() -> None:
    import json

    import jsonschema

    schema = json.loads((REPO_ROOT / "scanner" / "schemas" / "catalog.schema.json").read_text())
    with MAPPING_FILE.open(encoding="utf-8") as fh:
        document = yaml.safe_load(fh)
    jsonschema.validate(document, schema)
    jsonschema.validate(document["terraform"], {"$defs": schema["$defs"], "$ref": "#/$defs/terraform"})


@pytest.mark.parametrize("control", sorted(EXPECTED))
def test_control_fixture(control: str, checkov_scan: ScanFn) -> None:
    results = checkov_scan(AWS_FIXTURES / control, EXPECTED[control])
    for check_id, expect in EXPECTED[control].items():
        got = results[check_id]
        assert set(got.failed) == expect.failed, f"{control} {check_id} failed"
        assert set(got.passed) == expect.passed, f"{control} {check_id} passed"


@pytest.mark.parametrize("control", sorted(EXPECTED))
def test_fixture_names_follow_convention(control: str) -> None:
    """Judged parents are pass_/fail_, helpers cfg_; every fixture has both a pass_ and a fail_."""
    text = "\n".join(p.read_text() for p in (AWS_FIXTURES / control).glob("*.tf"))
    names = [line.split('"')[3] for line in text.splitlines() if line.startswith("resource ")]
    assert all(n.startswith(("pass_", "fail_", "cfg_")) for n in names), names
    assert any(n.startswith("pass_") for n in names) and any(n.startswith("fail_") for n in names)


def test_our_python_checks_record_observed_details(checkov_scan: ScanFn) -> None:
    results = checkov_scan(AWS_FIXTURES / "NET-DICOM", ["PACS_AWS_SG_DICOM"])["PACS_AWS_SG_DICOM"]
    details = results.details["aws_security_group.fail_inline_range_ipv6"]
    assert "ingress[0] protocol=6 ports=8000-12000 from ::/0: exposes DICOM/PACS ports [8042, 11112]" in details
    assert details[0].startswith("dicom_ports=[104,")


# --- parameters really flow ------------------------------------------------------------------


def test_dicom_ports_parameter_changes_result(checkov_scan: ScanFn, catalog_parameters: Any) -> None:
    target = "aws_security_group.pass_inline_https_world_dicom_private"
    before = checkov_scan(AWS_FIXTURES / "NET-DICOM", ["PACS_AWS_SG_DICOM"])["PACS_AWS_SG_DICOM"]
    assert target in before.passed
    catalog_parameters({"dicom_ports": [443]})
    after = checkov_scan(AWS_FIXTURES / "NET-DICOM", ["PACS_AWS_SG_DICOM"])["PACS_AWS_SG_DICOM"]
    assert target in after.failed
    assert "aws_security_group.fail_inline_104" in after.passed


def test_min_tls_version_parameter_changes_result(checkov_scan: ScanFn, catalog_parameters: Any) -> None:
    catalog_parameters({"min_tls_version": "1.3"})
    after = checkov_scan(AWS_FIXTURES / "TLS-ENDPOINT", ["PACS_AWS_LB_TLS"])["PACS_AWS_LB_TLS"]
    assert "aws_lb_listener.pass_https_tls13" in after.failed  # TLS13-1-2 still accepts TLS 1.2
    assert "aws_lb_listener.pass_http_redirect" in after.passed


def test_retention_parameters_change_result(checkov_scan: ScanFn, catalog_parameters: Any) -> None:
    catalog_parameters({"min_retention_days": 30, "min_backup_retention_days": 7})
    backup = checkov_scan(AWS_FIXTURES / "BAK-PLAN", ["PACS_AWS_BACKUP_RETENTION"])
    assert "aws_backup_plan.fail_short_retention" in backup["PACS_AWS_BACKUP_RETENTION"].passed
    assert "aws_backup_plan.fail_unset_retention" in backup["PACS_AWS_BACKUP_RETENTION"].failed


# --- unresolvable values are never a pass ----------------------------------------------------

UNRESOLVED_TF = """
variable "port" {}
variable "cidr" {}
variable "policy" {}

resource "aws_security_group" "var_port" {
  ingress {
    from_port   = var.port
    to_port     = var.port
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "var_cidr" {
  security_group_id = "sg-0123456789abcdef0"
  cidr_ipv4         = var.cidr
  from_port         = 104
  to_port           = 104
  ip_protocol       = "tcp"
}

data "aws_iam_policy_document" "doc" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "data_policy" {
  name   = "from-data"
  policy = data.aws_iam_policy_document.doc.json
}

resource "aws_security_group" "known_world_dicom" {
  ingress {
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_iam_policy" "known_reader" {
  name   = "reader"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}

resource "aws_lb_listener" "known_https" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/x/1"
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/x/1"
  }
}

resource "aws_lb_listener" "tcp" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/x/1"
  port              = 104
  protocol          = "TCP"
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/x/1"
  }
}
"""


def test_unresolvable_values_are_unknown_not_pass(checkov_scan: ScanFn, tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(UNRESOLVED_TF)
    ids = ["PACS_AWS_SG_DICOM", "PACS_AWS_IAM_ADMIN_MFA", "PACS_AWS_LB_TLS"]
    results = checkov_scan(tmp_path, ids)
    # Checkov drops UNKNOWN results from its report: such resources appear neither passed nor failed,
    # while the known resources beside them prove each check did run on this folder.
    assert results["PACS_AWS_SG_DICOM"].failed == {"aws_security_group.known_world_dicom"}
    assert results["PACS_AWS_SG_DICOM"].passed == frozenset()
    assert results["PACS_AWS_IAM_ADMIN_MFA"].passed == {"aws_iam_policy.known_reader"}
    assert results["PACS_AWS_IAM_ADMIN_MFA"].failed == frozenset()
    assert results["PACS_AWS_LB_TLS"].passed == {"aws_lb_listener.known_https"}
    assert results["PACS_AWS_LB_TLS"].failed == frozenset()


# --- pure helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cidr", "world"),
    [
        ("0.0.0.0/0", True),
        ("::/0", True),
        ("0::/0", True),
        ("10.0.0.0/8", False),
        ("0.0.0.0/1", False),
        ("2001:db8::/32", False),
        ("not-a-cidr", False),
    ],
)
def test_is_world(cidr: str, world: bool) -> None:
    assert aws_network.is_world(cidr) is world


@pytest.mark.parametrize(
    ("protocol", "low", "high", "expected"),
    [
        ("tcp", 100, 110, range(100, 111)),
        ("6", "104", "104", range(104, 105)),
        ("-1", 0, 0, range(0, 65536)),
        ("all", None, None, range(0, 65536)),
        ("udp", 104, 104, range(0)),
        ("icmp", -1, -1, range(0)),
        ("tcp", "var.p", 443, None),
        ("TCP", -1, -1, range(0, 65536)),
    ],
)
def test_port_span(protocol: str, low: Any, high: Any, expected: range | None) -> None:
    assert aws_network.port_span(protocol, low, high) == expected


def test_exposed_ports() -> None:
    assert aws_network.exposed_ports(range(100, 111), frozenset({104, 11112})) == [104]
    assert aws_network.exposed_ports(range(443, 444), frozenset({104, 11112})) == []


def test_judge_private_source_is_ignored_and_unresolved_source_is_unknown() -> None:
    private = aws_network.IngressRule("r", "tcp", 104, 104, ("10.0.0.0/8",))
    assert aws_network.judge(private, frozenset({104}), "DICOM") is None
    unresolved = aws_network.IngressRule("r", "tcp", 104, 104, ("var.cidr",))
    observation = aws_network.judge(unresolved, frozenset({104}), "DICOM")
    assert observation is not None and observation.result == CheckResult.UNKNOWN


@pytest.mark.parametrize(
    ("policy", "version"),
    [
        ("ELBSecurityPolicy-TLS13-1-2-2021-06", (1, 2)),
        ("ELBSecurityPolicy-TLS13-1-3-2021-06", (1, 3)),
        ("ELBSecurityPolicy-TLS-1-2-2017-01", (1, 2)),
        ("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", (1, 2)),
        ("ELBSecurityPolicy-TLS-1-1-2017-01", (1, 1)),
        ("ELBSecurityPolicy-2016-08", (1, 0)),
        ("ELBSecurityPolicy-FS-2018-06", (1, 0)),
        ("ELBSecurityPolicy-FS-1-2-Res-2020-10", (1, 2)),
        ("ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", (1, 2)),
        ("ELBSecurityPolicy-TLS13-1-0-2021-06", (1, 0)),
        ("MyCustomPolicy", None),
    ],
)
def test_elb_policy_min_version(policy: str, version: tuple[int, int] | None) -> None:
    assert aws_tls.elb_policy_min_version(policy) == version


@pytest.mark.parametrize(
    ("value", "version"),
    [
        ("TLSv1.2_2021", (1, 2)),
        ("TLSv1.2_2018", (1, 2)),
        ("TLSv1", (1, 0)),
        ("TLSv1_2016", (1, 0)),
        ("TLSv1.1_2016", (1, 1)),
        ("SSLv3", (0, 3)),
        ("TLSv1.3_2025", (1, 3)),
        ("bogus", None),
    ],
)
def test_cloudfront_min_version(value: str, version: tuple[int, int] | None) -> None:
    assert aws_tls.cloudfront_min_version(value) == version
