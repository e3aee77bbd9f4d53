"""diff: last month's estate against this month's, reporting exactly what changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.evidence.diff import ABSENT, diff_document, diff_paths, render_console
from scanner.models import ScanResult, Status

from . import (
    AUD_LOG,
    ENC_REST,
    IMAGES,
    NET_DICOM,
    ORTHANC_SG,
    cli,
    finding,
    march_estate,
    scan,
    tf,
    with_finding,
    write_estate,
)


def april_estate() -> dict[str, ScanResult]:
    """March, after a month of work and drift."""
    march = march_estate()
    bright, oak = march["bright-smiles"], march["oak-dental"]
    enc_fail = next(f for f in bright.findings if f.check_id == "CKV_AWS_145")
    bright = with_finding(bright, enc_fail, finding(ENC_REST, Status.PASS, tf(IMAGES), "CKV_AWS_145",
                                                    {"kms_master_key_id": "alias/pacs"}))
    log_error = next(f for f in bright.findings if f.control_id == AUD_LOG.id)
    bright = with_finding(bright, log_error, finding(AUD_LOG, Status.PASS, tf("aws_s3_bucket.logs"), "CKV_AWS_18",
                                                     {"target_bucket": "audit"}))
    log_pass = next(f for f in oak.findings if f.control_id == AUD_LOG.id)
    oak = with_finding(oak, log_pass, finding(AUD_LOG, Status.FAIL, tf("aws_s3_bucket.logs"), "CKV_AWS_18",
                                              {"target_bucket": None}))
    oak = with_finding(oak, None, finding(ENC_REST, Status.FAIL, tf("aws_s3_bucket.backups"), "CKV_AWS_145",
                                          {"kms_master_key_id": None}))
    sg = next(f for f in oak.findings if f.resource.address == ORTHANC_SG)
    oak = with_finding(oak, sg, None)
    pine = scan([finding(NET_DICOM, Status.PASS, tf(ORTHANC_SG, "infra/network.tf"), "CKV_PACS_1",
                         {"open_ports": []})])
    return {"bright-smiles": bright, "oak-dental": oak, "pine-ortho": pine}


@pytest.fixture
def months(tmp_path: Path) -> tuple[Path, Path]:
    old = write_estate(tmp_path / "2025-03", march_estate())
    new = write_estate(tmp_path / "2025-04", april_estate())
    return old, new


def test_diff_reports_exactly_the_changes(months: tuple[Path, Path]) -> None:
    diff = diff_paths(*months)
    got = {(c.category, c.tenant, c.control_id, c.address,
            c.old_status.value if c.old_status else None, c.new_status.value if c.new_status else None)
           for c in diff.changes}
    assert got == {
        ("fixed", "bright-smiles", "ENC-REST", IMAGES, "fail", "pass"),
        ("observed_changed", "bright-smiles", "ENC-REST", IMAGES, "fail", "pass"),
        ("status_changed", "bright-smiles", "AUD-LOG", "aws_s3_bucket.logs", "error", "pass"),
        ("observed_changed", "bright-smiles", "AUD-LOG", "aws_s3_bucket.logs", "error", "pass"),
        ("newly_failing", "oak-dental", "AUD-LOG", "aws_s3_bucket.logs", "pass", "fail"),
        ("observed_changed", "oak-dental", "AUD-LOG", "aws_s3_bucket.logs", "pass", "fail"),
        ("new", "oak-dental", "ENC-REST", "aws_s3_bucket.backups", None, "fail"),
        ("removed", "oak-dental", "NET-DICOM", ORTHANC_SG, "pass", None),
        ("new", "pine-ortho", "NET-DICOM", ORTHANC_SG, None, "pass"),
    }
    assert len(diff.changes) == len(got)
    assert diff.tenants_added == ("pine-ortho",)
    assert diff.tenants_removed == ()
    assert diff.has_new_failures


def test_changed_observed_values_show_old_and_new_per_key(months: tuple[Path, Path]) -> None:
    diff = diff_paths(*months)
    values = {(c.tenant, c.control_id): c.values for c in diff.of("observed_changed")}
    # two checks judge the images bucket, so keys carry the check id
    assert values[("bright-smiles", "ENC-REST")] == (("CKV_AWS_145: kms_master_key_id", None, "alias/pacs"),)
    assert values[("bright-smiles", "AUD-LOG")] == (("error_code", "AccessDenied", ABSENT),
                                                   ("target_bucket", ABSENT, "audit"))
    assert values[("oak-dental", "AUD-LOG")] == (("target_bucket", "audit", None),)


def test_same_evidence_twice_has_no_changes(tmp_path: Path) -> None:
    old = write_estate(tmp_path / "a", march_estate())
    new = write_estate(tmp_path / "b", march_estate())
    diff = diff_paths(old, new)
    assert diff.changes == () and not diff.has_new_failures
    assert "No change in findings." in render_console(diff)


def test_console_report_groups_by_tenant_and_control(months: tuple[Path, Path]) -> None:
    text = render_console(diff_paths(*months), width=160)
    assert "Tenant oak-dental" in text
    assert "NEWLY FAILING  aws_s3_bucket.logs  (infra/storage.tf)  [PASS -> FAIL]" in text
    assert "FIXED  " + IMAGES in text
    assert 'target_bucket: "audit" -> null' in text
    assert "error_code: \"AccessDenied\" -> (absent)" in text
    assert "Tenant added: pine-ortho" in text
    assert text.index("Tenant bright-smiles") < text.index("Tenant oak-dental") < text.index("Tenant pine-ortho")


def test_json_format_and_exit_codes(months: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    old, new = months
    assert cli(["evidence", "diff", str(old), str(new), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"] == {"newly_failing": 1, "fixed": 1, "status_changed": 1, "new": 2, "removed": 1,
                             "observed_changed": 3}
    assert [i["state"] for i in doc["integrity"]] == ["not-bundled", "not-bundled"]
    assert {k: v for k, v in doc.items() if k != "integrity"} == {
        k: v for k, v in diff_document(diff_paths(old, new)).items() if k != "integrity"}
    assert cli(["evidence", "diff", str(old), str(new), "--fail-on-new-failures"]) == 1
    assert cli(["evidence", "diff", str(new), str(new), "--fail-on-new-failures"]) == 0


def test_two_single_files_compare_as_one_tenant(tmp_path: Path) -> None:
    old = write_estate(tmp_path / "march", {"bright-march": march_estate()["bright-smiles"]}, index=False)
    new = write_estate(tmp_path / "april", {"bright-april": april_estate()["bright-smiles"]},
                       index=False)
    diff = diff_paths(old / "bright-march.json", new / "bright-april.json")
    assert {c.category for c in diff.changes} == {"fixed", "status_changed", "observed_changed"}
    assert diff.tenants_added == diff.tenants_removed == ()


def test_failed_tenant_is_noted_not_compared(tmp_path: Path) -> None:
    old = write_estate(tmp_path / "a", march_estate())
    estate = march_estate()
    del estate["oak-dental"]
    new = write_estate(tmp_path / "b", estate, failed={"oak-dental": "AccessDenied on AssumeRole"})
    diff = diff_paths(old, new)
    assert any("oak-dental was NOT evaluated (AccessDenied on AssumeRole)" in n for n in diff.notes)
    assert {c.category for c in diff.changes} == {"removed"}
