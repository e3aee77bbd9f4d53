"""The JSON evidence contract: shape (schema), enums, ordering, the summary's error flag."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

import jsonschema
import pytest

from scanner.models import (
    ControlId,
    Evaluation,
    ResourceRef,
    Safeguard,
    Severity,
    Source,
    Status,
)
from scanner.render import (
    SCHEMA_VERSION,
    JsonEvidenceRenderer,
    Renderer,
    RenderError,
    to_document,
    validate_document,
)
from scanner.render.json_evidence import evidence_schema

from . import (
    AUD_LOG,
    ENC_REST,
    ERR_LOG,
    FAIL_ENC,
    FINDINGS,
    IMAGES_ADDR,
    META,
    NET_DICOM,
    PASS_DICOM,
    PASS_ENC,
    all_pass_result,
    make_result,
)


def render_doc(**kwargs: Any) -> dict[str, Any]:
    text = JsonEvidenceRenderer().render(make_result(**kwargs), META)
    doc: dict[str, Any] = json.loads(text)
    return doc


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = evidence_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION


@pytest.mark.parametrize(("name", "enum"), [
    ("status", Status), ("severity", Severity), ("source", Source), ("safeguard", Safeguard),
    ("evaluation", Evaluation),
])
def test_schema_enums_match_the_models(name: str, enum: Any) -> None:
    assert evidence_schema()["$defs"][name]["enum"] == [m.value for m in enum]


def test_schema_counts_cover_every_status() -> None:
    counts = evidence_schema()["$defs"]["counts"]
    assert set(counts["required"]) == {s.value for s in Status}
    assert set(counts["properties"]) == {s.value for s in Status}


def test_rendered_document_validates_and_has_the_contract_shape() -> None:
    doc = render_doc()
    jsonschema.Draft202012Validator(evidence_schema()).validate(doc)
    assert doc["schema_version"] == "1.2"
    assert doc["tool"] == {"name": "pacscan", "version": "0.1.0"}
    assert doc["scan"]["targets"] == ["infra/", "aws:123456789012"]
    assert doc["scan"]["parameters"]["dicom_ports"] == [104, 11112, 4242]
    enc = doc["controls"][0]
    assert enc["id"] == "ENC-REST"
    assert enc["status"] == "fail"
    assert enc["citations"] == [{"section": "45 CFR 164.312(a)(2)(iv)",
                                 "title": "Encryption and decryption", "specification": "addressable"}]
    assert enc["counts"]["pass"] == 1 and enc["counts"]["fail"] == 1
    first = doc["findings"][1]  # after aws_s3_bucket.logs (address order)
    assert first["resource"] == {"address": IMAGES_ADDR, "type": "aws_s3_bucket", "file": "infra/storage.tf",
                                 "line_range": [12, 30], "account": None, "region": None}
    assert first["evidence"] == {"kms_master_key_id": None, "server_side_encryption_configuration": None}
    assert first["remediation"].startswith("Add aws_s3_bucket_server_side_encryption_configuration")
    assert first["waiver"] is None and first["baselined"] is False
    assert doc["gate"] == {"baseline": None, "fixed": [], "expired_waivers": [], "stale_waivers": [],
                           "unreasoned_skips": [], "baseline_created_at": None, "baseline_commit": None}


def test_roll_up_of_controls_without_findings_is_never_a_pass() -> None:
    statuses = {c["id"]: c["status"] for c in render_doc()["controls"]}
    assert statuses == {"ENC-REST": "fail", "NET-DICOM": "fail", "AUD-LOG": "error", "BAK-RET": "not_applicable",
                        "ADM-RISK": "attested", "ADM-BAA": "missing", "PHY-MEDIA": "expired"}


@pytest.mark.parametrize("status", list(Status))
def test_every_status_round_trips(status: Status) -> None:
    doc = render_doc(findings=(replace(FAIL_ENC, status=status),))
    assert Status(doc["findings"][0]["status"]) is status
    assert doc["summary"]["findings_by_status"][status.value] == 1
    assert doc["controls"][0]["status"] == status.value


@pytest.mark.parametrize("source", list(Source))
def test_every_source_round_trips(source: Source) -> None:
    doc = render_doc(findings=(replace(FAIL_ENC, source=source),))
    assert Source(doc["findings"][0]["source"]) is source


@pytest.mark.parametrize("severity", list(Severity))
def test_every_severity_round_trips(severity: Severity) -> None:
    doc = render_doc(findings=(replace(FAIL_ENC, severity=severity),))
    assert Severity(doc["findings"][0]["severity"]) is severity


def test_summary_errors_true_when_an_error_finding_exists() -> None:
    doc = render_doc(findings=(PASS_ENC, ERR_LOG))
    assert doc["summary"]["errors"] is True
    assert doc["summary"]["findings_by_status"]["error"] == 1
    assert "AUD-LOG" in doc["summary"]["unevaluated_controls"]


def test_summary_errors_false_and_nothing_unevaluated_when_all_evaluated() -> None:
    doc = json.loads(JsonEvidenceRenderer().render(all_pass_result(), META))
    assert doc["summary"]["errors"] is False
    assert doc["summary"]["unevaluated_controls"] == []
    assert doc["summary"]["total_findings"] == 7


def test_control_with_no_finding_is_not_applicable_not_unevaluated() -> None:
    """Nothing of its kind was found: not applicable, which is neither a pass nor "could not tell"."""
    doc = render_doc(findings=(PASS_ENC, PASS_DICOM))
    assert doc["summary"]["errors"] is False
    assert doc["summary"]["unevaluated_controls"] == []
    statuses = {c["id"]: c["status"] for c in doc["controls"]}
    assert statuses["AUD-LOG"] == statuses["BAK-RET"] == "not_applicable"


def test_findings_are_ordered_by_control_then_address_then_check() -> None:
    second_check = replace(FAIL_ENC, check_id="CKV_AWS_19")
    doc = render_doc(findings=(PASS_DICOM, second_check, ERR_LOG, FAIL_ENC, PASS_ENC))
    keys = [(f["control_id"], f["resource"]["address"], f["check_id"]) for f in doc["findings"]]
    assert keys == [
        ("ENC-REST", "aws_s3_bucket.logs", "CKV_AWS_145"),
        ("ENC-REST", IMAGES_ADDR, "CKV_AWS_145"),
        ("ENC-REST", IMAGES_ADDR, "CKV_AWS_19"),
        ("NET-DICOM", "aws_security_group.orthanc", "CKV_PACS_1"),
        ("AUD-LOG", "arn:aws:s3:::practice-images", "live.aud-log.s3-logging"),
    ]
    assert [c["id"] for c in doc["controls"]][:3] == [ENC_REST.id, NET_DICOM.id, AUD_LOG.id]


def test_output_is_identical_whatever_the_input_order() -> None:
    # Same control, address and check in two regions: only the tie-breakers order them.
    same_place = [replace(ERR_LOG, resource=replace(ERR_LOG.resource, region=r))
                  for r in ("eu-west-1", "ap-south-1")]
    findings = [*FINDINGS, *same_place]
    texts = set()
    for seed in range(5):
        shuffled = findings[:]
        random.Random(seed).shuffle(shuffled)
        evidence_reordered = [replace(f, evidence=dict(reversed(list(f.evidence.items())))) for f in shuffled]
        texts.add(JsonEvidenceRenderer().render(make_result(findings=tuple(evidence_reordered)), META))
    assert len(texts) == 1


def test_finding_for_a_control_outside_the_catalog_is_kept_last() -> None:
    stray = replace(PASS_ENC, control_id=ControlId("ZZZ-OLD"))
    doc = render_doc(findings=(stray, FAIL_ENC))
    assert [f["control_id"] for f in doc["findings"]] == ["ENC-REST", "ZZZ-OLD"]


def test_cloud_resource_has_null_location_and_account_region() -> None:
    doc = render_doc(findings=(ERR_LOG,))
    assert doc["findings"][0]["resource"] == {
        "address": "arn:aws:s3:::practice-images", "type": "aws_s3_bucket", "file": None,
        "line_range": None, "account": "123456789012", "region": "us-east-1"}


def test_evidence_sets_and_tuples_become_sorted_lists() -> None:
    f = replace(FAIL_ENC, evidence={"ports": frozenset({4242, 104}), "cidrs": ("0.0.0.0/0",)})
    doc = render_doc(findings=(f,))
    assert doc["findings"][0]["evidence"] == {"cidrs": ["0.0.0.0/0"], "ports": [104, 4242]}


def test_evidence_dates_and_paths_become_text() -> None:
    f = replace(FAIL_ENC, evidence={"expires": dt.date(2024, 6, 30), "file": PurePosixPath("infra/s3.tf"),
                                    "seen": dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)})
    doc = render_doc(findings=(f,))
    assert doc["findings"][0]["evidence"] == {"expires": "2024-06-30", "file": "infra/s3.tf",
                                              "seen": "2025-03-01T10:00:00+00:00"}


@pytest.mark.parametrize("bad", [float("nan"), b"\x00", object()])
def test_evidence_that_is_not_json_is_a_render_error_naming_the_finding(bad: object) -> None:
    f = replace(FAIL_ENC, evidence={"observed": bad})
    with pytest.raises(RenderError, match=r"ENC-REST .*\.evidence\.observed"):
        to_document(make_result(findings=(f,)), META)


def test_validate_document_names_the_offending_location() -> None:
    doc = to_document(make_result(), META)
    doc["findings"][1]["status"] = "passed"
    with pytest.raises(RenderError, match=r"at findings\[1\]\.status: 'passed' is not one of"):
        validate_document(doc)


def test_validate_document_rejects_unknown_keys() -> None:
    doc = to_document(make_result(), META)
    doc["findings"][0]["resource"]["arn"] = "arn:aws:s3:::x"
    with pytest.raises(RenderError, match=r"findings\[0\]\.resource.*'arn' was unexpected"):
        validate_document(doc)


def test_renderer_refuses_a_result_the_schema_rejects() -> None:
    bad = replace(FAIL_ENC, resource=ResourceRef(address="", type="aws_s3_bucket"))
    with pytest.raises(RenderError, match=r"findings\[0\]\.resource\.address"):
        JsonEvidenceRenderer().render(make_result(findings=(bad,)), META)


def test_renderer_output_is_indented_json_ending_in_newline() -> None:
    text = JsonEvidenceRenderer().render(make_result(), META)
    assert text.startswith('{\n  "schema_version": "1.2",\n  "tool"')
    assert text.endswith("}\n")


def test_is_a_renderer() -> None:
    renderer: Renderer = JsonEvidenceRenderer()
    assert renderer.name == "json"


# --- 1.1: waivers, baseline, gate notes ---------------------------------------------------------------------


def gate_doc() -> dict[str, Any]:
    from .test_sarif import gate_result

    doc: dict[str, Any] = json.loads(JsonEvidenceRenderer().render(gate_result(), META))
    return doc


def finding_at(doc: dict[str, Any], address: str) -> dict[str, Any]:
    [found] = [f for f in doc["findings"] if f["resource"]["address"] == address]
    return found


def test_schema_description_says_1_1_and_1_2_are_additive() -> None:
    schema = evidence_schema()
    assert "schema_version 1.2" in schema["title"]
    assert "Version 1.1 (additive over 1.0)" in schema["description"]
    assert "Version 1.2 (additive over 1.1)" in schema["description"]


def test_waived_findings_carry_their_waiver() -> None:
    doc = gate_doc()
    jsonschema.Draft202012Validator(evidence_schema()).validate(doc)
    assert finding_at(doc, "aws_s3_bucket.scratch")["waiver"] == {
        "control_id": "ENC-REST", "resource": "aws_s3_bucket.scratch*",
        "justification": "Scratch bucket holds synthetic test studies only | no PHI",
        "owner": "it@smiledental.example", "ticket": "SEC-142", "expires": "2099-12-31", "origin": "waivers.yaml:4",
        "file": None}
    inline = finding_at(doc, "aws_security_group.modality")["waiver"]
    assert inline["origin"] == "inline skip comment" and inline["expires"] is None and inline["owner"] is None
    assert finding_at(doc, IMAGES_ADDR)["waiver"] is None


def test_baselined_flag_round_trips() -> None:
    doc = gate_doc()
    assert finding_at(doc, "aws_s3_bucket.archive")["baselined"] is True
    assert finding_at(doc, IMAGES_ADDR)["baselined"] is False


def test_gate_object_lists_baseline_fixed_and_waiver_problems() -> None:
    gate = gate_doc()["gate"]
    assert gate["baseline"] == "reports/baseline.json"
    assert gate["fixed"] == ["ENC-REST|aws_s3_bucket.legacy_dicom|infra/storage.tf"]
    assert [(w["resource"], w["expires"], w["origin"]) for w in gate["expired_waivers"]] == [
        ("aws_s3_bucket.old_exports", "2024-01-31", "waivers.yaml:11")]
    assert [w["origin"] for w in gate["stale_waivers"]] == ["waivers.yaml:18"]
    assert gate["unreasoned_skips"] == ["NET-DICOM|aws_security_group.legacy|infra/network.tf"]


def test_schema_rejects_a_waiver_without_justification_or_a_missing_gate() -> None:
    doc = gate_doc()
    finding_at(doc, "aws_s3_bucket.scratch")["waiver"]["justification"] = ""
    with pytest.raises(RenderError, match=r"\.waiver"):
        validate_document(doc)
    doc = gate_doc()
    del doc["gate"]
    with pytest.raises(RenderError, match="'gate' is a required property"):
        validate_document(doc)


def test_sources_parameters_and_per_provider_fixes_are_recorded() -> None:
    from scanner.models import GitRevision, ProviderFix, Remediation, ScanTarget

    git = GitRevision(commit="a" * 40, author="Dr. A. Rivera <rivera@clinic.example>",
                      committed_at="2026-11-02T09:00:00+00:00", dirty=True)
    enc = replace(ENC_REST, parameters=("imaging_data",), remediation=Remediation(
        text="Encrypt it.", providers=(ProviderFix("aws", "SSE-KMS.", cli="aws s3api x"),
                                       ProviderFix("gcp", "CMEK."))))
    result = replace(make_result(controls=(enc, NET_DICOM, AUD_LOG)),
                     sources=(ScanTarget("infra/", git), ScanTarget("aws:123456789012")))
    doc = to_document(result, META)
    validate_document(doc)
    assert doc["scan"]["sources"] == [
        {"target": "infra/", "git": {"commit": "a" * 40, "author": "Dr. A. Rivera <rivera@clinic.example>",
                                     "committed_at": "2026-11-02T09:00:00+00:00", "dirty": True}},
        {"target": "aws:123456789012", "git": None}]
    control = doc["controls"][0]
    assert control["parameters"] == ["imaging_data"]
    assert control["remediation"] == "Encrypt it."
    assert control["remediation_by_provider"] == {
        "aws": {"text": "SSE-KMS.", "terraform": None, "cli": "aws s3api x"},
        "gcp": {"text": "CMEK.", "terraform": None, "cli": None}}


def test_documents_without_the_optional_1_2_additions_still_validate() -> None:
    doc = to_document(make_result(), META)
    del doc["scan"]["sources"], doc["gate"]["baseline_created_at"], doc["gate"]["baseline_commit"]
    for control in doc["controls"]:
        del control["parameters"], control["remediation_by_provider"]
    validate_document(doc)
