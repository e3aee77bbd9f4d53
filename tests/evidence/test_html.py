"""The compliance officer's HTML report: self-contained, escaped, and rendered by a real browser."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from scanner.evidence.bundle import load_evidence
from scanner.models import Status
from scanner.render.html import render_html
from scripts.report_browser import chromium, console_messages, run, screenshot

from . import (
    ADM_RISK,
    ENC_REST,
    IMAGES,
    META,
    cli,
    finding,
    march_estate,
    tf,
    write_estate,
)

HOSTILE = 'aws_s3_bucket.x["<img src=x onerror=alert(1)>"]'


class Tags(HTMLParser):
    """Every start tag and its attributes, plus the visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def estate_dir(tmp_path: Path) -> Path:
    estate = march_estate()
    hostile = finding(ENC_REST, Status.FAIL, tf(HOSTILE), "CKV_AWS_145",
                      {"note": "</pre><script>alert('evidence')</script>"},
                      remediation="Encrypt <b>now</b>")
    estate["bright-smiles"] = replace(estate["bright-smiles"],
                                      findings=(*estate["bright-smiles"].findings, hostile))
    return write_estate(tmp_path / "2025-03", estate, failed={"pine-ortho": "AccessDenied on AssumeRole"})


@pytest.fixture
def report(tmp_path: Path) -> Path:
    out = tmp_path / "report.html"
    assert cli(["evidence", "html", str(estate_dir(tmp_path)), "--output", str(out)]) == 0
    return out


def test_report_is_self_contained_and_escapes_everything(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    parser = Tags()
    parser.feed(html)
    names = [tag for tag, _ in parser.tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    assert all("src" not in attrs and "href" not in attrs for _, attrs in parser.tags)
    assert names.count("svg") == 1 and "rect" in names
    text = "".join(parser.text)
    assert HOSTILE in text  # shown literally, as text
    assert "</pre><script>alert('evidence')</script>" in text
    assert "Encrypt <b>now</b>" in text


def test_report_content_for_the_officer(report: Path) -> None:
    parser = Tags()
    parser.feed(report.read_text(encoding="utf-8"))
    text = " ".join(parser.text)
    for tenant in ("bright-smiles", "oak-dental", "pine-ortho"):
        assert tenant in text
    assert IMAGES in text and "sg-0a1b2c3d4e5f" in text  # failing Terraform and cloud resources
    assert "Add an SSE-KMS configuration to the bucket." in text  # remediation
    assert "45 CFR 164.312(a)(2)(iv)" in text  # citation
    assert "arn:aws:sts::111111111111:assumed-role/pacscan-audit/bright" in text  # who scanned
    assert "attested by Dr. A. Molar on 2025-01-15" in text  # attestation record
    assert "AccessDenied on AssumeRole" in text and "NOT EVALUATED" in text  # failed tenant
    assert "AccessDenied reading bucket logging" in text  # an error finding is listed as not evaluated
    section = report.read_text(encoding="utf-8").split('<section id="not-evaluated">')[1].split("</section>")[0]
    assert "pine-ortho" in section and "AUD-LOG" in section
    assert ADM_RISK.id in text


def test_statuses_never_read_as_pass_when_unreadable(tmp_path: Path) -> None:
    root = write_estate(tmp_path / "e", {"oak-dental": march_estate()["oak-dental"]}, index=False)
    doc_path = root / "oak-dental.json"
    doc_path.write_text(doc_path.read_text().replace('"status": "pass"', '"status": "fine"', 1))
    html = render_html(load_evidence(root), META)
    assert ">FINE<" not in html and ">ERROR<" in html


@pytest.mark.skipif(chromium() is None,
                    reason="Debian's chromium is not installed (.ci/run installs it: apt-get install -y chromium)")
def test_headless_chromium_renders_the_report_without_errors(report: Path, tmp_path: Path) -> None:
    url = report.resolve().as_uri()
    dom = run(["--dump-dom", url], tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    for expected in ("bright-smiles", "oak-dental", "pine-ortho", IMAGES, "sg-0a1b2c3d4e5f"):
        assert expected in dom.stdout.replace("&quot;", '"')
    assert "<script" not in dom.stdout  # the hostile evidence stayed text
    assert "&lt;script&gt;" in dom.stdout
    shot = tmp_path / "report.png"
    done = screenshot(report, shot, tmp_path / "profile", height=2000)
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_messages(done.stderr) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


def test_a_single_evidence_file_renders_as_one_tenant(tmp_path: Path) -> None:
    root = write_estate(tmp_path / "e", {"oak-dental": march_estate()["oak-dental"]}, index=False)
    out = tmp_path / "oak.html"
    assert cli(["evidence", "html", str(root / "oak-dental.json"), "--output", str(out)]) == 0
    parser = Tags()
    parser.feed(out.read_text(encoding="utf-8"))
    headers = [t for t, _ in parser.tags].count("th")
    assert headers > 0
    assert "oak-dental" in "".join(parser.text)
    assert "No failing resource" not in "".join(parser.text)  # PHY-MEDIA is missing for Oak
