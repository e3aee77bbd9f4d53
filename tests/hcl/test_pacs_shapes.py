"""Shapes real PACS deployments use (tests/fixtures/hcl/pacs): every decidable value decided, and
nothing unresolved read as empty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.facts.values import Unknown
from scanner.iac.hcl import load_configuration
from scanner.iac.tfmodel import TfConfiguration
from tests.hcl.support import instance

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "hcl" / "pacs"


@pytest.fixture(scope="module")
def config() -> TfConfiguration:
    return load_configuration(FIXTURE, environ={})


def test_dicom_open_to_the_internet_through_module_local_for_each_and_dynamic_block(config: TfConfiguration) -> None:
    # root variable object default -> conditional + concat() in a root local -> module input object
    # -> module local -> resource for_each -> dynamic "ingress" over each.value.rules
    dicom = instance(config, 'module.network.aws_security_group.this["dicom"]')
    ingress = dicom.attrs["ingress"]
    assert {"description": "port 11112", "from_port": 11112, "to_port": 11112, "protocol": "tcp",
            "cidr_blocks": ["0.0.0.0/0"]} in ingress
    assert ingress[0]["cidr_blocks"] == ["10.20.0.0/16"]
    assert ingress[-1]["cidr_blocks"] == ["192.168.10.0/24"]  # the static block after the dynamic one
    web = instance(config, 'module.network.aws_security_group.this["web"]').attrs["ingress"]
    assert web[0]["cidr_blocks"] == ["10.0.0.0/8"]  # optional() attribute default


def test_trace_follows_the_value_back_to_the_variable_default(config: TfConfiguration) -> None:
    trace = instance(config, 'module.network.aws_security_group.this["dicom"]').trace["ingress"]
    assert any(line.startswith("module.network local.groups = ") for line in trace)
    assert any(line.startswith("module.network input groups = ") and line.endswith("(main.tf:13)") for line in trace)
    assert any(line.startswith("local.groups = ") for line in trace)
    assert any(line.startswith("var.network = ") and line.endswith("(default, variables.tf:13)") for line in trace)


def test_module_variable_with_null_default_is_null(config: TfConfiguration) -> None:
    assert instance(config, 'module.network.aws_security_group.this["dicom"]').attrs["description"] is None


def test_count_instances_are_in_list_order(config: TfConfiguration) -> None:
    buckets = [(i.address, i.attrs["bucket"]) for i in config.instances if i.type == "aws_s3_bucket"]
    assert buckets == [("aws_s3_bucket.images[0]", "clinic-prod-raw"),
                       ("aws_s3_bucket.images[1]", "clinic-prod-processed"),
                       ("aws_s3_bucket.images[2]", "clinic-prod-archive")]


def test_jsonencode_bucket_policy_with_literal_bucket_name_is_fully_known(config: TfConfiguration) -> None:
    policy = instance(config, "aws_s3_bucket_policy.images[1]")
    document = json.loads(policy.attrs["policy"])
    assert [s["Sid"] for s in document["Statement"]] == ["DenyInsecureTransport", "ReadOnly"]
    assert document["Statement"][1]["Resource"] == "arn:aws:s3:::clinic-prod-processed/*"
    assert policy.attrs["bucket"] == "clinic-prod-processed"
    assert policy.refs["policy"] == ("aws_s3_bucket.images[1]",)
    assert policy.refs["bucket"] == ("aws_s3_bucket.images[1]",)


def test_variable_without_default_is_unknown_never_empty(config: TfConfiguration) -> None:
    ingress = instance(config, "aws_security_group.viewer").attrs["ingress"][0]
    first, fixed = ingress["cidr_blocks"]
    assert isinstance(first, Unknown) and not first.spread and 'variable "allowed_cidrs" has no value' in first.reason
    assert fixed == "10.0.0.0/8"


def test_conditional_whose_branches_agree_is_known(config: TfConfiguration) -> None:
    egress = instance(config, "aws_security_group.viewer").attrs["egress"][0]
    assert egress["cidr_blocks"] == ["0.0.0.0/0"]


def test_given_the_missing_variable_everything_is_known(tmp_path: Path) -> None:
    config = load_configuration(FIXTURE, environ={"TF_VAR_allowed_cidrs": '["203.0.113.0/24"]'})
    ingress = instance(config, "aws_security_group.viewer").attrs["ingress"][0]
    assert ingress["cidr_blocks"] == ["203.0.113.0/24", "10.0.0.0/8"]
    assert instance(config, "aws_security_group.viewer").trace["ingress"] == (
        'var.allowed_cidrs = ["203.0.113.0/24"] (TF_VAR_allowed_cidrs)',)
    assert instance(config, "aws_security_group.viewer").trace["egress"] == (
        'var.environment = "prod" (default, variables.tf:33)',)


def test_policy_declared_before_its_bucket_in_another_file_is_known(tmp_path: Path) -> None:
    (tmp_path / "a_policy.tf").write_text(
        'resource "aws_s3_bucket_policy" "p" {\n  bucket = aws_s3_bucket.x.id\n  policy = jsonencode({\n'
        '    Statement = [{ Effect = "Deny", Principal = "*", Action = "s3:*",\n'
        '                   Resource = ["${aws_s3_bucket.x.arn}/*", aws_s3_bucket.x.arn] }]\n  })\n}\n',
        encoding="utf-8")
    (tmp_path / "b_bucket.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket = "dicom-archive"\n}\n',
                                          encoding="utf-8")
    policy = instance(load_configuration(tmp_path, environ={}), "aws_s3_bucket_policy.p").attrs["policy"]
    assert json.loads(policy)["Statement"][0]["Resource"] == ["arn:aws:s3:::dicom-archive/*",
                                                              "arn:aws:s3:::dicom-archive"]
