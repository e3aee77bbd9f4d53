"""Issue 14, "Noise" and "One check, two verdicts", as a CI engineer reads the output of `pacscan iac`:
a small repository's console report, the gate's counts in the console and the Markdown summary, and
one verdict per (check, resource, control)."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.render.markdown import COMMENT_LIMIT
from tests.conftest import write_tree

SG = """\
resource "aws_security_group" "{name}" {{
  name = "{name}"
  ingress {{
    from_port   = {port}
    to_port     = {port}
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
"""
BUCKET = 'resource "aws_s3_bucket" "images" {\n  bucket = "clinic-images"\n}\n'
WAIVERS = """\
waivers:
  - control: NET-ADMIN
    resource: aws_security_group.jump
    justification: Break-glass bastion behind the clinic's upstream firewall
    owner: it@clinic.example
    ticket: SEC-9
    expires: 2099-01-01
  - control: NET-DICOM
    resource: aws_security_group.gone
    justification: Old modality gateway
    owner: it@clinic.example
    ticket: SEC-1
    expires: 2020-01-01
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["iac", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_two_resource_repository_prints_a_short_report(tmp_path: Path, capsys, catalog) -> None:  # type: ignore[no-untyped-def]
    tree = write_tree(tmp_path / "tf", {"main.tf": BUCKET + SG.format(name="pacs", port=4242)})
    code, out, _ = run(capsys, str(tree), "--no-color")
    attestation = [c.id for c in catalog.controls if c.evaluation.value == "attestation"]
    assert code == 1
    assert len(out.splitlines()) < 150, len(out.splitlines())
    assert "MISSING" not in out, "no attestation rows without --attestations"
    assert not [line for line in out.splitlines() if line.strip().split(" ", 1)[0] in attestation]
    assert out.count(f"{len(attestation)} safeguards need attestation: run with --attestations FILE") == 1
    assert "NOT_APPLICABLE" not in out and "control(s) not applicable" in out, "not applicable: a count"
    quiet = run(capsys, str(tree), "--no-color", "--quiet")[1]
    assert len(quiet.splitlines()) < len(out.splitlines()) and "MISSING" not in quiet


def test_console_and_markdown_count_new_baselined_waived_fixed_and_expired(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    tree = write_tree(tmp_path / "tf", {"a.tf": SG.format(name="old", port=22),
                                        "b.tf": SG.format(name="fixed", port=22)})
    assert run(capsys, str(tree), "--create-baseline", str(tmp_path / "baseline.json"))[0] == 0
    (tree / "b.tf").write_text(SG.format(name="fixed", port=8443))
    (tree / "c.tf").write_text(SG.format(name="jump", port=22) + SG.format(name="viewer", port=3389))
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVERS)
    args = (str(tree), "--baseline", str(tmp_path / "baseline.json"), "--waivers", str(waivers), "--no-color")
    code, out, _ = run(capsys, *args)
    assert code == 1
    assert "Failures: 1 new, 1 baselined, 1 waived, 1 fixed, 1 expired waiver(s)" in out
    assert "Expired waivers (they no longer waive anything: renew or fix)" in out
    assert "NET-DICOM  aws_security_group.gone  expired 2020-01-01" in out
    md = tmp_path / "summary.md"
    run(capsys, *args, "--format", "markdown", "--output", str(md))
    text = md.read_text()
    assert "**FAIL**: 1 new failing finding(s) in 1 control(s)" in text
    counts = "| New | Baselined | Waived | Fixed | Expired waivers |\n|---|---|---|---|---|\n| 1 | 1 | 1 | 1 | 1 |"
    assert counts in text
    assert text.count("safeguards need attestation: run with `--attestations FILE`.") == 1
    assert "<details open><summary><strong>New failures (1)" in text and "MISSING" not in text.upper().split(
        "SAFEGUARDS NEED ATTESTATION")[0]
    assert len(text) <= COMMENT_LIMIT


def test_the_example_gives_one_verdict_per_check_resource_and_control(repo: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "e.json"
    run(capsys, str(repo / "examples" / "dental-practice"), "--format", "json", "--output", str(out), "--soft-fail")
    doc = json.loads(out.read_text())
    seen = collections.Counter((f["check_id"], f["resource"]["address"], f["resource"]["file"], f["control_id"])
                               for f in doc["findings"])
    assert [k for k, n in seen.items() if n > 1] == []
    legacy = {f["status"] for f in doc["findings"]
              if f["resource"]["address"] == "aws_s3_bucket.legacy_exports" and f["control_id"] == "RET-LIFECYCLE"}
    assert legacy == {"fail"}, "one check, one verdict"
    assert doc["summary"]["attestation_needed"]["message"].endswith("safeguards need attestation: run with "
                                                                    "--attestations FILE")


def test_the_same_address_in_two_folders_stays_two_verdicts(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    tree = write_tree(tmp_path / "tf", {"a/main.tf": SG.format(name="x", port=22),
                                        "b/main.tf": SG.format(name="x", port=22)})
    out = tmp_path / "e.json"
    run(capsys, str(tree / "a"), str(tree / "b"), "--format", "json", "--output", str(out))
    admin = [f["resource"]["file"] for f in json.loads(out.read_text())["findings"] if f["control_id"] == "NET-ADMIN"]
    assert sorted(admin) == ["a/main.tf", "b/main.tf"]


def test_evidence_diff_sees_the_one_verdict_change(repo: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    estate = Path(shutil.copytree(repo / "examples" / "dental-practice", tmp_path / "estate"))
    before, after = tmp_path / "before.json", tmp_path / "after.json"
    run(capsys, str(estate), "--format", "json", "--output", str(before), "--soft-fail")
    storage = estate / "storage.tf"
    text = storage.read_text()
    assert text.count("days = 90") == 1
    storage.write_text(text.replace("days = 90", "days = 3650"))  # legacy exports now kept ten years
    run(capsys, str(estate), "--format", "json", "--output", str(after), "--soft-fail")
    main(["evidence", "diff", str(before), str(after), "--format", "json"])
    diff = json.loads(capsys.readouterr().out)
    fixed = [(c["control_id"], c["resource"]["address"]) for c in diff["changes"] if c["category"] == "fixed"]
    assert fixed == [("RET-LIFECYCLE", "aws_s3_bucket.legacy_exports")]
