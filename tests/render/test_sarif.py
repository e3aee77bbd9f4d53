"""SARIF 2.1.0: validates against the official schema; rules, results, fingerprints, suppressions."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.validators
import pytest

from scanner.models import ControlId, Finding, GateNotes, ResourceRef, ScanResult, Severity, Source, Status, Waiver
from scanner.render import Renderer
from scanner.render.sarif import SarifRenderer, artifact_uri, fingerprint, to_sarif

from . import (
    ADM_BAA,
    ATTESTED_RISK,
    AUD_LOG,
    ENC_REST,
    EXPIRED_MEDIA,
    FAIL_DICOM_CLOUD,
    FAIL_ENC,
    IMAGES_ADDR,
    META,
    NET_DICOM,
    PASS_DICOM,
    PASS_ENC,
    UNKNOWN_LOG,
    make_result,
    tf_ref,
)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "schemas" / "sarif-schema-2.1.0.json"

# --- A scan after the CI gate ran: shared with the JUnit and Markdown tests. ---------------------------

YAML_WAIVER = Waiver(control_id="ENC-REST", resource="aws_s3_bucket.scratch*", justification="Scratch bucket "
                     "holds synthetic test studies only | no PHI", owner="it@smiledental.example",
                     ticket="SEC-142", expires="2099-12-31", origin="waivers.yaml:4")
INLINE_WAIVER = Waiver(control_id="NET-DICOM", resource="aws_security_group.modality",
                       justification="Modality VLAN only; the SG is attached to no public subnet",
                       owner=None, ticket=None, expires=None, origin="inline skip comment")
WAIVED_YAML = replace(FAIL_ENC, status=Status.WAIVED, resource=tf_ref("aws_s3_bucket.scratch", (80, 88)),
                      message=f"S3 bucket is not encrypted with a KMS key (waived: {YAML_WAIVER.justification})",
                      waiver=YAML_WAIVER)
WAIVED_INLINE = Finding(
    control_id=NET_DICOM.id, status=Status.WAIVED, severity=Severity.CRITICAL, source=Source.TERRAFORM,
    resource=tf_ref("aws_security_group.modality", (90, 110), "infra/network.tf"), check_id="CKV_PACS_1",
    message="DICOM port 104 open to 10.20.0.0/16", evidence={"open_ports": [104],
                                                              "skip_reason": INLINE_WAIVER.justification},
    waiver=INLINE_WAIVER)
ERR_PARSE = Finding(
    control_id=ENC_REST.id, status=Status.ERROR, severity=Severity.HIGH, source=Source.TERRAFORM,
    resource=ResourceRef(address="infra/broken.tf", type="file", file="infra/broken.tf", line_range=(7, 7)),
    check_id="CKV_AWS_145", message="could not parse infra/broken.tf: unexpected '}' at line 7; "
    "resources in it were not evaluated", evidence={"parse_error": "unexpected '}'", "line": 7})
MISSING_BAA = Finding(
    control_id=ADM_BAA.id, status=Status.MISSING, severity=Severity.HIGH, source=Source.ATTESTATION,
    resource=ResourceRef(address="attestation:ADM-BAA", type="attestation", file="attestations.yaml"),
    check_id="attestation", message="no attestation for this control", evidence={"attested": False},
    remediation=ADM_BAA.remediation.text)
BASELINED_ENC = replace(FAIL_ENC, resource=tf_ref("aws_s3_bucket.archive", (120, 140)), baselined=True)
UNREASONED = replace(PASS_DICOM, status=Status.UNKNOWN, resource=tf_ref("aws_security_group.legacy", (200, 220),
                                                                          "infra/network.tf"),
                     message="CKV_PACS_1 skipped inline without a reason: not evaluated and not waived")
EXPIRED_WAIVER = replace(YAML_WAIVER, resource="aws_s3_bucket.old_exports", expires="2024-01-31",
                         origin="waivers.yaml:11")
STALE_WAIVER = replace(YAML_WAIVER, resource="aws_s3_bucket.gone", origin="waivers.yaml:18")
GATE = GateNotes(
    baseline="reports/baseline.json",
    fixed=("ENC-REST|aws_s3_bucket.legacy_dicom|infra/storage.tf",),
    expired_waivers=(EXPIRED_WAIVER,),
    stale_waivers=(STALE_WAIVER,),
    unreasoned_skips=(UNREASONED.key,),
)
GATE_FINDINGS = (FAIL_ENC, PASS_ENC, WAIVED_YAML, ERR_PARSE, BASELINED_ENC, FAIL_DICOM_CLOUD, PASS_DICOM,
                 WAIVED_INLINE, UNREASONED, UNKNOWN_LOG, ATTESTED_RISK, MISSING_BAA, EXPIRED_MEDIA)


def gate_result(findings: tuple[Finding, ...] = GATE_FINDINGS, gate: GateNotes = GATE) -> ScanResult:
    """Terraform + AWS findings after waivers, inline skips and a baseline were applied; BAK-RET
    has no finding at all (unknown)."""
    return replace(make_result(findings=findings), gate=gate)


# --- helpers ---------------------------------------------------------------------------------------------------


def sarif(result: ScanResult | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SarifRenderer().render(result or gate_result(), META))
    return doc


def sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def validate(doc: dict[str, Any]) -> None:
    schema = sarif_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(doc)


def results_by_address(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for r in doc["runs"][0]["results"]:
        name = r["locations"][0]["logicalLocations"][0]["name"]
        assert name not in out, f"two results for {name}"
        out[name] = r
    return out


# --- schema --------------------------------------------------------------------------------------------------


def test_vendored_schema_is_the_official_sarif_2_1_0_schema() -> None:
    schema = sarif_schema()
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    jsonschema.validators.validator_for(schema).check_schema(schema)


@pytest.mark.parametrize("result", [gate_result(), make_result(), gate_result(gate=GateNotes()),
                                    make_result(findings=())], ids=["gate", "plain", "no-gate", "empty"])
def test_log_validates_against_the_sarif_schema(result: ScanResult) -> None:
    validate(sarif(result))


def test_schema_validation_is_real_a_broken_log_is_rejected() -> None:
    doc = sarif()
    doc["runs"][0]["results"][0]["suppressions"] = [{"kind": "yaml", "status": "accepted"}]
    with pytest.raises(jsonschema.ValidationError, match="'yaml' is not one of"):
        validate(doc)


# --- tool and rules --------------------------------------------------------------------------------------------


def test_driver_has_one_rule_per_control_in_catalog_order() -> None:
    driver = sarif()["runs"][0]["tool"]["driver"]
    assert driver["name"] == "pacscan" and driver["version"] == "0.1.0"
    assert "informationUri" not in driver  # not invented
    assert [r["id"] for r in driver["rules"]] == ["ENC-REST", "NET-DICOM", "AUD-LOG", "BAK-RET", "ADM-RISK",
                                                  "ADM-BAA", "PHY-MEDIA"]


def test_information_uri_is_used_when_given() -> None:
    doc = to_sarif(gate_result(), META, information_uri="https://example.org/pacscan")
    assert doc["runs"][0]["tool"]["driver"]["informationUri"] == "https://example.org/pacscan"
    validate(doc)


def test_rule_carries_help_citations_and_severity() -> None:
    rule = sarif()["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["name"] == "ImagingStorageIsEncryptedAtRest"
    assert rule["shortDescription"] == {"text": ENC_REST.title}
    assert rule["fullDescription"] == {"text": "Imaging storage is encrypted at rest. HIPAA: 45 CFR 164.312(a)(2)(iv) "
                                               "Encryption and decryption (addressable)."}
    assert rule["help"]["text"].startswith(ENC_REST.title + ".\n\nFix: " + ENC_REST.remediation.text)
    assert ENC_REST.rationale not in rule["help"]["text"], "the control's own words, not the catalog's rationale"
    assert "45 CFR 164.312(a)(2)(iv) Encryption and decryption (addressable)" in rule["help"]["text"]
    assert '```hcl\nresource "aws_s3_bucket_server_side_encryption_configuration"' in rule["help"]["markdown"]
    assert rule["defaultConfiguration"] == {"level": "error"}
    assert rule["properties"] == {"tags": ["hipaa", "security", "technical"],
                                  "hipaa-citations": ["45 CFR 164.312(a)(2)(iv)"],
                                  "security-severity": "7.0", "severity": "high", "evaluation": "automated"}
    assert "helpUri" not in rule  # the fixture control has no references


@pytest.mark.parametrize(("severity", "level", "score"), [
    (Severity.CRITICAL, "error", "9.0"), (Severity.HIGH, "error", "7.0"),
    (Severity.MEDIUM, "warning", "4.0"), (Severity.LOW, "note", "2.0"),
])
def test_severity_maps_to_level_and_security_severity(severity: Severity, level: str, score: str) -> None:
    control = replace(ENC_REST, severity=severity, references=("https://www.ecfr.gov/part-164",))
    doc = sarif(make_result(findings=(FAIL_ENC,), controls=(control,)))
    rule = doc["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["defaultConfiguration"]["level"] == level
    assert rule["properties"]["security-severity"] == score
    assert rule["helpUri"] == "https://www.ecfr.gov/part-164"
    assert doc["runs"][0]["results"][0]["level"] == level


def test_finding_for_a_control_outside_the_catalog_gets_a_minimal_rule() -> None:
    stray = replace(FAIL_ENC, control_id=ControlId("ZZZ-OLD"))
    doc = sarif(make_result(findings=(stray,), controls=(ENC_REST,)))
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["ENC-REST", "ZZZ-OLD"]
    result = doc["runs"][0]["results"][0]
    assert (result["ruleId"], result["ruleIndex"]) == ("ZZZ-OLD", 1)
    validate(doc)


# --- results ----------------------------------------------------------------------------------------------------


def test_results_are_findings_in_files_that_need_attention() -> None:
    by_address = results_by_address(sarif())
    assert "aws_s3_bucket.logs" not in by_address and "aws_security_group.orthanc" not in by_address
    assert "attestation:ADM-RISK" not in by_address
    assert set(by_address) == {
        IMAGES_ADDR, "aws_s3_bucket.scratch", "infra/broken.tf", "aws_s3_bucket.archive",
        "aws_security_group.modality", "aws_security_group.legacy", "aws_s3_bucket_logging.images",
    }  # the cloud finding and the attestation gaps are notifications; BAK-RET has nothing of its kind


def test_every_result_has_a_physical_location_with_a_start_line() -> None:
    plan = replace(FAIL_ENC, resource=replace(FAIL_ENC.resource, file="plan.json", line_range=None))
    for doc in (sarif(), sarif(make_result(findings=(plan,)))):
        for result in doc["runs"][0]["results"]:
            physical = result["locations"][0]["physicalLocation"]
            assert physical["artifactLocation"]["uri"] and physical["region"]["startLine"] >= 1


def test_rule_index_points_at_the_rule_of_the_result() -> None:
    run = sarif()["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_failing_terraform_result_has_file_region_logical_location_and_evidence() -> None:
    result = results_by_address(sarif())[IMAGES_ADDR]
    assert result["ruleId"] == "ENC-REST" and result["level"] == "error"
    assert result["locations"] == [{
        "physicalLocation": {"artifactLocation": {"uri": "infra/storage.tf", "uriBaseId": "%SRCROOT%"},
                             "region": {"startLine": 12, "endLine": 30}},
        "logicalLocations": [{"name": IMAGES_ADDR, "fullyQualifiedName": IMAGES_ADDR, "kind": "resource"}],
    }]
    text = result["message"]["text"]
    assert text.startswith("CKV_AWS_145: S3 bucket is not encrypted with a KMS key.")
    assert '"kms_master_key_id": null' in text
    assert "Fix: Add aws_s3_bucket_server_side_encryption_configuration" in text
    assert "suppressions" not in result


def test_error_and_unknown_are_warnings_that_say_not_evaluated() -> None:
    by_address = results_by_address(sarif())
    for address, status in (("infra/broken.tf", "error"), ("aws_s3_bucket_logging.images", "unknown"),
                            ("aws_security_group.legacy", "unknown")):
        result = by_address[address]
        assert result["level"] == "warning", address
        assert result["message"]["text"].startswith(f"NOT evaluated ({status})"), address
        assert "not a pass" in result["message"]["text"]


def notes_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    notes: list[dict[str, Any]] = doc["runs"][0]["invocations"][0].get("toolExecutionNotifications", [])
    return notes


def test_run_invocation_names_unevaluated_controls() -> None:
    invocation = sarif()["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["startTimeUtc"] == "2025-03-01T10:00:00Z"
    texts = [n["message"]["text"] for n in notes_of(sarif())]
    assert any("could not be evaluated: AUD-LOG." in t for t in texts)


def test_cloud_findings_and_attestation_gaps_are_notifications_tied_to_their_rule() -> None:
    doc = sarif()
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    by_rule = {n["associatedRule"]["id"]: n for n in notes_of(doc) if "associatedRule" in n}
    for note in by_rule.values():
        assert rules[note["associatedRule"]["index"]]["id"] == note["associatedRule"]["id"]
    cloud = by_rule["NET-DICOM"]
    assert cloud["level"] == "error" and "FAIL on 1 resource(s)" in cloud["message"]["text"]
    assert cloud["locations"] == [{"logicalLocations": [{"name": "sg-0a1b2c3d4e5f", "kind": "resource",
                                   "fullyQualifiedName": "123456789012/us-east-1/sg-0a1b2c3d4e5f"}]}]
    assert by_rule["PHY-MEDIA"]["properties"]["status"] == "expired" and by_rule["PHY-MEDIA"]["level"] == "warning"
    assert by_rule["ADM-BAA"]["properties"]["status"] == "missing" and by_rule["ADM-BAA"]["level"] == "error"


def test_without_attestations_the_attestation_controls_are_one_notification() -> None:
    unattested = [replace(MISSING_BAA, control_id=c, message="no attestation file given",
                          resource=ResourceRef(f"attestation:{c}", "attestation"))
                  for c in (ControlId("ADM-RISK"), ControlId("ADM-BAA"), ControlId("PHY-MEDIA"))]
    doc = sarif(make_result(findings=(FAIL_ENC, *unattested)))
    texts = [n["message"]["text"] for n in notes_of(doc)]
    assert texts.count("3 safeguards need attestation: run with --attestations FILE (ADM-RISK, ADM-BAA, "
                       "PHY-MEDIA).") == 1
    assert not any(n.get("associatedRule", {}).get("id", "").startswith(("ADM", "PHY")) for n in notes_of(doc))
    assert doc["runs"][0]["properties"]["attestation_needed"] == ["ADM-RISK", "ADM-BAA", "PHY-MEDIA"]


def test_results_beyond_the_limit_are_left_out_most_severe_kept_and_said() -> None:
    many = [replace(FAIL_ENC, resource=tf_ref(f"aws_s3_bucket.b{i}", (i + 1, i + 1))) for i in range(5)]
    low = replace(ERR_PARSE, resource=replace(ERR_PARSE.resource, address="infra/other.tf"))
    doc = json.loads(SarifRenderer(max_results=3).render(make_result(findings=(low, *many)), META))
    results = doc["runs"][0]["results"]
    assert len(results) == 3 and all(r["properties"]["status"] == "fail" for r in results)
    assert any("3 result(s) were left out" in n["message"]["text"] for n in notes_of(doc))
    validate(doc)


def test_suppressions_only_on_waived_results_external_or_in_source() -> None:
    by_address = results_by_address(sarif())
    suppressed = {a for a, r in by_address.items() if "suppressions" in r}
    assert suppressed == {"aws_s3_bucket.scratch", "aws_security_group.modality"}
    [yaml_waiver] = by_address["aws_s3_bucket.scratch"]["suppressions"]
    assert yaml_waiver == {"kind": "external", "status": "accepted", "justification": YAML_WAIVER.justification,
                           "properties": {"owner": "it@smiledental.example", "ticket": "SEC-142",
                                          "expires": "2099-12-31", "origin": "waivers.yaml:4"}}
    [inline] = by_address["aws_security_group.modality"]["suppressions"]
    assert inline["kind"] == "inSource" and inline["status"] == "accepted"
    assert inline["justification"] == INLINE_WAIVER.justification
    text = by_address["aws_s3_bucket.scratch"]["message"]["text"]
    assert text.count(YAML_WAIVER.justification) == 1  # already in the message: not repeated
    assert "Waiver: owner it@smiledental.example, ticket SEC-142, expires 2099-12-31; waivers.yaml:4." in text


def test_baseline_state_only_when_a_baseline_was_given() -> None:
    by_address = results_by_address(sarif())
    assert by_address["aws_s3_bucket.archive"]["baselineState"] == "unchanged"
    assert by_address[IMAGES_ADDR]["baselineState"] == "new"
    without = results_by_address(sarif(gate_result(gate=GateNotes())))
    assert all("baselineState" not in r for r in without.values())


def test_run_properties_carry_scan_identity_and_gate_notes() -> None:
    props = sarif()["runs"][0]["properties"]
    assert props["scan_id"] == "2025-03-01T10-00-00Z-4f2a"
    assert props["catalog_sha256"] == make_result().catalog_sha256
    assert props["baseline"] == "reports/baseline.json"
    assert props["fixed_since_baseline"] == ["ENC-REST|aws_s3_bucket.legacy_dicom|infra/storage.tf"]
    assert [w["origin"] for w in props["expired_waivers"]] == ["waivers.yaml:11"]
    assert [w["origin"] for w in props["stale_waivers"]] == ["waivers.yaml:18"]
    assert props["unreasoned_skips"] == ["NET-DICOM|aws_security_group.legacy|infra/network.tf"]


# --- fingerprints -------------------------------------------------------------------------------------------------


def only_fingerprint(finding: Finding) -> str:
    results = sarif(make_result(findings=(finding,), controls=(ENC_REST, AUD_LOG)))["runs"][0]["results"]
    [result] = [r for r in results if r["ruleId"] == finding.control_id]
    value: str = result["partialFingerprints"]["pacscan/v1"]
    return value


def test_fingerprint_is_sha256_of_the_finding_key_and_check() -> None:
    expected = hashlib.sha256(b'ENC-REST|module.pacs.aws_s3_bucket.images["dicom"]|infra/storage.tf|CKV_AWS_145')
    assert only_fingerprint(FAIL_ENC) == fingerprint(FAIL_ENC.key, "CKV_AWS_145") == expected.hexdigest()


def test_fingerprint_is_stable_when_only_lines_or_message_change() -> None:
    moved = replace(FAIL_ENC, resource=replace(FAIL_ENC.resource, line_range=(40, 61)),
                    evidence={"kms_master_key_id": "alias/other"}, message="reworded")
    assert only_fingerprint(moved) == only_fingerprint(FAIL_ENC)


def test_fingerprint_differs_for_the_same_address_in_two_files() -> None:
    other_folder = replace(FAIL_ENC, resource=replace(FAIL_ENC.resource, file="envs/prod/storage.tf"))
    assert only_fingerprint(other_folder) != only_fingerprint(FAIL_ENC)
    assert only_fingerprint(replace(FAIL_ENC, control_id=AUD_LOG.id)) != only_fingerprint(FAIL_ENC)


def test_fingerprint_differs_for_two_checks_of_one_control_on_one_resource() -> None:
    assert only_fingerprint(replace(FAIL_ENC, check_id="CKV_AWS_19")) != only_fingerprint(FAIL_ENC)


def test_fingerprints_are_unique_within_the_log() -> None:
    prints = [r["partialFingerprints"]["pacscan/v1"] for r in sarif()["runs"][0]["results"]]
    assert len(prints) == len(set(prints))


# --- paths and output -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "expected"), [
    ("infra/storage.tf", ("infra/storage.tf", "%SRCROOT%")),
    ("./infra/storage.tf", ("infra/storage.tf", "%SRCROOT%")),
    ("infra\\win\\main.tf", ("infra/win/main.tf", "%SRCROOT%")),
    ("infra/my module/main.tf", ("infra/my%20module/main.tf", "%SRCROOT%")),
    ("../shared/main.tf", ("../shared/main.tf", "%SRCROOT%")),
    ("/abs/infra/main.tf", ("file:///abs/infra/main.tf", None)),
    ("C:\\infra\\main.tf", ("file:///C:/infra/main.tf", None)),
])
def test_artifact_uri(path: str, expected: tuple[str, str | None]) -> None:
    assert artifact_uri(path) == expected


def test_windows_path_result_still_validates() -> None:
    f = replace(FAIL_ENC, resource=replace(FAIL_ENC.resource, file="C:\\infra\\storage.tf"))
    doc = sarif(make_result(findings=(f,)))
    validate(doc)
    artifact = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "file:///C:/infra/storage.tf"}


def test_output_is_deterministic_and_ends_in_newline() -> None:
    first = SarifRenderer().render(gate_result(), META)
    again = SarifRenderer().render(gate_result(findings=tuple(reversed(GATE_FINDINGS))), META)
    assert first == again and first.endswith("}\n")


def test_is_a_renderer() -> None:
    renderer: Renderer = SarifRenderer()
    assert renderer.name == "sarif"


def test_rule_help_gives_each_providers_fix_under_its_name() -> None:
    from scanner.models import ProviderFix, Remediation

    enc = replace(ENC_REST, remediation=Remediation(text="Encrypt it.", providers=(
        ProviderFix("aws", "SSE-KMS on the bucket.", terraform='resource "aws_s3_bucket" "x" {}', cli="aws s3api x"),
        ProviderFix("azure", "A customer-managed key.", cli="az storage account update x"))))
    rule = sarif(make_result(controls=(enc, NET_DICOM, AUD_LOG)))["runs"][0]["tool"]["driver"]["rules"][0]
    markdown = rule["help"]["markdown"]
    assert markdown.index("**Fix on AWS:** SSE-KMS") < markdown.index('```hcl\nresource "aws_s3_bucket"')
    assert markdown.index("```sh\naws s3api x") < markdown.index("**Fix on Azure:** A customer-managed key.")
    assert "Fix on Azure: A customer-managed key." in rule["help"]["text"]
    assert "CLI: az storage account update x" in rule["help"]["text"]
