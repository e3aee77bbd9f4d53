"""JUnit XML: parses (xml.etree and junitparser), one suite per control, counts that add up."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import junitparser
import pytest

from scanner.models import ControlId, ScanResult, Status
from scanner.render import Renderer
from scanner.render.junit import JunitRenderer, to_junit

from . import ENC_REST, FAIL_ENC, IMAGES_ADDR, META, make_result
from .test_sarif import INLINE_WAIVER, MISSING_BAA, YAML_WAIVER, gate_result


def render(result: ScanResult | None = None) -> str:
    return JunitRenderer().render(result or gate_result(), META)


def parse(result: ScanResult | None = None) -> ET.Element:
    return ET.fromstring(render(result))


def suite(root: ET.Element, control_id: str) -> ET.Element:
    [found] = [s for s in root.iter("testsuite") if s.get("name", "").startswith(control_id + " ")]
    return found


def case(root: ET.Element, control_id: str, name: str) -> ET.Element:
    [found] = [c for c in root.iter("testcase")
               if c.get("classname") == f"pacscan.{control_id}" and c.get("name") == name]
    return found


def outcome(testcase: ET.Element) -> str:
    children = [child.tag for child in testcase if child.tag in ("failure", "error", "skipped")]
    assert len(children) <= 1
    return children[0] if children else "pass"


def test_one_suite_per_control_in_catalog_order_with_title() -> None:
    root = parse()
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root.findall("testsuite")] == [
        "ENC-REST Imaging storage is encrypted at rest",
        "NET-DICOM DICOM ports are not reachable from the internet",
        "AUD-LOG Access to imaging storage is logged",
        "BAK-RET Imaging backups are kept long enough",
        "ADM-RISK A risk analysis covers the imaging workflow",
        "ADM-BAA Business associate agreements are signed",
        "PHY-MEDIA Sensor and media disposal is documented",
    ]


def test_each_status_maps_to_its_junit_outcome() -> None:
    root = parse()
    expected = {
        ("ENC-REST", IMAGES_ADDR): "failure",
        ("ENC-REST", "aws_s3_bucket.logs"): "pass",
        ("ENC-REST", "aws_s3_bucket.scratch"): "skipped",
        ("ENC-REST", "infra/broken.tf"): "error",
        ("ENC-REST", "aws_s3_bucket.archive"): "failure",
        ("NET-DICOM", "123456789012/us-east-1/sg-0a1b2c3d4e5f"): "failure",
        ("NET-DICOM", "aws_security_group.orthanc"): "pass",
        ("NET-DICOM", "aws_security_group.modality"): "skipped",
        ("NET-DICOM", "aws_security_group.legacy"): "error",
        ("AUD-LOG", "aws_s3_bucket_logging.images"): "error",
        ("BAK-RET", "control:BAK-RET"): "skipped",  # nothing of its kind was found
        ("ADM-RISK", "attestation:ADM-RISK"): "pass",
        ("ADM-BAA", "attestation:ADM-BAA"): "failure",
        ("PHY-MEDIA", "attestation:PHY-MEDIA"): "failure",
    }
    actual = {(c.get("classname", "").removeprefix("pacscan."), c.get("name")): outcome(c)
              for c in root.iter("testcase")}
    assert actual == expected


def test_counts_add_up_per_suite_and_in_total() -> None:
    root = parse()
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "14", "failures": "5", "errors": "3", "skipped": "3"}
    enc = suite(root, "ENC-REST")
    assert {k: enc.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "5", "failures": "2", "errors": "1", "skipped": "1"}
    for s in root.findall("testsuite"):
        cases = s.findall("testcase")
        assert int(s.get("tests", "-1")) == len(cases)
        for tag, attr in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert int(s.get(attr, "-1")) == sum(outcome(c) == tag for c in cases), (s.get("name"), tag)


def test_junitparser_reads_the_same_counts(tmp_path: Path) -> None:
    path = tmp_path / "pacscan.xml"
    path.write_text(render(), encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(path))
    suites = list(xml)
    assert len(suites) == 7
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    kinds: dict[str, int] = {"Failure": 0, "Error": 0, "Skipped": 0}
    for s in suites:
        for k in totals:
            totals[k] += getattr(s, k)
        for testcase in s:
            for result in testcase.result:
                kinds[type(result).__name__] += 1
    assert totals == {"tests": 14, "failures": 5, "errors": 3, "skipped": 3}
    assert kinds == {"Failure": 5, "Error": 3, "Skipped": 3}


def test_failure_carries_severity_evidence_location_and_fix() -> None:
    testcase = case(parse(), "ENC-REST", IMAGES_ADDR)
    assert testcase.get("file") == "infra/storage.tf" and testcase.get("line") == "12"
    failure = testcase.find("failure")
    assert failure is not None
    assert failure.get("type") == "high"
    assert failure.get("message") == "CKV_AWS_145: S3 bucket is not encrypted with a KMS key"
    body = failure.text or ""
    assert "Location:  infra/storage.tf:12-30" in body
    assert '"kms_master_key_id": null' in body
    assert "HIPAA:     45 CFR 164.312(a)(2)(iv)" in body
    assert f"Fix:       {ENC_REST.remediation.text}" in body
    assert "Resource fix: Add aws_s3_bucket_server_side_encryption_configuration" in body


def test_baselined_failure_is_still_a_failure_marked_as_in_baseline() -> None:
    failure = case(parse(), "ENC-REST", "aws_s3_bucket.archive").find("failure")
    assert failure is not None
    assert (failure.get("message") or "").startswith("[in baseline] CKV_AWS_145")


def test_error_and_unknown_say_not_evaluated() -> None:
    root = parse()
    error = case(root, "ENC-REST", "infra/broken.tf").find("error")
    assert error is not None and error.get("type") == "error"
    assert (error.get("message") or "").startswith("NOT evaluated (error): CKV_AWS_145: could not parse")
    silent = case(root, "BAK-RET", "control:BAK-RET").find("skipped")
    assert silent is not None and "nothing of the kinds this control judges" in (silent.get("message") or "")


def test_waived_is_skipped_with_justification_and_who() -> None:
    root = parse()
    skipped = case(root, "ENC-REST", "aws_s3_bucket.scratch").find("skipped")
    assert skipped is not None
    assert skipped.get("message") == (f"waived: {YAML_WAIVER.justification} (owner it@smiledental.example; "
                                      "ticket SEC-142; expires 2099-12-31; waivers.yaml:4)")
    inline = case(root, "NET-DICOM", "aws_security_group.modality").find("skipped")
    assert inline is not None
    assert inline.get("message") == f"waived: {INLINE_WAIVER.justification} (inline skip comment)"


def test_fileless_case_has_no_file_attribute() -> None:
    testcase = case(parse(), "NET-DICOM", "123456789012/us-east-1/sg-0a1b2c3d4e5f")
    assert testcase.get("file") is None and testcase.get("line") is None


def test_without_an_attestation_file_the_attestation_controls_are_one_skipped_case() -> None:
    from scanner.models import ResourceRef

    unattested = tuple(replace(MISSING_BAA, control_id=ControlId(c), message="no attestation file given",
                               resource=ResourceRef(f"attestation:{c}", "attestation"))
                       for c in ("ADM-RISK", "ADM-BAA"))
    root = to_junit(make_result(findings=(FAIL_ENC, *unattested)), META)
    names = [s.get("name") for s in root.findall("testsuite")]
    assert not any(n.startswith(("ADM-RISK", "ADM-BAA")) for n in names) and names[-1] == "attestations"
    [skipped] = root.find("testsuite[@name='attestations']").iter("skipped")  # type: ignore[union-attr]
    assert skipped.get("message") == "2 safeguards need attestation: run with --attestations FILE (ADM-RISK, ADM-BAA)"


def test_suite_properties_carry_citations_and_severity() -> None:
    props = {(p.get("name"), p.get("value")) for p in suite(parse(), "NET-DICOM").iter("property")}
    assert ("hipaa-citation", "45 CFR 164.312(e)(1) Transmission security (standard)") in props
    assert ("hipaa-citation", "45 CFR 164.312(a)(1) Access control (standard)") in props
    assert ("severity", "critical") in props
    assert ("status", "fail") in props


@pytest.mark.parametrize("nasty", ['<b>&"quoted"</b>', "bell\x07and\x00nul", "]]> cdata end"])
def test_hostile_text_is_escaped_and_still_parses(nasty: str) -> None:
    f = replace(FAIL_ENC, message=nasty, evidence={"value": nasty},
                resource=replace(FAIL_ENC.resource, address=f"aws_s3_bucket.x[\"{nasty}\"]"))
    root = parse(make_result(findings=(f,)))
    [testcase] = [c for c in root.iter("testcase") if c.get("classname") == "pacscan.ENC-REST"]
    failure = testcase.find("failure")
    assert failure is not None
    clean = nasty.replace("\x07", "\ufffd").replace("\x00", "\ufffd")
    assert (failure.get("message") or "").endswith(clean)
    assert testcase.get("name") == f"aws_s3_bucket.x[\"{clean}\"]"


def test_finding_for_a_control_outside_the_catalog_gets_its_own_suite() -> None:
    stray = replace(FAIL_ENC, control_id=ControlId("ZZZ-OLD"))
    root = parse(make_result(findings=(stray,), controls=(ENC_REST,)))
    names = [s.get("name") for s in root.findall("testsuite")]
    assert names == ["ENC-REST Imaging storage is encrypted at rest", "ZZZ-OLD (not in the catalog)"]
    assert outcome(case(root, "ZZZ-OLD", IMAGES_ADDR)) == "failure"
    assert outcome(case(root, "ENC-REST", "control:ENC-REST")) == "skipped"  # nothing of its kind was found


def test_all_statuses_produce_a_parseable_document() -> None:
    findings = tuple(replace(FAIL_ENC, status=s, resource=replace(FAIL_ENC.resource, address=f"b.{s.value}"))
                     for s in Status)
    root = parse(make_result(findings=findings, controls=(ENC_REST,)))
    outcomes = {c.get("name"): outcome(c) for c in root.iter("testcase")}
    assert outcomes == {"b.pass": "pass", "b.attested": "pass", "b.fail": "failure", "b.missing": "failure",
                        "b.expired": "failure", "b.error": "error", "b.unknown": "error", "b.waived": "skipped",
                        "b.not_applicable": "skipped"}


def test_output_is_deterministic_with_xml_declaration() -> None:
    text = render()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    assert text == render(gate_result(findings=tuple(reversed(list(gate_result().findings)))))


def test_is_a_renderer() -> None:
    renderer: Renderer = JunitRenderer()
    assert renderer.name == "junit"
