"""Issue 14, "Other", as a CI engineer hits it from the command line: NO_COLOR / FORCE_COLOR, `--fail-on HIGH`,
`--check` / `--skip-check` (Checkov's flag names), a 40 MB .tf file, and one line per unparseable file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from tests.conftest import REPO, write_tree

WORLD_SSH = """\
resource "aws_security_group" "bastion" {
  name = "bastion"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
BUCKET = 'resource "aws_s3_bucket" "images" {\n  bucket = "clinic-images"\n}\n'
ESC = "\x1b["


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def evidence(capsys: pytest.CaptureFixture[str], tmp_path: Path, *argv: str) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "e.json"
    code, _, err = run(capsys, "iac", *argv, "--format", "json", "--output", str(out))
    return code, json.loads(out.read_text()) if out.exists() else {}, err


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "tf", {"main.tf": WORLD_SSH + BUCKET})


# --- colour ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("env", "flags", "coloured"), [
    ({}, [], False),  # not a terminal
    ({"FORCE_COLOR": "1"}, [], True),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, [], False),  # NO_COLOR wins
    ({"FORCE_COLOR": "1"}, ["--no-color"], False),
    ({"NO_COLOR": ""}, [], False),  # empty: as if unset
])
def test_no_color_and_force_color(tree: Path, capsys, monkeypatch, env: dict[str, str], flags: list[str],  # type: ignore[no-untyped-def]
                                  coloured: bool) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _, out, _ = run(capsys, "iac", str(tree), *flags)
    assert (ESC in out) is coloured


def test_force_color_colours_the_evidence_diff_and_no_color_does_not(tree: Path, tmp_path: Path, capsys,  # type: ignore[no-untyped-def]
                                                                     monkeypatch) -> None:
    evidence(capsys, tmp_path, str(tree))
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ESC in run(capsys, "evidence", "diff", str(tmp_path / "e.json"), str(tmp_path / "e.json"))[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESC not in run(capsys, "evidence", "diff", str(tmp_path / "e.json"), str(tmp_path / "e.json"))[1]


# --- severities ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["HIGH", "High", "high"])
def test_fail_on_is_case_insensitive(tree: Path, capsys, spelling: str) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "iac", str(tree), "--fail-on", spelling)[0] == 1  # NET-ADMIN is critical
    code, _, err = run(capsys, "iac", str(tree), "--fail-on", "CRITICAL", "--skip-check", "NET-ADMIN")
    assert code == 0 or "error" not in err


