"""Every row of the exit-code table, as a user hits it from the command line (single scans here;
MSP runs in tests/msp/test_msp_exit_codes.py, live clouds that stop answering or deny in
tests/reliability/test_faults.py). The README's table is the one ``scanner/exitcodes.py`` holds, and
every scan command's --help prints it."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.exitcodes import TABLE, ExitCode
from tests.conftest import REPO, write_tree
from tests.waive import waive_everything

PRIVATE_SSH = """\
resource "aws_security_group" "pacs" {
  name = "pacs"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
"""
WORLD_SSH = PRIVATE_SSH.replace('"pacs"', '"bastion"').replace("10.0.0.0/8", "0.0.0.0/0")
BROKEN = 'resource "aws_s3_bucket" "half" {\n  bucket = \n'
UNFETCHED = 'module "pacs" {\n  source  = "terraform-aws-modules/s3-bucket/aws"\n  version = "4.1.0"\n}\n'
UNDECIDED = """\
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


def scan(capsys: pytest.CaptureFixture[str], folder: Path, *extra: str) -> tuple[int, str]:
    code = main(["iac", str(folder), "--quiet", "--no-color", *extra])
    return code, capsys.readouterr().err


def tree(tmp_path: Path, **files: str) -> Path:
    return write_tree(tmp_path / "tf", {f"{name}.tf": text for name, text in files.items()})


# -- 0 and 1 ---------------------------------------------------------------------------------------------------


def test_everything_read_and_nothing_failed_is_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = scan(capsys, tree(tmp_path, main=PRIVATE_SSH))
    assert code == ExitCode.OK and "incomplete" not in err


def test_a_failure_is_1_unless_waived_or_soft_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tree(tmp_path, main=WORLD_SSH)
    assert scan(capsys, folder)[0] == ExitCode.FAILED
    assert scan(capsys, folder, "--waivers", str(waive_everything(tmp_path / "w.yaml")))[0] == ExitCode.OK
    assert scan(capsys, folder, "--soft-fail")[0] == ExitCode.OK


def test_a_failure_wins_over_an_incomplete_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert scan(capsys, tree(tmp_path, main=WORLD_SSH, broken=BROKEN))[0] == ExitCode.FAILED


# -- 2 ---------------------------------------------------------------------------------------------------------


def test_input_errors_are_2_whatever_the_gate_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for extra in ((), ("--soft-fail",), ("--allow-incomplete",)):
        code, err = scan(capsys, tmp_path / "missing", *extra)
        assert code == ExitCode.INPUT and err.startswith("pacscan: error:") and err.count("\n") == 1
    config = tmp_path / "pacscan.yaml"
    config.write_text("no_such_parameter: 1\n")
    assert scan(capsys, tree(tmp_path, main=PRIVATE_SSH), "--config", str(config))[0] == ExitCode.INPUT


AZURE = ["cloud", "azure", "--subscription", "00000000-0000-0000-0000-000000000000"]
GCP = ["cloud", "gcp", "--project", "pacs-prod"]


@pytest.mark.parametrize(("argv", "module", "extra"), [
    (AZURE, "azure.identity", "azure"), (AZURE, "azure.mgmt.network", "azure"), (GCP, "google.cloud.storage", "gcp"),
    (GCP, "google.cloud.kms_v1", "gcp"), (["deid", "gs://research/cbct/"], "google.cloud.storage", "gcp"),
])
def test_a_missing_cloud_extra_is_2_with_the_pip_line(argv: list[str], module: str, extra: str,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # the import fails as if it were not installed
    assert main(argv) == ExitCode.INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"pip install 'pacscan[{extra}]'" in err and "Traceback" not in err


def test_a_missing_extra_from_the_real_entry_point_is_one_line(tmp_path: Path) -> None:
    """No ModuleNotFoundError traceback and exit 1: the process exits 2 with the pip line."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text("import sys\nsys.modules['azure'] = None\n")
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "scanner", "cloud", "azure", "--subscription", "s"], cwd=REPO,
                          env=env, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        done.stderr.strip()] and "pip install 'pacscan[azure]'" in done.stderr


# -- 3: could not read -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("unread", [BROKEN, UNFETCHED], ids=["unparseable-file", "module-not-fetched"])
def test_what_could_not_be_read_is_3_unless_allow_incomplete(unread: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = tree(tmp_path, main=PRIVATE_SSH, unread=unread)
    code, err = scan(capsys, folder)
    assert code == ExitCode.INCOMPLETE
    assert "incomplete scan" in err and "--allow-incomplete" in err
    code, err = scan(capsys, folder, "--allow-incomplete")
    assert code == ExitCode.OK and "incomplete scan accepted (--allow-incomplete)" in err
    assert scan(capsys, folder, "--soft-fail")[0] == ExitCode.OK


def test_a_scan_that_read_nothing_is_3_even_with_allow_incomplete(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = tree(tmp_path, broken=BROKEN)
    code, err = scan(capsys, folder, "--allow-incomplete")
    assert code == ExitCode.INCOMPLETE and "nothing could be read" in err
    assert scan(capsys, folder, "--soft-fail")[0] == ExitCode.OK


def test_recording_a_baseline_does_not_hide_an_incomplete_scan(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    failing = tree(tmp_path / "a", main=WORLD_SSH)
    assert scan(capsys, failing, "--create-baseline", str(tmp_path / "a.json"))[0] == ExitCode.OK
    broken = tree(tmp_path / "b", main=PRIVATE_SSH, broken=BROKEN)
    assert scan(capsys, broken, "--create-baseline", str(tmp_path / "b.json"))[0] == ExitCode.INCOMPLETE


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the with block ends: connections are refused


def test_a_live_endpoint_that_never_answers_is_3_not_an_input_error(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.write_text("")
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty),
                        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{_closed_port()}"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    code = main(["cloud", "aws", "--region", "us-east-1", "--format", "json", "--output", str(tmp_path / "e.json")])
    err = capsys.readouterr().err
    assert code == ExitCode.INCOMPLETE, err
    assert "endpoint unreachable" in err and "stopped answering" in err and err.count("\n") == 1


# -- unknown: informational unless --fail-on-unknown -----------------------------------------------------------


def test_unknown_from_code_is_informational_unless_fail_on_unknown(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = tree(tmp_path, main=UNDECIDED)
    assert scan(capsys, folder)[0] == ExitCode.OK
    code, err = scan(capsys, folder, "--fail-on-unknown")
    assert code == ExitCode.INCOMPLETE and "--fail-on-unknown" in err
    assert scan(capsys, folder, "--fail-on-unknown", "--soft-fail")[0] == ExitCode.OK


# -- the table, once -------------------------------------------------------------------------------------------


def test_the_readme_table_is_the_one_the_code_holds() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Exit codes"):readme.index("## Live cloud scans")]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, flags=re.M)
    assert [(int(code), when) for code, when in rows] == [(code.value, when) for code, when in TABLE]
    assert {code for code, _ in TABLE} == set(ExitCode)


@pytest.mark.parametrize("command", [["iac"], ["cloud"], ["cloud", "aws"], ["probe", "dicom"], ["deid"]])
def test_every_scan_command_help_shows_the_table(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for code, when in TABLE:
        assert f"{code.value} {when}" in text


def test_the_extras_checked_are_the_ones_pyproject_installs() -> None:
    import tomllib

    from scanner.extras import EXTRAS

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for name, modules in EXTRAS.items():
        declared = {re.split(r"[<>=!~\[ ]", d, maxsplit=1)[0].lower() for d in extras[name]}
        assert {distribution.lower() for _module, distribution in modules} == declared, name
