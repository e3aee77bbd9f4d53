"""Parameter overrides and attestations: valid files take effect, broken ones name file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scanner.attestations import evaluate_attestations
from scanner.config import effective_parameters
from scanner.errors import AttestationError, ConfigError
from scanner.models import Evaluation, Status

TODAY = dt.date(2026, 11, 25)


def test_config_overrides_one_parameter(catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "pacscan.yaml"
    cfg.write_text("parameters:\n  dicom_ports: [104, 4242]\n")
    values = effective_parameters(catalog, cfg)
    assert values["dicom_ports"] == [104, 4242]
    assert values["admin_ports"] == catalog.defaults()["admin_ports"]


@pytest.mark.parametrize(("text", "where", "words"), [
    ("parameters:\n  dicom_port: [104]\n", ":2:", "unknown parameter"),
    ("parameters:\n  dicom_ports: [http]\n", ":2:", "not of type 'integer'"),
    ("parameters:\n  min_tls_version: '1.0'\n", ":2:", "is not one of"),
    ("paramters: {}\n", ":1:", "unknown key"),
    ("parameters: [\n", ":2:", "invalid YAML"),
])
def test_bad_config_is_one_clear_line(catalog, tmp_path: Path, text: str, where: str,  # type: ignore[no-untyped-def]
                                      words: str) -> None:
    cfg = tmp_path / "pacscan.yaml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        effective_parameters(catalog, cfg)
    assert f"pacscan.yaml{where}" in str(err.value) and words in str(err.value)


def _attestable(catalog) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.id for c in catalog.controls if c.evaluation is Evaluation.ATTESTATION]


def test_attested_expired_missing(catalog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = _attestable(catalog)[:2]
    path = tmp_path / "attestations.yaml"
    path.write_text(f"""attestations:
  - control: {first}
    attested_by: Dr. A
    date: 2026-01-10
    evidence: risk-analysis-2026.pdf
    expires: 2027-01-10
  - control: {second}
    attested_by: Dr. B
    date: 2025-01-10
    evidence: baa-register.xlsx
    expires: 2026-01-10
""")
    found = {f.control_id: f for f in evaluate_attestations(catalog.controls, path, TODAY)}
    assert found[first].status is Status.ATTESTED and found[first].evidence["attested_by"] == "Dr. A"
    assert found[first].resource.line_range == (2, 2)
    assert found[second].status is Status.EXPIRED
    others = set(_attestable(catalog)) - {first, second}
    assert {found[c].status for c in others} == {Status.MISSING}
    assert set(found) == set(_attestable(catalog)), "no attestation control may disappear"


def test_no_file_means_every_attestation_control_missing(catalog) -> None:  # type: ignore[no-untyped-def]
    found = evaluate_attestations(catalog.controls, None, TODAY)
    assert {f.status for f in found} == {Status.MISSING}
    assert len(found) == len(_attestable(catalog))


@pytest.mark.parametrize(("entry", "line", "words"), [
    ("  - control: NOPE-X\n    attested_by: a\n    date: 2026-01-01\n    evidence: e\n    expires: 2027-01-01\n",
     2, "unknown control NOPE-X"),
    ("  - control: ENC-REST\n    attested_by: a\n    date: 2026-01-01\n    evidence: e\n    expires: 2027-01-01\n",
     2, "evaluated from infrastructure"),
    ("  - control: {c}\n    attested_by: a\n    date: 2026-01-01\n    evidence: e\n", 2, "'expires' is a required"),
    ("  - control: {c}\n    attested_by: a\n    date: 2026-13-01\n    evidence: e\n    expires: 2027-01-01\n",
     4, "not a date"),
    ("  - control: {c}\n    attested_by: a\n    date: 2026-01-01\n    evidence: e\n    expires: 2025-01-01\n",
     6, "is before date"),
])
def test_bad_attestations_name_file_and_line(catalog, tmp_path: Path, entry: str, line: int,  # type: ignore[no-untyped-def]
                                             words: str) -> None:
    path = tmp_path / "att.yaml"
    path.write_text("attestations:\n" + entry.replace("{c}", _attestable(catalog)[0]))
    with pytest.raises(AttestationError) as err:
        evaluate_attestations(catalog.controls, path, TODAY)
    assert f"att.yaml:{line}:" in str(err.value) and words in str(err.value)
