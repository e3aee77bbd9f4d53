"""The terminal report: what a reader must be able to see, and what must never appear."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from scanner.models import ControlId, Finding, ResourceRef, Status
from scanner.render import ConsoleRenderer, Renderer
from scanner.render.console import STATUS_STYLES, compact_evidence, location

from . import (
    ATTESTED_RISK,
    AUD_LOG,
    ERR_LOG,
    FAIL_DICOM_CLOUD,
    FAIL_ENC,
    FINDINGS,
    IMAGES_ADDR,
    META,
    PASS_DICOM,
    PASS_ENC,
    UNKNOWN_LOG,
    all_pass_result,
    make_result,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(quiet: bool = False, findings: tuple[Finding, ...] = FINDINGS) -> str:
    renderer = ConsoleRenderer(color=False, width=120, quiet=quiet)
    return renderer.render(make_result(findings=findings), META)


def section(text: str, title: str) -> str:
    """From a top-level title to the next top-level (unindented) line."""
    lines = text[text.index(title):].splitlines()
    body = [lines[0]]
    for line in lines[1:]:
        if line and not line.startswith(" "):
            break
        body.append(line)
    return "\n".join(body)


def row(text: str, control_id: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(control_id + " "))


def test_is_a_renderer() -> None:
    renderer: Renderer = ConsoleRenderer()
    assert renderer.name == "console"


def test_header_names_targets_scan_and_time() -> None:
    out = plain()
    assert "pacscan 0.1.0" in out
    assert "infra/, aws:123456789012" in out
    assert "2025-03-01T10-00-00Z-4f2a" in out
    assert "2025-03-01T10:00:00Z -> 2025-03-01T10:00:42Z" in out


def test_failing_terraform_resource_shows_file_line_evidence_and_remediation() -> None:
    failures = section(plain(), "Failing resources")
    assert IMAGES_ADDR in failures  # brackets survive: no Rich markup interpretation
    assert "at infra/storage.tf:12-30" in failures
    assert "CKV_AWS_145: S3 bucket is not encrypted with a KMS key" in failures
    assert "kms_master_key_id: null" in failures
    assert "Add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms." in failures
    assert "Enable default server-side encryption with a KMS key on the bucket." not in failures, (
        "each failing resource carries its own provider's fix: the general one is not repeated")
    assert "aws_s3_bucket.logs" not in failures  # the passing bucket is not a failure


def test_failing_cloud_resource_shows_account_region_address() -> None:
    failures = section(plain(), "Failing resources")
    assert "at 123456789012/us-east-1/sg-0a1b2c3d4e5f" in failures
    assert 'ingress: [{"cidr": "0.0.0.0/0", "from_port": 104, "to_port": 104}]' in failures
    assert "Restrict ingress on DICOM ports to the practice VPN CIDR." in failures


def test_error_and_unknown_findings_show_their_reasons() -> None:
    out = plain()
    unevaluated = section(out, "Not evaluated")
    assert "ERROR arn:aws:s3:::practice-images" in unevaluated
    assert "AccessDenied: s3:GetBucketLogging was refused for the scanning role" in unevaluated
    assert "UNKNOWN aws_s3_bucket_logging.images" in unevaluated
    assert "target_bucket is known only after apply" in unevaluated
    # BAK-RET has no finding: nothing of its kind was found, which is not "could not evaluate"
    assert "BAK-RET" not in unevaluated
    assert "NOT EVALUATED: 1 control(s) could not be evaluated (AUD-LOG)" in out
    assert "1 control(s) not applicable: nothing of the kinds they judge was found." in out  # BAK-RET, a count


def test_attestation_controls_all_appear_with_their_status() -> None:
    out = plain()
    assert "ATTESTED" in row(out, "ADM-RISK")
    assert "MISSING" in row(out, "ADM-BAA")
    assert "EXPIRED" in row(out, "PHY-MEDIA")
    failures = section(out, "Failing resources")
    assert "ADM-BAA" in failures and "no attestation is recorded" in failures
    assert "Sign a BAA with every imaging vendor and attest to it." in failures
    assert "Attestation expired on 2024-06-30" in failures


def test_every_control_appears_in_the_summary_grouped_by_safeguard() -> None:
    out = plain()
    for control_id in ("ENC-REST", "NET-DICOM", "AUD-LOG", "ADM-RISK", "ADM-BAA", "PHY-MEDIA"):
        assert row(out, control_id)
    assert not [line for line in out.splitlines() if line.strip().startswith("BAK-RET ")], "not applicable: counted"
    assert out.index("Technical safeguards") < out.index("ENC-REST") < out.index("Administrative safeguards")
    admin = out.index("Administrative safeguards")
    assert admin < row_pos(out, "ADM-RISK") < out.index("Physical safeguards")
    assert "164.312(a)(2)(iv)" in row(out, "ENC-REST")
    assert "1 pass, 1 fail" in row(out, "ENC-REST")


def row_pos(text: str, control_id: str) -> int:
    return text.index(row(text, control_id))


def test_unevaluated_controls_never_read_as_pass() -> None:
    out = plain(findings=(PASS_ENC, ERR_LOG, replace(PASS_ENC, control_id=AUD_LOG.id)))
    assert "ERROR" in row(out, "AUD-LOG") and "PASS" not in row(out, "AUD-LOG")
    assert "2 control(s) not applicable" in out  # BAK-RET and NET-DICOM: nothing of their kinds
    assert "PASS" in row(out, "ENC-REST")


def test_quiet_hides_passes_but_keeps_failures_and_errors() -> None:
    out = plain(quiet=True, findings=(PASS_ENC, PASS_DICOM, FAIL_DICOM_CLOUD, ERR_LOG, ATTESTED_RISK))
    assert "ENC-REST" not in out
    assert "ADM-RISK" not in out
    assert "aws_s3_bucket.logs" not in out
    assert "NET-DICOM" in out and "sg-0a1b2c3d4e5f" in out
    assert "AccessDenied" in out
    loud = plain(findings=(PASS_ENC, PASS_DICOM, FAIL_DICOM_CLOUD, ERR_LOG, ATTESTED_RISK))
    assert "ENC-REST" in loud and "ADM-RISK" in loud


def test_all_evaluated_scan_says_so_and_shows_no_failure_sections() -> None:
    out = ConsoleRenderer(color=False).render(all_pass_result(), META)
    assert "Every control was evaluated." in out
    assert "Failing resources" not in out
    assert "Not evaluated" not in out
    assert "NOT EVALUATED" not in out


def test_waived_findings_are_listed_with_reason() -> None:
    reason = "Skipped inline: bucket holds no PHI (ticket SEC-12)"
    waived = replace(FAIL_ENC, status=Status.WAIVED, message=reason)
    out = plain(findings=(waived,))
    assert "Waived" in out and "ticket SEC-12" in out
    assert "WAIVED" in row(out, "ENC-REST")
    assert "Waived" not in plain(quiet=True, findings=(waived,))


def test_color_on_uses_status_styles_and_off_is_plain() -> None:
    colored = ConsoleRenderer(color=True).render(make_result(), META)
    assert "\x1b[" in colored
    assert "\x1b[1;31mFAIL" in colored  # fail: red
    assert "\x1b[1;35mERROR" in colored  # error: magenta
    assert "\x1b[1;33mUNKNOWN" in colored  # unknown: yellow
    assert "\x1b[" not in plain()
    assert ANSI.sub("", colored).splitlines()[0] == plain().splitlines()[0]


def test_pass_is_green() -> None:
    colored = ConsoleRenderer(color=True).render(all_pass_result(), META)
    assert "\x1b[32mPASS" in colored


def test_every_status_has_a_style() -> None:
    assert set(STATUS_STYLES) == set(Status)


@pytest.mark.parametrize("status", list(Status))
def test_every_status_renders(status: Status) -> None:
    out = plain(findings=(replace(FAIL_ENC, status=status), PASS_ENC))
    assert status.value.upper() in row(out, "ENC-REST") or f"1 {status.value}" in row(out, "ENC-REST")
    assert IMAGES_ADDR in out or status in (Status.PASS, Status.ATTESTED, Status.NOT_APPLICABLE)


def test_stray_control_finding_is_still_shown() -> None:
    out = plain(findings=(replace(FAIL_ENC, control_id=ControlId("ZZZ-OLD")),))
    assert "ZZZ-OLD (not in catalog)" in out and IMAGES_ADDR in out


def test_no_trailing_whitespace() -> None:
    for out in (plain(), ConsoleRenderer(color=True).render(make_result(), META)):
        assert all(line == line.rstrip() for line in out.splitlines())
        assert out.endswith("\n")


def test_output_is_deterministic() -> None:
    findings = (UNKNOWN_LOG, FAIL_ENC, ERR_LOG, PASS_ENC, FAIL_DICOM_CLOUD)
    assert plain(findings=findings) == plain(findings=tuple(reversed(findings)))


@pytest.mark.parametrize(("ref", "expected"), [
    (ResourceRef("aws_s3_bucket.a", "aws_s3_bucket", file="main.tf", line_range=(3, 9)), "main.tf:3-9"),
    (ResourceRef("aws_s3_bucket.a", "aws_s3_bucket", file="main.tf", line_range=(3, 3)), "main.tf:3"),
    (ResourceRef("aws_s3_bucket.a", "aws_s3_bucket", file="main.tf"), "main.tf"),
    (ResourceRef("vm-1", "azurerm_vm", account="sub-1", region="eastus"), "sub-1/eastus/vm-1"),
    (ResourceRef("bucket-1", "google_storage_bucket", account="proj-1"), "proj-1/bucket-1"),
    (ResourceRef("bucket-1", "google_storage_bucket"), "bucket-1"),
])
def test_location(ref: ResourceRef, expected: str) -> None:
    assert location(ref) == expected


def test_compact_evidence_is_sorted_and_truncated() -> None:
    assert compact_evidence({"b": 1, "a": [1, 2]}) == '{"a": [1, 2], "b": 1}'
    long = compact_evidence({"k": "x" * 1000})
    assert len(long) == 240 and long.endswith("...")


def test_evidence_is_one_line_per_key_without_repeating_the_message() -> None:
    f = replace(FAIL_ENC, evidence={"check": FAIL_ENC.message, "observed": {"sse_algorithm": None},
                                    "details": ["no encryption block"]})
    failures = section(plain(findings=(f,)), "Failing resources")
    assert 'details: ["no encryption block"]' in failures
    assert 'observed: {"sse_algorithm": null}' in failures
    assert "check:" not in failures
    assert failures.count(FAIL_ENC.message) == 1


def test_long_text_wraps_inside_its_indent() -> None:
    message = "word " * 60
    out = ConsoleRenderer(color=False, width=80).render(
        make_result(findings=(replace(FAIL_ENC, message=message),)), META)
    wrapped = [line for line in section(out, "Failing resources").splitlines() if "word" in line]
    assert len(wrapped) > 2
    assert all(line.startswith("      ") for line in wrapped)
