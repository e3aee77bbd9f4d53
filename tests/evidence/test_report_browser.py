"""The demo's report in a real browser: Debian's headless Chromium takes a screenshot and prints a PDF,
and poppler's pdftotext reads the PDF back.

Issue 15's "must show": the PDF of the demo report contains the summary verdicts, the observed
values of a passing bucket, every attestation's evidence pointer and expiry, and the parameters
used. The evidence comes from scanning examples/dental-practice as `make demo` does, bundled and
signed, so the report's integrity line says which key signed it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.evidence.bundle import write_bundle
from scanner.render.report_values import STYLES, parameter_text, shown
from scripts.report_browser import chromium, console_messages, pdf_text, pdftotext, print_pdf, screenshot

from . import META, cli
from .demo import DEMO, scan_demo

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (.ci/run installs it: "
                                                  "apt-get install -y chromium)"),
]
needs_pdftotext = pytest.mark.skipif(pdftotext() is None, reason="pdftotext is not installed (.ci/run installs it: "
                                                                 "apt-get install -y poppler-utils)")
PACS_BUCKET = "module.pacs_images.aws_s3_bucket.this"
VERDICTS = (("fail", "missing", "expired"), ("error", "unknown"), ("waived",), ("pass", "attested"))
WORDS = ("Not met", "Not fully evaluated", "Met with accepted exceptions", "Met")
BADGES = ("fail", "unknown", "waived", "pass")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], Path, str]]:
    """The demo evidence (a signed bundle), its HTML report, and the signing key's fingerprint."""
    root = tmp_path_factory.mktemp("demo")
    bundle = root / "2026-12"
    doc = scan_demo(DEMO, bundle / "demo-evidence.json")
    assert cli(["evidence", "keygen", str(root / "officer")]) == 0
    write_bundle(bundle, META, sign_key=root / "officer.key.pem")
    report = root / "demo-report.html"
    assert cli(["evidence", "html", str(bundle), "--public-key", str(root / "officer.pub.pem"),
                "--output", str(report)]) == 0
    from scanner.evidence.integrity import check_integrity

    yield doc, report, str(check_integrity(bundle, root / "officer.pub.pem").key_fingerprint)


def _squeezed(text: str) -> str:
    """Text without whitespace: a long value the page wraps still matches."""
    return "".join(text.split())


def _expected_verdicts(doc: dict[str, Any]) -> dict[str, str]:
    out = {}
    for family in dict.fromkeys(str(c["safeguard"]) for c in doc["controls"]):
        statuses = {c["status"] for c in doc["controls"] if c["safeguard"] == family}
        index = next(i for i, members in enumerate(VERDICTS) if statuses & set(members))
        out[family] = f"{family.capitalize()} {STYLES[BADGES[index]].icon} {STYLES[BADGES[index]].label} {WORDS[index]}"
    return out


def test_screenshot_of_the_demo_report(demo: tuple[dict[str, Any], Path, str], tmp_path: Path) -> None:
    _, report, _ = demo
    png = tmp_path / "report.png"
    done = screenshot(report, png, tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []  # no CSP refusal, no script error: nothing tried to load
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 1600)


@needs_pdftotext
def test_the_printed_demo_report_holds_what_an_auditor_asks(demo: tuple[dict[str, Any], Path, str],
                                                            tmp_path: Path) -> None:
    doc, report, fingerprint = demo
    pdf = tmp_path / "report.pdf"
    done = print_pdf(report, pdf, tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-2000:]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = " ".join(pdf_text(pdf).split())
    squeezed = _squeezed(text)
    # integrity first, with the key that signed the bundle
    assert text.index("Integrity of the evidence") < text.index("Executive summary")
    assert _squeezed(f"signed by the key with SHA-256 {fingerprint}") in squeezed
    # the summary verdicts, per safeguard family, with counts
    summary = text[text.index("Executive summary"):text.index("Top risks")]
    for family, verdict in _expected_verdicts(doc).items():
        assert verdict in summary, (family, verdict)
    assert "7 pass" in summary and "2 attested" in summary
    # the observed values of the passing PACS bucket, for a check it passes
    passing = [f for f in doc["findings"] if f["resource"]["address"] == PACS_BUCKET and f["status"] == "pass"
               and f["evidence"].get("observed")]
    assert passing
    shown_values = [_squeezed(f"{key}: {shown(value)}")
                    for f in passing for key, value in f["evidence"]["observed"].items()]
    assert all(v in squeezed for v in shown_values), [v for v in shown_values if v not in squeezed]
    assert _squeezed("object_lock.mode: COMPLIANCE") in squeezed  # the object-lock retention it passes with
    # every attestation's evidence pointer and expiry
    records = [f for f in doc["findings"] if f["source"] == "attestation" and f["status"] in ("attested", "expired")]
    assert len(records) == 3
    for f in records:
        assert _squeezed(f"Evidence {f['evidence']['evidence']}") in squeezed, f["control_id"]
        assert _squeezed(f"Expires {f['evidence']['expires']}") in squeezed, f["control_id"]
        assert _squeezed(f"attested by {f['evidence']['attested_by']} on {f['evidence']['date']}") in squeezed
    # the parameters used, with the values this scan used
    used = {name for c in doc["controls"] for name in c["parameters"]}
    assert used == {"dicom_ports", "admin_ports", "min_tls_version", "min_retention_days",
                    "min_backup_retention_days", "imaging_data"}
    for name in used:
        assert _squeezed(f"{name} = {parameter_text(name, doc['scan']['parameters'][name])}") in squeezed, name
    assert "min_retention_days = 2555" in text  # the practice's own threshold, not the default
