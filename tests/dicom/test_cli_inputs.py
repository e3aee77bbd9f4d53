"""The probe and deid commands end to end: exit codes, the missing extra, bad input, and how a probe's
findings take over from the attestation of the controls it judges."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from tests.dicom.world import Phi, write_world

ATTESTATIONS = """attestations:
  - control: {control}
    attested_by: IT provider
    date: "2026-01-05"
    evidence: "Compliance share: /dicom/connections.pdf"
    expires: "2099-01-05"
"""


def _json(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "evidence.json"
    code = main([*argv, "--format", "json", "--output", str(out)])
    err = capsys.readouterr().err
    return code, json.loads(out.read_text()) if out.exists() else {}, err


def _controls(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in doc["controls"]}


def test_probe_judges_its_controls_instead_of_the_attestation(open_scp: int, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    attestations = tmp_path / "attestations.yaml"
    attestations.write_text(ATTESTATIONS.format(control="TEC-DICOM-TLS"))
    code, doc, _ = _json(["probe", "dicom", f"127.0.0.1:{open_scp}", "--attestations", str(attestations)],
                         tmp_path, capsys)
    assert code == 1
    controls = _controls(doc)
    assert controls["TEC-DICOM-TLS"]["status"] == "fail" and controls["TEC-DICOM-TLS"]["judged_by"] == ["dicom-probe"]
    assert controls["TEC-DICOM-PEER-AUTH"]["status"] == "fail"
    assert controls["TEC-DICOM-TLS"]["evaluation"] == "attestation"
    tls = [f for f in doc["findings"] if f["control_id"] == "TEC-DICOM-TLS"]
    assert {f["source"] for f in tls} == {"dicom-probe"}  # the attestation was not consulted
    assert doc["scan"]["targets"] == [f"dicom:127.0.0.1:{open_scp}"]
    assert "judged_by" not in controls["PRV-DEIDENTIFY"]  # not probed in this scan: still its attestation
    assert controls["PRV-DEIDENTIFY"]["status"] == "missing"


def test_a_probed_control_with_nothing_of_its_kind_is_not_applicable(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    attestations = tmp_path / "attestations.yaml"
    attestations.write_text(ATTESTATIONS.format(control="TEC-EXIF-PURGE"))
    world = write_world(tmp_path / "w", Phi())
    for path in (world / "photos").iterdir():
        path.unlink()
    code, doc, _ = _json(["deid", str(world / "export"), "--attestations", str(attestations)], tmp_path, capsys)
    controls = _controls(doc)
    # deid ran, so it judges TEC-EXIF-PURGE: no photo was found, so nothing of its kind: not_applicable
    assert controls["TEC-EXIF-PURGE"]["status"] == "not_applicable"
    assert controls["TEC-EXIF-PURGE"]["judged_by"] == ["deid"]
    assert controls["TEC-DICOM-TLS"]["status"] == "missing" and code == 1


def test_a_refused_endpoint_is_an_error_and_an_incomplete_scan(closed_port: int, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """An endpoint that could not be reached was not read: exit 3 (tests/test_exit_codes.py has the
    table), even with --allow-incomplete when it was the only endpoint; --soft-fail accepts it."""
    code, doc, err = _json(["probe", "dicom", f"127.0.0.1:{closed_port}"], tmp_path, capsys)
    assert code == 3 and doc["summary"]["errors"] is True
    assert _controls(doc)["TEC-DICOM-TLS"]["status"] == "error"
    assert "connection refused" in err
    code, _, _ = _json(["probe", "dicom", f"127.0.0.1:{closed_port}", "--allow-incomplete"], tmp_path, capsys)
    assert code == 3
    code, _, _ = _json(["probe", "dicom", f"127.0.0.1:{closed_port}", "--soft-fail"], tmp_path, capsys)
    assert code == 0


@pytest.mark.parametrize(("argv", "words"), [
    (["probe", "dicom", "pacs:99999"], "the port must be a number"),
    (["deid", "/nonexistent/pacscan-export"], "no such file or folder"),
    (["deid", "ftp://host/x"], "only a local path"),
])
def test_bad_targets_are_one_line_and_exit_2(argv: list[str], words: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("argv", [["probe", "dicom", "--timeout", "0", "h"], ["probe", "dicom", "--calling-ae",
                                  "A\\B", "h"], ["deid", "--sample", "-1", "."], ["probe", "dicom"]])
def test_bad_options_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["probe", "dicom", "127.0.0.1:1"], ["deid", "."]])
@pytest.mark.parametrize("module", ["pynetdicom", "pydicom", "PIL"])
def test_a_missing_extra_is_one_line_naming_the_install(argv: list[str], module: str,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'pacscan[dicom]'" in err and "Traceback" not in err


def test_the_readme_documents_both_commands_and_they_parse() -> None:
    import shlex

    from scanner.cli_args import build_parser
    from tests.test_readme import _readme_commands

    commands = _readme_commands("pacscan probe") + _readme_commands("pacscan deid")
    commands += [c for c in _readme_commands("pacscan cloud") if "--deid-sample" in c]
    assert len(commands) == 4
    for command in commands:
        build_parser().parse_args(shlex.split(command)[1:])
