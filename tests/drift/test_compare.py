"""The comparison rules on hand-written findings and state (every verdict, both directions), and the
command's input errors. The end-to-end check against a real apply is test_parity.py."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.drift import add_drift_command, run_drift
from scanner.drift.compare import LiveCoverage, Verdict, compare
from scanner.drift.render import render_console, render_json
from scanner.drift.state import parse_state
from scanner.models import ControlId, Finding, ResourceRef, Severity, Source, Status

ACCOUNT = "123456789012"
SG = f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-"
STATE = parse_state({"format_version": "1.0", "values": {"root_module": {"resources": [
    {"address": "aws_s3_bucket.pacs", "mode": "managed", "type": "aws_s3_bucket", "name": "pacs",
     "values": {"id": "pacs", "bucket": "pacs", "arn": "arn:aws:s3:::pacs"}},
    {"address": "aws_s3_bucket.deleted", "mode": "managed", "type": "aws_s3_bucket", "name": "deleted",
     "values": {"id": "deleted", "bucket": "deleted", "arn": "arn:aws:s3:::deleted"}},
    *({"address": f"aws_security_group.dicom[{n}]", "mode": "managed", "type": "aws_security_group",
       "name": "dicom", "index": n, "values": {"id": f"sg-{n}", "arn": f"{SG}{n}"}} for n in (0, 1)),
]}}})
COVERAGE = LiveCoverage({"INT-VERSION": frozenset({"aws.s3.bucket"}),
                         "NET-DICOM": frozenset({"aws.ec2.security_group", "aws.ec2.network_acl"}),
                         "IAM-MFA": frozenset({"aws.iam.account"})})


def code(control: str, address: str, status: Status, type_: str = "aws_s3_bucket", **observed: Any) -> Finding:
    return Finding(ControlId(control), status, Severity.HIGH, Source.TERRAFORM,
                   ResourceRef(address, type_, file="main.tf", line_range=(3, 9)), f"TF_{control}", "tf",
                   {"observed": observed})


def live(control: str, address: str, status: Status, type_: str = "aws.s3.bucket", name: str = "x",
         **observed: Any) -> Finding:
    return Finding(ControlId(control), status, Severity.HIGH, Source.AWS,
                   ResourceRef(address, type_, account=ACCOUNT, region="us-east-1"), f"AWS_{control}", "live",
                   {"resource_name": name, "observed": observed})


def verdicts(code_findings: list[Finding], live_findings: list[Finding]) -> dict[tuple[str, str], Verdict]:
    report = compare(code_findings, live_findings, STATE, COVERAGE)
    return {(i.control_id, i.resource): i.verdict for i in report.items}


def test_agree_and_drift_in_both_directions_with_both_observed_values() -> None:
    report = compare(
        [code("INT-VERSION", "aws_s3_bucket.pacs", Status.PASS, versioning="Enabled"),
         code("NET-DICOM", "aws_security_group.dicom", Status.FAIL, "aws_security_group")],
        [live("INT-VERSION", "arn:aws:s3:::pacs", Status.FAIL, versioning="Suspended"),
         live("NET-DICOM", f"{SG}0", Status.PASS, "aws.ec2.security_group"),
         live("NET-DICOM", f"{SG}1", Status.FAIL, "aws.ec2.security_group")],
        STATE, COVERAGE)
    found = {(i.control_id, i.resource): i for i in report.items}
    versioning = found[("INT-VERSION", "arn:aws:s3:::pacs")]
    assert versioning.verdict is Verdict.DRIFT and versioning.note == "code passes, cloud fails"
    assert versioning.code is not None and versioning.code.observed == {"TF_INT-VERSION": {"versioning": "Enabled"}}
    assert versioning.cloud is not None
    assert versioning.cloud.observed == {"AWS_INT-VERSION": {"versioning": "Suspended"}}
    # a count resource scanned from HCL (no index) stands for each deployed instance
    assert found[("NET-DICOM", f"{SG}0")].verdict is Verdict.DRIFT
    assert found[("NET-DICOM", f"{SG}0")].note == "code fails, cloud passes"
    assert found[("NET-DICOM", f"{SG}1")].verdict is Verdict.AGREE
    assert found[("NET-DICOM", f"{SG}1")].terraform_address == "aws_security_group.dicom[1]"
    assert len(report.differences) == 2


def test_only_in_code_not_deployed_or_deleted_and_only_in_cloud_shadow_storage() -> None:
    assert verdicts(
        [code("INT-VERSION", "aws_s3_bucket.never_applied", Status.PASS),
         code("INT-VERSION", "aws_s3_bucket.deleted", Status.PASS)],
        [live("INT-VERSION", "arn:aws:s3:::shadow-phi", Status.FAIL)],
    ) == {
        ("INT-VERSION", "aws_s3_bucket.never_applied"): Verdict.ONLY_IN_CODE,
        ("INT-VERSION", "arn:aws:s3:::deleted"): Verdict.ONLY_IN_CODE,
        ("INT-VERSION", "arn:aws:s3:::shadow-phi"): Verdict.ONLY_IN_CLOUD,
    }


def test_unevaluated_sides_never_read_as_agreement_or_drift() -> None:
    assert verdicts(
        [code("INT-VERSION", "aws_s3_bucket.pacs", Status.PASS)],
        [live("INT-VERSION", "arn:aws:s3:::pacs", Status.ERROR),
         live("INT-VERSION", "arn:aws:s3:::pacs", Status.PASS)],
    ) == {("INT-VERSION", "arn:aws:s3:::pacs"): Verdict.UNEVALUATED}


def test_a_listing_the_live_scan_could_not_make_leaves_both_sides_unevaluated() -> None:
    failed = Finding(ControlId("INT-VERSION"), Status.ERROR, Severity.HIGH, Source.AWS,
                     ResourceRef(f"aws:{ACCOUNT}:global:aws.s3.bucket", "aws.s3.bucket", account=ACCOUNT),
                     "AWS_INT-VERSION", "could not list", {"could_not_list": "AccessDenied"})
    assert verdicts([code("INT-VERSION", "aws_s3_bucket.pacs", Status.PASS)], [failed]) == {
        ("INT-VERSION", "arn:aws:s3:::pacs"): Verdict.UNEVALUATED,  # not "only in code": it was not listed
        ("INT-VERSION", f"aws:{ACCOUNT}:global:aws.s3.bucket"): Verdict.UNEVALUATED,
    }


def test_one_sided_checks_provider_defaults_and_account_settings_are_not_compared() -> None:
    found = verdicts(
        [code("ENC-KEYS", "aws_s3_bucket.pacs", Status.PASS)],  # no live rule for ENC-KEYS in COVERAGE
        [live("NET-DICOM", f"{SG}default", Status.PASS, "aws.ec2.security_group", name="default"),
         live("NET-DICOM", "arn:aws:ec2:us-east-1:1:network-acl/acl-1", Status.FAIL, "aws.ec2.network_acl",
              is_default=True),
         live("IAM-MFA", f"arn:aws:iam::{ACCOUNT}:root", Status.FAIL, "aws.iam.account")],
    )
    assert set(found.values()) == {Verdict.NOT_COMPARED}
    assert len(found) == 4


def test_renderers_show_both_sides() -> None:
    report = compare([code("INT-VERSION", "aws_s3_bucket.pacs", Status.PASS, versioning="Enabled")],
                     [live("INT-VERSION", "arn:aws:s3:::pacs", Status.FAIL, versioning="Suspended")], STATE, COVERAGE)
    doc = json.loads(render_json(report, "test"))
    assert doc["summary"]["drift"] == 1 and doc["differences"] == 1
    assert doc["items"][0]["code"]["file"] == "main.tf" and doc["items"][0]["cloud"]["status"] == "fail"
    text = render_console(report, width=160)
    assert "Suspended" in text and "Enabled" in text and "1 difference(s)" in text


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pacscan")
    add_drift_command(parser.add_subparsers(dest="command"))
    return run_drift(parser.parse_args(argv))


@pytest.mark.parametrize("extra, message", [
    ([], "give a TERRAFORM_DIR"),
    (["some/dir", "--code-evidence", "x.json"], "replaces TERRAFORM_DIR"),
    (["--code-evidence", "x.json", "--live", "y.json", "--region", "us-east-1"], "--live replaces"),
])
def test_contradictory_arguments_are_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  extra: list[str], message: str) -> None:
    assert _run(["drift", "--state", str(tmp_path / "s.json"), *extra]) == 2
    assert message in capsys.readouterr().err


def test_a_file_that_is_not_a_state_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "state.json"
    bad.write_text("{}")
    assert _run(["drift", "--code-evidence", str(bad), "--state", str(bad), "--live", str(bad)]) == 2
    assert "not a Terraform state" in capsys.readouterr().err
