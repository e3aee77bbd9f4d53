"""The catalog loader's side of probed_by: which controls a probe may judge, and what a scan does
with the attestation of a control a probe judged."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.catalog import load_catalog
from scanner.errors import CatalogError
from scanner.models import Evaluation, Source
from tests.conftest import REPO, write_tree


def _catalog(tmp_path: Path, controls: str, rules: str = "") -> Path:
    head = (REPO / "rules.yaml").read_text().split("include:")[0]
    files = {"rules.yaml": head + "include:\n  - rules/facts/dicom.yaml\n  - rules/controls/c.yaml\n"
             + ("  - rules/r.yaml\n" if rules else ""),
             "rules/facts/dicom.yaml": (REPO / "rules/facts/dicom.yaml").read_text(),
             "rules/controls/c.yaml": controls}
    if rules:
        files["rules/r.yaml"] = rules
    write_tree(tmp_path, files)
    return tmp_path / "rules.yaml"


CONTROL = """controls:
  - id: TEC-X
    title: x
    safeguard: technical
    evaluation: {evaluation}
    {probed}
    severity: high
    citations: [{{section: 45 CFR 164.312(d), title: Person or entity authentication, specification: standard}}]
    rationale: x
    remediation: {{text: x}}
"""
RULE = """rules:
  - id: X-RULE
    controls: [TEC-X]
    resource: {kind}
    title: x
    check: {{key: {key}, op: eq, value: true}}
"""


def test_the_shipped_catalog_marks_four_controls_probed(catalog) -> None:  # type: ignore[no-untyped-def]
    probed = {c.id: c.probed_by for c in catalog.controls if c.probed_by}
    assert probed == {"TEC-DICOM-TLS": ("dicom-probe",), "TEC-DICOM-PEER-AUTH": ("dicom-probe",),
                      "TEC-EXIF-PURGE": ("deid",), "PRV-DEIDENTIFY": ("deid",)}
    assert all(catalog.control(cid).evaluation is Evaluation.ATTESTATION for cid in probed)
    assert {cid: catalog.probes_judging(catalog.control(cid)) for cid in probed} == probed


def test_probed_by_on_an_automated_control_is_refused(tmp_path: Path) -> None:
    root = _catalog(tmp_path, CONTROL.format(evaluation="automated", probed="probed_by: [dicom-probe]"))
    with pytest.raises(CatalogError, match="probed_by is for attestation controls"):
        load_catalog(root)


def test_an_unknown_probe_is_refused_by_the_schema(tmp_path: Path) -> None:
    root = _catalog(tmp_path, CONTROL.format(evaluation="attestation", probed="probed_by: [nmap]"))
    with pytest.raises(CatalogError, match="probed_by"):
        load_catalog(root)


def test_a_rule_over_a_kind_no_named_probe_produces_cannot_judge_an_attestation_control(tmp_path: Path) -> None:
    root = _catalog(tmp_path, CONTROL.format(evaluation="attestation", probed="probed_by: [deid]"),
                    RULE.format(kind="dicom.endpoint", key="speaks_dicom"))
    with pytest.raises(CatalogError, match=r"r.yaml:\d+: .*X-RULE.*TEC-X is an attestation control.*dicom-probe"):
        load_catalog(root)


def test_a_rule_over_a_probed_kind_judges_the_control(tmp_path: Path) -> None:
    root = _catalog(tmp_path, CONTROL.format(evaluation="attestation", probed="probed_by: [dicom-probe]"),
                    RULE.format(kind="dicom.endpoint", key="speaks_dicom"))
    catalog = load_catalog(root)
    assert catalog.probes_judging(catalog.control("TEC-X")) == ("dicom-probe",)


def test_without_its_rules_a_probe_judges_nothing(tmp_path: Path) -> None:
    """A catalog that keeps the controls but not the probe's rules leaves the attestation in charge."""
    root = _catalog(tmp_path, CONTROL.format(evaluation="attestation", probed="probed_by: [dicom-probe]"))
    catalog = load_catalog(root)
    assert catalog.probes_judging(catalog.control("TEC-X")) == ()


def test_sources_of_the_new_inputs() -> None:
    assert Source("dicom-probe") is Source.DICOM_PROBE and Source("deid") is Source.DEID
