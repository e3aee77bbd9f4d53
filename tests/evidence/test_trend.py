"""`pacscan evidence trend`: month over month, per control and per safeguard family, in HTML and JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from scanner.evidence.bundle import write_bundle
from scanner.evidence.trend import TREND_SCHEMA, build_trend
from scanner.models import Status

from . import ENC_REST, IMAGES, META, cli, finding, march_estate, tf, with_finding, write_estate
from .demo import VERSIONING_FIX, copy_estate, scan_demo


def _month(root: Path, month: str, fixed: bool = False) -> Path:
    """The two-practice estate scanned on the first of ``month``; ``fixed``: Bright Smiles'
    images bucket is encrypted by then."""
    estate = {name: replace(result, started_at=f"{month}-01T10:00:00Z", finished_at=f"{month}-01T10:00:42Z")
              for name, result in march_estate().items()}
    if fixed:
        bright = estate["bright-smiles"]
        old = next(f for f in bright.findings if f.check_id == "CKV_AWS_145")
        new = finding(ENC_REST, Status.PASS, tf(IMAGES), "CKV_AWS_145", {"kms_master_key_id": "alias/pacs"})
        estate["bright-smiles"] = with_finding(bright, old, new)
    return write_estate(root / month, estate)


def test_scans_are_ordered_by_time_and_the_fix_shows(tmp_path: Path) -> None:
    sources = [_month(tmp_path, "2025-05", fixed=True), _month(tmp_path, "2025-03"), _month(tmp_path, "2025-04")]
    trend = build_trend(sources)
    assert [p.label for p in trend.points] == ["2025-03", "2025-04", "2025-05"]
    assert trend.status_line("ENC-REST") == ("fail", "fail", "pass")
    assert [p.failing.get("ENC-REST", 0) for p in trend.points] == [1, 1, 0]
    assert [p.families["technical"]["not_met"] for p in trend.points] == [2, 2, 1]
    assert [p.families["technical"]["unevaluated"] for p in trend.points] == [1, 1, 1]  # never counted as met
    assert trend.steps[0].fixed == () and trend.steps[0].newly_failing == ()
    (fix,) = trend.steps[1].fixed
    assert (fix.tenant, fix.control_id, fix.address) == ("bright-smiles", "ENC-REST", IMAGES)


def test_json_and_html_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = [str(_month(tmp_path, m, fixed=m == "2025-05")) for m in ("2025-03", "2025-04", "2025-05")]
    assert cli(["evidence", "trend", *sources, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == TREND_SCHEMA and [s["label"] for s in doc["scans"]] == ["2025-03", "2025-04", "2025-05"]
    enc = next(c for c in doc["controls"] if c["id"] == "ENC-REST")
    assert enc["statuses"] == ["fail", "fail", "pass"] and enc["failing_resources"] == [1, 1, 0]
    assert doc["families"]["technical"][2] == {"not_met": 1, "unevaluated": 1, "waived": 0, "met": 4,
                                               "not_applicable": 0}
    assert doc["changes"][1]["fixed"] == [{"category": "fixed", "tenant": "bright-smiles", "control_id": "ENC-REST",
                                           "address": IMAGES, "old_status": "fail", "new_status": "pass"}]
    assert {s["integrity"]["state"] for s in doc["scans"]} == {"not-bundled"}
    out = tmp_path / "trend.html"
    assert cli(["evidence", "trend", *sources, "--output", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and "<script" not in page and "default-src 'none'" in page
    assert "Fixed</strong>: ENC-REST" in page and "<polyline" in page
    assert "2 not met, 3 met, 1 not evaluated" in page and "1 not met, 4 met, 1 not evaluated" in page


def test_a_tampered_scan_in_the_series_is_shouted_and_exits_1(tmp_path: Path) -> None:
    sources = [_month(tmp_path, m) for m in ("2025-03", "2025-04")]
    write_bundle(sources[0], META)
    doc = sources[0] / "oak-dental.json"
    doc.write_text(doc.read_text().replace('"status": "pass"', '"status": "fail"', 1))
    out = tmp_path / "trend.html"
    assert cli(["evidence", "trend", *map(str, sources), "--output", str(out)]) == 1
    page = out.read_text(encoding="utf-8")
    assert "<title>TAMPERED EVIDENCE" in page and "EVIDENCE IN THIS SERIES HAS BEEN TAMPERED WITH" in page
    assert "changed: oak-dental.json" in page


def test_one_scan_is_not_a_trend(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from scanner.cli import main

    assert main(["evidence", "trend", str(_month(tmp_path, "2025-03"))]) == 2
    assert "at least two scans" in capsys.readouterr().err


@pytest.mark.slow
def test_three_scans_of_the_example_show_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 15: `evidence trend` over three scans of the example, the third after a fix, shows it."""
    estate = copy_estate(tmp_path)
    scans = tmp_path / "scans"
    scan_demo(estate, scans / "2026-10.json", month="2026-10")
    scan_demo(estate, scans / "2026-11.json", month="2026-11")
    with (estate / "storage.tf").open("a", encoding="utf-8") as tf_file:
        tf_file.write(VERSIONING_FIX)
    scan_demo(estate, scans / "2026-12.json", month="2026-12")
    sources = [str(scans / f"2026-{m}.json") for m in ("12", "10", "11")]  # any order: placed by scan time
    assert cli(["evidence", "trend", *sources, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [s["label"] for s in doc["scans"]] == ["2026-10", "2026-11", "2026-12"]
    version = next(c for c in doc["controls"] if c["id"] == "INT-VERSION")
    assert version["statuses"] == ["fail", "fail", "pass"] and version["failing_resources"] == [1, 1, 0]
    assert [c["fixed"] for c in doc["changes"]] == [[], [{
        "category": "fixed", "tenant": "-", "control_id": "INT-VERSION", "address": "aws_s3_bucket.legacy_exports",
        "old_status": "fail", "new_status": "pass"}]]
    assert all(c["newly_failing"] == [] for c in doc["changes"])
    technical = [f["not_met"] for f in doc["families"]["technical"]]
    assert technical[0] == technical[1] == technical[2] + 1
    out = tmp_path / "trend.html"
    assert cli(["evidence", "trend", *sources, "--output", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "2026-11 to 2026-12" in page and "Fixed</strong>: INT-VERSION" in page
