"""The CLI: exit codes, outputs, and one clear line (no traceback) for every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.render.json_evidence import validate_document
from tests.conftest import REPO, write_tree

PRIVATE_ONLY = """\
resource "aws_security_group" "gateway" {
  name = "modality-gateway"
  ingress {
    from_port   = 104
    to_port     = 104
    protocol    = "tcp"
    cidr_blocks = ["10.20.0.0/16"]
  }
}
"""
WORLD_DICOM = PRIVATE_ONLY.replace('"gateway"', '"orthanc"').replace("10.20.0.0/16", "0.0.0.0/0")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("pacscan: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_exit_0_when_nothing_fails_and_1_when_something_does(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    ok = write_tree(tmp_path / "ok", {"main.tf": PRIVATE_ONLY})
    bad = write_tree(tmp_path / "bad", {"main.tf": WORLD_DICOM})
    assert run(capsys, "iac", str(ok), "--no-color")[0] == 0
    code, out, _ = run(capsys, "iac", str(bad), "--no-color")
    assert code == 1
    assert "aws_security_group.orthanc" in out and "NET-DICOM" in out
    assert run(capsys, "iac", str(bad), "--soft-fail")[0] == 0


def test_json_evidence_is_written_atomically_and_validates(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    tree = write_tree(tmp_path / "tf", {"main.tf": WORLD_DICOM})
    out = tmp_path / "reports" / "evidence.json"
    code, stdout, _err = run(capsys, "iac", str(tree), "--format", "json", "--output", str(out), "--no-color")
    assert code == 1
    doc = json.loads(out.read_text())
    validate_document(doc)
    assert "NET-DICOM" in stdout, "the console report is still printed when JSON goes to a file"
    finding = next(f for f in doc["findings"] if f["control_id"] == "NET-DICOM" and f["status"] == "fail")
    assert finding["resource"]["address"] == "aws_security_group.orthanc"
    assert finding["resource"]["file"].endswith("main.tf") and finding["resource"]["line_range"] == [1, 9]
    assert finding["source"] == "terraform" and finding["severity"] and finding["remediation"]
    assert [p.name for p in out.parent.iterdir()] == ["evidence.json"], "no temp file left behind"


def test_unparseable_file_is_an_error_finding_and_the_rest_goes_on(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    broken = 'resource "aws_s3_bucket" "x" {\n  bucket =\n'
    tree = write_tree(tmp_path / "tf", {"main.tf": WORLD_DICOM, "broken.tf": broken})
    out = tmp_path / "e.json"
    code, _, _ = run(capsys, "iac", str(tree), "--format", "json", "--output", str(out))
    doc = json.loads(out.read_text())
    errors = [f for f in doc["findings"] if f["status"] == "error"]
    assert errors and {f["resource"]["file"].rsplit("/", 1)[-1] for f in errors} == {"broken.tf"}
    assert all("could not parse" in f["message"] for f in errors)
    assert any(f["status"] == "fail" and f["resource"]["address"] == "aws_security_group.orthanc"
               for f in doc["findings"]), "the parseable file was still scanned"
    assert doc["summary"]["errors"] is True
    assert code == 1


@pytest.mark.parametrize(("files", "args", "words"), [
    ({}, ["iac", "{tmp}/nope"], "no such file or directory"),
    ({"empty/README.md": "x"}, ["iac", "{tmp}/empty"], "no Terraform files"),
    ({"p.json": "{oops"}, ["iac", "--plan", "{tmp}/p.json"], "p.json:1: invalid JSON"),
    ({"p.json": "{}"}, ["iac", "--plan", "{tmp}/p.json"], "not a Terraform plan"),
    ({"t/main.tf": PRIVATE_ONLY, "c.yaml": "parameters:\n  dicom_ports: [x]\n"},
     ["iac", "{tmp}/t", "--config", "{tmp}/c.yaml"], "c.yaml:2: parameters.dicom_ports"),
    ({"t/main.tf": PRIVATE_ONLY, "a.yaml": "attestations:\n  - control: NOPE\n"},
     ["iac", "{tmp}/t", "--attestations", "{tmp}/a.yaml"], "a.yaml:2:"),
    ({"t/main.tf": PRIVATE_ONLY, "r.yaml": "schema_version: 1\nparameters: {}\ncontrols: 5\n"},
     ["iac", "{tmp}/t", "--catalog", "{tmp}/r.yaml"], "r.yaml:3: controls: 5 is not of type 'array'"),
    ({"t/main.tf": PRIVATE_ONLY}, ["iac", "{tmp}/t", "--format", "json", "--output", "{tmp}/t/main.tf/x"],
     "cannot write"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path: Path, capsys, files: dict[str, str],  # type: ignore[no-untyped-def]
                                                         args: list[str], words: str) -> None:
    write_tree(tmp_path, files)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, out, err = run(capsys, *[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2
    assert words in _one_line_error(err)
    assert "PASS" not in out
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_usage_errors_exit_2(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exc:
        main(["iac"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["iac", ".", "--output", "x.json"])
    assert exc.value.code == 2
    assert "--format" in capsys.readouterr().err


def test_help_explains_exit_codes() -> None:
    done = subprocess.run([sys.executable, "-m", "scanner", "iac", "--help"], capture_output=True, text=True,
                          cwd=REPO, check=True)
    assert "exit codes" in done.stdout and "never pass" in done.stdout


def test_no_traceback_from_the_real_entry_point(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "scanner", "iac", str(tmp_path / "missing")],
                          capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("pacscan: error:")
    assert "Traceback" not in done.stderr
