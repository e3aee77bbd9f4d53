"""The exit-code table holds for MSP runs (``pacscan cloud --tenants``), from the command line, against a
real moto server: a tenant that could not be scanned makes the run incomplete (3), a run where every
tenant failed exits 3 even with --allow-incomplete (it was never 0: "3 tenant(s) FAILED" and a green
cron job), failures still win (1), and bad input is 2 before anything is scanned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.cli import main
from scanner.exitcodes import ExitCode
from tests.waive import waive_everything

GOOD = """\
  - name: good
    aws: {role_arn: "arn:aws:iam::111111111111:role/PacscanReadOnly", regions: [us-east-1]}
"""
BROKEN = """\
  - name: broken-{n}
    aws: {{profile: no-such-profile-{n}, regions: [us-east-1]}}
"""


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], tenants: str, *extra: str) -> tuple[int, str]:
    path = tmp_path / "tenants.yaml"
    path.write_text("tenants:\n" + tenants)
    out = tmp_path / f"run-{len(list(tmp_path.glob('run-*')))}"
    code = main(["cloud", "--tenants", str(path), "--evidence-dir", str(out), "--no-color", *extra])
    return code, capsys.readouterr().err


def test_every_tenant_failed_is_3_even_with_allow_incomplete(aws: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    tenants = BROKEN.format(n=1) + BROKEN.format(n=2) + BROKEN.format(n=3)
    code, err = run(tmp_path, capsys, tenants)
    assert code == ExitCode.INCOMPLETE
    assert "3 tenant(s) FAILED" in err and "nothing could be read (3 tenant(s) failed)" in err
    assert run(tmp_path, capsys, tenants, "--allow-incomplete")[0] == ExitCode.INCOMPLETE
    assert run(tmp_path, capsys, tenants, "--soft-fail")[0] == ExitCode.OK
    index = json.loads((tmp_path / "run-0" / "index.json").read_text())
    assert {t["status"] for t in index["tenants"]} == {"error"}


def test_one_failed_tenant_is_3_unless_allow_incomplete_and_a_failure_still_wins(
        aws: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tenants = GOOD + BROKEN.format(n=1)
    waivers = ("--waivers", str(waive_everything(tmp_path / "waivers.yaml")))
    assert run(tmp_path, capsys, GOOD, *waivers)[0] == ExitCode.OK, "the good tenant alone: everything read"
    code, err = run(tmp_path, capsys, tenants, *waivers)
    assert code == ExitCode.INCOMPLETE
    assert "incomplete scan: 1 tenant(s) not (fully) scanned" in err and "--allow-incomplete" in err
    code, err = run(tmp_path, capsys, tenants, *waivers, "--allow-incomplete")
    assert code == ExitCode.OK and "incomplete scan accepted (--allow-incomplete)" in err
    assert run(tmp_path, capsys, tenants)[0] == ExitCode.FAILED, "the good tenant's own failures"


def test_bad_input_is_2_and_nothing_is_scanned(aws: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(tmp_path, capsys, "  - name: Not A Slug\n    aws: {profile: p}\n", "--allow-incomplete")
    assert code == ExitCode.INPUT and err.startswith("pacscan: error:") and err.count("\n") == 1
    assert not list(tmp_path.glob("run-*/*.json"))


def test_a_missing_cloud_extra_for_a_tenant_is_2_with_the_pip_line(aws: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "azure.identity", None)  # as if not installed
    code, err = run(tmp_path, capsys, GOOD + "  - name: blue\n    azure: {subscriptions: [s1]}\n")
    assert code == ExitCode.INPUT and "pip install 'pacscan[azure]'" in err and err.count("\n") == 1
