"""Terraform state identity: addresses (modules, count, for_each) <-> ARNs and ids, both state formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.drift.state import StateError, config_address, load_state, parse_state

SHOW = {
    "format_version": "1.0",
    "terraform_version": "1.11.4",
    "values": {"root_module": {
        "resources": [
            {"address": "aws_s3_bucket.logs", "mode": "managed", "type": "aws_s3_bucket", "name": "logs",
             "values": {"id": "logs-b", "bucket": "logs-b", "arn": "arn:aws:s3:::logs-b"}},
            {"address": "aws_subnet.private[0]", "mode": "managed", "type": "aws_subnet", "name": "private",
             "index": 0, "values": {"id": "subnet-0", "arn": "arn:aws:ec2:us-east-1:1:subnet/subnet-0"}},
            {"address": "aws_subnet.private[1]", "mode": "managed", "type": "aws_subnet", "name": "private",
             "index": 1, "values": {"id": "subnet-1", "arn": "arn:aws:ec2:us-east-1:1:subnet/subnet-1"}},
            {"address": "data.aws_caller_identity.current", "mode": "data", "type": "aws_caller_identity",
             "name": "current", "values": {"id": "1", "arn": "arn:aws:sts::1:user/x"}},
        ],
        "child_modules": [{
            "address": 'module.sites["north"]',
            "resources": [
                {"address": 'module.sites["north"].aws_s3_bucket.this', "mode": "managed", "type": "aws_s3_bucket",
                 "name": "this", "values": {"id": "north-img", "bucket": "north-img",
                                            "arn": "arn:aws:s3:::north-img"}},
                {"address": 'module.sites["north"].aws_s3_bucket_versioning.this', "mode": "managed",
                 "type": "aws_s3_bucket_versioning", "name": "this", "values": {"id": "north-img",
                                                                               "bucket": "north-img"}},
                {"address": 'module.sites["north"].aws_security_group.dicom["104"]', "mode": "managed",
                 "type": "aws_security_group", "name": "dicom", "index": "104",
                 "values": {"id": "sg-104", "arn": "arn:aws:ec2:us-east-1:1:security-group/sg-104"}},
            ],
        }],
    }},
}

RAW = {
    "version": 4, "terraform_version": "1.11.4", "serial": 3, "lineage": "x",
    "resources": [
        {"mode": "managed", "type": "aws_security_group", "name": "dicom", "module": 'module.sites["north"]',
         "instances": [{"index_key": "104", "attributes": {"id": "sg-104",
                                                           "arn": "arn:aws:ec2:us-east-1:1:security-group/sg-104"}},
                       {"index_key": "4242", "attributes": {"id": "sg-4242", "arn": ""}}]},
        {"mode": "managed", "type": "aws_subnet", "name": "private",
         "instances": [{"index_key": 0, "attributes": {"id": "subnet-0"}}]},
        {"mode": "data", "type": "aws_caller_identity", "name": "current",
         "instances": [{"attributes": {"id": "1"}}]},
    ],
}


def test_show_json_addresses_modules_count_and_for_each() -> None:
    state = parse_state(SHOW)
    assert sorted(r.address for r in state.resources) == [
        "aws_s3_bucket.logs", "aws_subnet.private[0]", "aws_subnet.private[1]",
        'module.sites["north"].aws_s3_bucket.this', 'module.sites["north"].aws_s3_bucket_versioning.this',
        'module.sites["north"].aws_security_group.dicom["104"]',
    ]  # data sources are not deployed resources
    assert [r.cloud_id for r in state.instances("aws_subnet.private")] == [
        "arn:aws:ec2:us-east-1:1:subnet/subnet-0", "arn:aws:ec2:us-east-1:1:subnet/subnet-1"]
    assert [r.cloud_id for r in state.instances("aws_subnet.private[1]")] == ["arn:aws:ec2:us-east-1:1:subnet/subnet-1"]
    # an HCL scan reports module and for_each resources without instance keys
    assert [r.cloud_id for r in state.instances("module.sites.aws_security_group.dicom")] == [
        "arn:aws:ec2:us-east-1:1:security-group/sg-104"]


def test_sub_resources_resolve_to_the_bucket_they_configure() -> None:
    state = parse_state(SHOW)
    resolved = state.resolve('module.sites["north"].aws_s3_bucket_versioning.this')
    assert [r.address for r in resolved] == ['module.sites["north"].aws_s3_bucket.this']
    assert resolved[0].cloud_id == "arn:aws:s3:::north-img"


def test_live_ids_find_their_owner_by_arn_or_by_id_within_the_type() -> None:
    state = parse_state(SHOW)
    owner = state.owner("arn:aws:s3:::north-img", "aws.s3.bucket")
    assert owner is not None and owner.address == 'module.sites["north"].aws_s3_bucket.this'
    # the ARN's account differs from the state's (e.g. written without the account): matched by the sg id
    by_id = state.owner("arn:aws:ec2:us-east-1:999:security-group/sg-104", "aws.ec2.security_group")
    assert by_id is not None and by_id.address == 'module.sites["north"].aws_security_group.dicom["104"]'
    assert state.owner("arn:aws:s3:::shadow", "aws.s3.bucket") is None
    # an id only counts within the Terraform types that manage the live type
    assert state.owner("arn:aws:ec2:us-east-1:1:security-group/subnet-0", "aws.ec2.security_group") is None


def test_raw_state_file(tmp_path: Path) -> None:
    path = tmp_path / "terraform.tfstate"
    path.write_text(json.dumps(RAW))
    state = load_state(path)
    assert sorted(r.address for r in state.resources) == [
        "aws_subnet.private[0]", 'module.sites["north"].aws_security_group.dicom["104"]',
        'module.sites["north"].aws_security_group.dicom["4242"]']
    four = state.instances('module.sites["north"].aws_security_group.dicom["4242"]')
    assert [r.cloud_id for r in four] == ["sg-4242"]  # no ARN recorded: the id stands in


def test_config_address_strips_every_instance_key() -> None:
    assert config_address('module.a["x.y"].module.b[0].aws_s3_bucket.c["k"]') == "module.a.module.b.aws_s3_bucket.c"


@pytest.mark.parametrize("text, message", [
    ("{", "not JSON"),
    ('{"format_version": "1.0", "planned_values": {}, "values": 3}', "not a Terraform state"),
    ('["x"]', "not a Terraform state"),
])
def test_bad_state_files_are_input_errors_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(StateError, match=message) as raised:
        load_state(path)
    assert str(path) in str(raised.value)