def test_an_unknown_severity_is_still_refused(tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_info:
        main(["iac", str(tree), "--fail-on", "SEVERE"])
    assert exit_info.value.code == 2 and "invalid choice: 'severe'" in capsys.readouterr().err


# --- --check / --skip-check ------------------------------------------------------------------------------------------


def test_check_by_control_id_runs_only_that_control(tree: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, doc, _ = evidence(capsys, tmp_path, str(tree), "--check", "net-admin")
    assert [c["id"] for c in doc["controls"]] == ["NET-ADMIN"] and code == 1
    assert {f["check_id"] for f in doc["findings"]} == {"AWS-SG-ADMIN"}
    assert any(n.startswith("--check NET-ADMIN: only these controls and rules were run") for n in doc["scan"]["notes"])


def test_check_by_rule_id_and_wildcard(tree: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    _, doc, _ = evidence(capsys, tmp_path, str(tree), "--check", "AWS-S3-VERSIONING,AWS-SG-*")
    assert {f["check_id"] for f in doc["findings"]} == {"AWS-S3-VERSIONING", "AWS-SG-ADMIN", "AWS-SG-DICOM"}
    assert [c["id"] for c in doc["controls"]] == ["NET-DICOM", "NET-ADMIN", "INT-VERSION"]


def test_skip_check_by_control_and_by_rule(tree: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, doc, _ = evidence(capsys, tmp_path, str(tree), "--skip-check", "NET-ADMIN", "--skip-check", "aws-s3-*",
                            "--skip-check", "ADM-*,BRN-*,PHY-*,PRV-*,TEC-*")
    ids = [c["id"] for c in doc["controls"]]
    assert "NET-ADMIN" not in ids and "INT-VERSION" in ids, "its Azure and GCP rules still run"
    assert not [f for f in doc["findings"] if f["check_id"].startswith("AWS-S3-")]
    assert code == 0, "the only failure was skipped"
    assert any("controls left out by the selection: " in n and "NET-ADMIN" in n for n in doc["scan"]["notes"])


def test_an_id_that_matches_nothing_is_one_line_and_exit_2(tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(capsys, "iac", str(tree), "--skip-check", "NET-ADMN")
    assert code == 2 and not out
    assert err.strip().splitlines() == [
        "pacscan: error: --skip-check NET-ADMN: no control, rule or check id matches (did you mean NET-ADMIN?)"]


# --- file size -------------------------------------------------------------------------------------------------------


def big_tf(path: Path, megabytes: int) -> Path:
    block = ('resource "aws_security_group" "sg_{i}" {{\n  name = "sg-{i}"\n  ingress {{\n    from_port   = 443\n'
             '    to_port     = 443\n    protocol    = "tcp"\n    cidr_blocks = ["10.0.0.0/24"]\n  }}\n}}\n')
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        written, i = 0, 0
        while written < megabytes * 1024 * 1024:
            written += handle.write(block.format(i=i))
            i += 1
    return path


def test_a_40_mb_file_is_one_error_line_in_bounded_memory(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "tf", {"main.tf": WORLD_SSH})
    big_tf(tree / "generated.tf", 40)
    # a fresh parent whose only child is the scan: its children's peak RSS is the scan's (helper included)
    measure = ("import resource, subprocess, sys; "
               "code = subprocess.run(sys.argv[1:]).returncode; "
               "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "scanner", "iac", str(tree),
                           "--no-color", "--format", "json", "--output", str(tmp_path / "e.json")],
                          capture_output=True, text=True, timeout=300, cwd=REPO,
                          env={**os.environ, "PACSCAN_PARSE_AHEAD": "1"}, check=False)
    code, peak_kb = (int(n) for n in done.stdout.split()[-2:])
    assert code == 1, done.stderr  # the SSH rule still fails: the rest is evaluated
    assert peak_kb < 400 * 1024, f"peak RSS {peak_kb} KB"  # parsing it would take ~5 GB
    doc = json.loads((tmp_path / "e.json").read_text())
    errors = [f for f in doc["findings"] if f["status"] == "error"]
    assert errors and {f["resource"]["file"] for f in errors} == {"generated.tf"}
    assert all("over the 4 MiB limit (--max-file-size / PACSCAN_MAX_FILE_SIZE)" in f["message"] for f in errors)
    console = subprocess.run([sys.executable, "-m", "scanner", "iac", str(tree), "--no-color"], capture_output=True,
                             text=True, timeout=300, cwd=REPO, check=False).stdout
    lines = [line for line in console.splitlines() if "generated.tf" in line]
    assert len(lines) == 1 and lines[0].strip().startswith("ERROR generated.tf") and "controls)" in lines[0]


def test_the_limit_is_an_option_and_an_environment_variable(tree: Path, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, doc, _ = evidence(capsys, tmp_path, str(tree), "--max-file-size", "100")
    assert {f["status"] for f in doc["findings"] if f["control_id"] == "NET-ADMIN"} == {"error"}
    monkeypatch.setenv("PACSCAN_MAX_FILE_SIZE", "0.1k")
    _, doc, _ = evidence(capsys, tmp_path, str(tree))
    size = (tree / "main.tf").stat().st_size
    assert {f["message"] for f in doc["findings"] if f["status"] == "error"} == {
        f"could not parse main.tf: file is {size} bytes, over the 102 bytes limit (--max-file-size / "
        "PACSCAN_MAX_FILE_SIZE); resources in it were not evaluated"}
    _, doc, _ = evidence(capsys, tmp_path, str(tree), "--max-file-size", "2M")  # the option wins
    assert not [f for f in doc["findings"] if f["status"] == "error"]
    monkeypatch.setenv("PACSCAN_MAX_FILE_SIZE", "lots")
    code, _, err = run(capsys, "iac", str(tree))
    assert code == 2 and err.strip() == ("pacscan: error: PACSCAN_MAX_FILE_SIZE: not a size: 'lots' (bytes, or a "
                                         "number with k, M or G)")


def test_one_unparseable_file_is_one_error_line(tree: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tree / "broken.tf").write_text('resource "aws_s3_bucket" "x" {\n  bucket =\n')
    _, out, err = run(capsys, "iac", str(tree), "--no-color")
    lines = [line for line in out.splitlines() if "broken.tf" in line]
    assert lines == ["  ERROR broken.tf:2  could not parse broken.tf: unexpected 'end of file'; resources in it "
                     f"were not evaluated ({lines[0].rsplit('(', 1)[1]}"]
    assert len([line for line in err.splitlines() if "broken.tf" in line]) == 1


def test_checkov_built_in_checks_never_read_a_file_over_the_limit(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    disk = ('resource "azurerm_managed_disk" "pacs" {\n  name = "pacs"\n  location = "eastus"\n'
            '  resource_group_name = "rg"\n  storage_account_type = "Standard_LRS"\n  create_option = "Empty"\n'
            '  disk_size_gb = 1\n}\n')
    tree = write_tree(tmp_path / "tf", {"disk.tf": disk})
    big_tf(tree / "generated.tf", 1)
    _, doc, _ = evidence(capsys, tmp_path, str(tree), "--max-file-size", "64k", "--check", "ENC-REST")
    by_file = {(f["resource"]["file"], f["check_id"], f["status"]) for f in doc["findings"]}
    assert ("generated.tf", "parse", "error") in by_file
    assert any(file == "disk.tf" and check == "CKV_AZURE_2" for file, check, _ in by_file), by_file


def test_skipping_a_control_neither_stales_its_waiver_nor_fixes_its_baseline(tree: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                              capsys) -> None:
    baseline = tmp_path / "baseline.json"
    assert run(capsys, "iac", str(tree), "--create-baseline", str(baseline))[0] == 0
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - control: NET-ADMIN\n    resource: aws_security_group.bastion\n"
                       "    justification: Break-glass\n    owner: it@clinic.example\n    ticket: SEC-1\n"
                       "    expires: 2099-01-01\n")
    code, doc, err = evidence(capsys, tmp_path, str(tree), "--skip-check", "NET-ADMIN", "--baseline", str(baseline),
                              "--waivers", str(waivers))
    assert code == 0, err
    assert doc["gate"]["stale_waivers"] == [] and doc["gate"]["fixed"] == []
