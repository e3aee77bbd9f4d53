"""The catalog loader: the real catalog loads; every broken catalog names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.catalog import load_catalog
from scanner.errors import CatalogError
from scanner.models import Evaluation
from tests.conftest import write_tree

ROOT = """\
schema_version: 1
parameters:
  dicom_ports:
    description: ports
    schema: {type: array, items: {type: integer}}
    default: [104]
include:
  - rules/c.yaml
"""
CONTROL = """\
controls:
  - id: ENC-REST
    title: t
    safeguard: technical
    evaluation: automated
    citations: [{section: "45 CFR 164.312(a)(2)(iv)", title: Encryption, specification: addressable}]
    severity: high
    rationale: r
    remediation: {text: fix}
"""


def _catalog(tmp_path: Path, root: str = ROOT, part: str = CONTROL) -> Path:
    write_tree(tmp_path, {"rules.yaml": root, "rules/c.yaml": part})
    return tmp_path / "rules.yaml"


def test_real_catalog_loads_with_digest_and_parameters(catalog) -> None:  # type: ignore[no-untyped-def]
    assert len(catalog.sha256) == 64
    assert catalog.defaults()["dicom_ports"] == [104, 11112, 4242, 2761, 2762, 8042]
    assert any(c.evaluation is Evaluation.ATTESTATION for c in catalog.controls)
    assert catalog.terraform_check_ids()


def test_minimal_catalog_loads(tmp_path: Path) -> None:
    cat = load_catalog(_catalog(tmp_path))
    assert [c.id for c in cat.controls] == ["ENC-REST"]


@pytest.mark.parametrize(("part", "where", "words"), [
    (CONTROL.replace("severity: high", "severity: extreme"), "c.yaml:7", "severity"),
    (CONTROL.replace("    rationale: r\n", ""), "c.yaml:2", "rationale"),
    (CONTROL + "    colour: red\n", "c.yaml:2", "colour"),
    (CONTROL + CONTROL.replace("controls:\n", ""), "c.yaml:10", "duplicate control id ENC-REST"),
    ("controls:\n  - id: [unclosed\n", "c.yaml:3", "invalid YAML"),
    (CONTROL + "terraform:\n  checks:\n    NOPE-X: [CKV_AWS_1]\n", "c.yaml:12", "unknown control id NOPE-X"),
    ("controls: !!python/object/apply:os.system [echo hi]\n", "c.yaml:1", "invalid YAML"),
    (CONTROL + "terraform:\n  checks:\n    ENC-REST: [CKV_AWS_3, CKV_AWS_9999]\n", "c.yaml:12",
     "CKV_AWS_9999 is not a check id of the installed Checkov"),
])
def test_broken_part_names_file_line_and_problem(tmp_path: Path, part: str, where: str, words: str) -> None:
    with pytest.raises(CatalogError) as err:
        load_catalog(_catalog(tmp_path, part=part))
    assert where in str(err.value)
    assert words in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_include_and_bad_default(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"rules.yaml:8: include: rules/gone.yaml: file not found"):
        load_catalog(_catalog(tmp_path, root=ROOT.replace("rules/c.yaml", "rules/gone.yaml")))
    with pytest.raises(CatalogError, match=r"rules.yaml:6: parameters.dicom_ports.default"):
        load_catalog(_catalog(tmp_path, root=ROOT.replace("[104]", "[http]")))


def test_attestation_control_cannot_map_checks(tmp_path: Path) -> None:
    part = CONTROL.replace("automated", "attestation") + "terraform:\n  checks:\n    ENC-REST: [CKV_AWS_1]\n"
    with pytest.raises(CatalogError, match="attestation control cannot map"):
        load_catalog(_catalog(tmp_path, part=part))


def test_catalog_digest_changes_with_content(tmp_path: Path) -> None:
    first = load_catalog(_catalog(tmp_path)).sha256
    second = load_catalog(_catalog(tmp_path, part=CONTROL.replace("title: t", "title: t2"))).sha256
    assert first != second


def test_remediation_per_provider_loads_and_falls_back_to_the_neutral_text(tmp_path: Path) -> None:
    part = CONTROL.replace("    remediation: {text: fix}\n", """\
    remediation:
      text: encrypt it
      aws: {text: SSE-KMS on the bucket, terraform: 'resource "aws_s3_bucket" "x" {}', cli: aws s3api x}
      azure: {text: customer-managed key on the account}
""")
    remediation = load_catalog(_catalog(tmp_path, part=part)).controls[0].remediation
    assert remediation.for_provider("aws").text == "SSE-KMS on the bucket"
    assert remediation.for_provider("aws").cli == "aws s3api x"
    assert remediation.for_provider("azure").text == "customer-managed key on the account"
    assert remediation.for_provider("gcp").text == "encrypt it"  # no GCP fix: the neutral text
    assert remediation.for_provider(None).text == "encrypt it"


def test_a_provider_fix_without_text_names_file_and_line(tmp_path: Path) -> None:
    fix = "    remediation:\n      text: t\n      gcp: {cli: gcloud x}\n"
    part = CONTROL.replace("    remediation: {text: fix}\n", fix)
    with pytest.raises(CatalogError, match=r"c.yaml:\d+: .*text"):
        load_catalog(_catalog(tmp_path, part=part))


def test_controls_know_the_parameters_their_rules_read(catalog) -> None:  # type: ignore[no-untyped-def]
    by_id = {c.id: c for c in catalog.controls}
    assert by_id["NET-DICOM"].parameters == ("dicom_ports",)
    assert by_id["INT-IMMUTABLE"].parameters == ("min_retention_days", "imaging_data")  # storage: the scope too
    assert by_id["AUD-TRAIL"].parameters == ()
    assert all(c.parameters == () for c in catalog.controls if c.evaluation is Evaluation.ATTESTATION
               and not c.probed_by)
    assert by_id["TEC-DICOM-TLS"].parameters == ("min_tls_version",)  # probed: its rules read it
