"""What a Terraform scan could not read is never silent, and input variables are set as for
`terraform plan` (CLI level)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.models import Evaluation
from tests.conftest import write_tree

SG_FROM_VARIABLE = """\
variable "cidrs" {
  type = list(string)
}

resource "aws_security_group" "orthanc" {
  name = "orthanc"
  ingress {
    from_port   = 11112
    to_port     = 11112
    protocol    = "tcp"
    cidr_blocks = var.cidrs
  }
}
"""


def scan(tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    out = tmp_path / "evidence.json"
    code = main(["iac", str(folder), "--format", "json", "--output", str(out), "--no-color", *extra])
    capsys.readouterr()
    return code, json.loads(out.read_text())


def verdicts(document: dict, control: str) -> dict[str, str]:  # type: ignore[type-arg]
    return {f["resource"]["address"]: f["status"] for f in document["findings"] if f["control_id"] == control}


def test_a_module_not_on_disk_is_one_error_per_control_with_its_source(tmp_path: Path, catalog,  # type: ignore[no-untyped-def]
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_tree(tmp_path / "tf", {"main.tf": """\
module "pacs" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "4.1.0"
  bucket  = "pacs-images"
}
"""})
    code, doc = scan(tmp_path, capsys, folder)
    unread = [f for f in doc["findings"] if f["resource"]["address"] == "module.pacs"]
    automated = {c.id for c in catalog.controls if c.evaluation is Evaluation.AUTOMATED}
    assert unread and {f["control_id"] for f in unread} <= automated
    assert {f["control_id"] for f in unread} >= {"ENC-REST", "NET-DICOM", "ACC-PUBLIC"}
    assert all(f["status"] == "error" for f in unread)
    assert unread[0]["evidence"]["source"] == "terraform-aws-modules/s3-bucket/aws"
    assert "terraform init" in unread[0]["message"]
    assert code == 3  # not read: an incomplete scan (tests/test_exit_codes.py has every row)


def test_hidden_folders_are_reported_not_silently_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_tree(tmp_path / "tf", {
        "main.tf": 'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n',
        ".terragrunt-cache/copy/main.tf": SG_FROM_VARIABLE,
    })
    _, doc = scan(tmp_path, capsys, folder)
    assert any(".terragrunt-cache" in note and "not scanned" in note for note in doc["scan"]["notes"])
    assert not any("orthanc" in f["resource"]["address"] for f in doc["findings"])


def test_a_typed_variable_without_a_value_is_unknown_until_given(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_tree(tmp_path / "tf", {"main.tf": SG_FROM_VARIABLE})
    _, doc = scan(tmp_path, capsys, folder)
    assert verdicts(doc, "NET-DICOM") == {"aws_security_group.orthanc": "unknown"}
    code, doc = scan(tmp_path, capsys, folder, "--var", 'cidrs=["0.0.0.0/0"]')
    assert verdicts(doc, "NET-DICOM") == {"aws_security_group.orthanc": "fail"} and code == 1
    finding = next(f for f in doc["findings"] if f["control_id"] == "NET-DICOM")
    assert any("--var" in line for line in finding["evidence"]["evaluated"]["ingress"])
    varfile = write_tree(tmp_path / "vars", {"private.tfvars": 'cidrs = ["10.0.0.0/8"]\n'}) / "private.tfvars"
    _, doc = scan(tmp_path, capsys, folder, "--var-file", str(varfile))
    assert verdicts(doc, "NET-DICOM") == {"aws_security_group.orthanc": "pass"}
    # --var after --var-file wins, as in terraform plan
    _, doc = scan(tmp_path, capsys, folder, "--var-file", str(varfile), "--var", 'cidrs=["0.0.0.0/0"]')
    assert verdicts(doc, "NET-DICOM") == {"aws_security_group.orthanc": "fail"}


def test_tfvars_and_environment_follow_terraform_precedence(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_tree(tmp_path / "tf", {"main.tf": SG_FROM_VARIABLE,
                                          "terraform.tfvars": 'cidrs = ["0.0.0.0/0"]\n'})
    monkeypatch.setenv("TF_VAR_cidrs", '["10.0.0.0/8"]')  # lower precedence than terraform.tfvars
    _, doc = scan(tmp_path, capsys, folder)
    assert verdicts(doc, "NET-DICOM") == {"aws_security_group.orthanc": "fail"}
    finding = next(f for f in doc["findings"] if f["control_id"] == "NET-DICOM")
    assert any("terraform.tfvars:1" in line for line in finding["evidence"]["evaluated"]["ingress"])


@pytest.mark.parametrize(("argv", "words"), [
    (["--var", "nope=1"], "nope"),
    (["--var", "novalue"], "NAME=VALUE"),
    (["--var-file", "/does/not/exist.tfvars"], "exist.tfvars"),
])
def test_bad_variable_options_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      argv: list[str], words: str) -> None:
    folder = write_tree(tmp_path / "tf", {"main.tf": SG_FROM_VARIABLE})
    code = main(["iac", str(folder), *argv])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("pacscan: error:")]
    assert code == 2 and len(lines) == 1 and words in lines[0] and "Traceback" not in err
