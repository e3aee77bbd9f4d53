"""The compliance officer's report, item by item of issue 15, from hand-built evidence (no browser).

What an auditor asks: what was checked, against which rule, when, by whom, on what, with what
result, what changed, and who vouches for what no scan can see.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from scanner.evidence.bundle import load_evidence, write_bundle
from scanner.evidence.integrity import IntegrityState, check_integrity
from scanner.models import (
    Finding,
    GitRevision,
    ProviderFix,
    Remediation,
    ResourceRef,
    ScanResult,
    ScanTarget,
    Source,
    Status,
    Waiver,
)
from scanner.render.html import build_report, render_html
from scanner.render.report_values import STYLES, contrast

from . import ADM_BAA, ADM_RISK, ENC_REST, IMAGES, META, NET_DICOM, PHY_MEDIA, cli, document, finding, tf

AWS_FIX = "Turn on SSE-KMS default encryption on the bucket."
AZURE_FIX = "Use a customer-managed Key Vault key on the storage account."
ENC = replace(ENC_REST, parameters=("imaging_data",), remediation=Remediation(
    text="Encrypt imaging storage at rest.", providers=(
        ProviderFix("aws", AWS_FIX, terraform='resource "aws_s3_bucket_server_side_encryption_configuration" "x" {}',
                    cli="aws s3api put-bucket-encryption --bucket x"),
        ProviderFix("azure", AZURE_FIX, cli="az storage account update --encryption-key-source Microsoft.Keyvault"),
        ProviderFix("gcp", "Set a CMEK on the bucket."))))
DICOM = replace(NET_DICOM, parameters=("dicom_ports",))
PARAMETERS = {"dicom_ports": [104, 11112], "imaging_data": {"tags": {"data-classification": "phi"}},
              "min_retention_days": 2555}
AZURE = "azurerm_storage_account.pacs"
AZURE_LEGACY = "azurerm_storage_account.old_exports"
SG = "aws_security_group.modality_gateway"
GIT = GitRevision(commit="0123456789abcdef0123456789abcdef01234567", author="Dr. A. Rivera <rivera@clinic.example>",
                  committed_at="2026-11-02T09:00:00+00:00", dirty=False)
WAIVER = Waiver(control_id="NET-DICOM", resource="aws_security_group.vendor*", justification="Vendor VPN only",
                owner="it-security@clinic.example", ticket="SEC-142", expires="2027-03-31", origin="waivers.yaml:4")


def _attestation(control: Any, status: Status, evidence: dict[str, str], line: int) -> Finding:
    ref = ResourceRef(address=f"attestation:{control.id}", type="attestation", file="attestations.yaml",
                      line_range=(line, line))
    return finding(control, status, ref, "attestation", evidence, message=f"{status.value} record",
                   source=Source.ATTESTATION)


def _findings() -> list[Finding]:
    scope = {"in_scope_by": "tag data-classification=phi"}
    return [
        finding(ENC, Status.FAIL, tf(IMAGES), "PACS_AWS_S3_ENCRYPTION",
                {**scope, "observed": {"sse_algorithm": None}, "details": ["no default encryption"]}),
        finding(ENC, Status.PASS, tf(AZURE, "infra/azure.tf"), "PACS_AZURE_CMK",
                {"in_scope_by": "name pacs matches pacs*",
                 "observed": {"infrastructure_encryption_enabled": True,
                              "customer_managed_key": {"$unknown": "var.key_id has no value"}}}),
        finding(ENC, Status.FAIL, tf(AZURE_LEGACY, "infra/azure.tf"), "PACS_AZURE_CMK",
                {**scope, "observed": {"infrastructure_encryption_enabled": False}}),
        finding(DICOM, Status.PASS, tf(SG, "infra/network.tf"), "PACS_AWS_SG_DICOM",
                {"observed": {"ingress": [{"cidr_blocks": "192.168.50.0/24", "from_port": 104}]}}),
        replace(finding(DICOM, Status.WAIVED, tf("aws_security_group.vendor_vpn", "infra/network.tf"),
                        "PACS_AWS_SG_DICOM", {"observed": {"ingress": [{"cidr_blocks": "0.0.0.0/0"}]}}),
                waiver=WAIVER),
        replace(finding(DICOM, Status.FAIL, tf("aws_security_group.orthanc_legacy", "infra/network.tf"),
                        "PACS_AWS_SG_DICOM", {"observed": {"ingress": [{"cidr_blocks": "0.0.0.0/0"}]}}),
                baselined=True),
        _attestation(ADM_RISK, Status.ATTESTED, {"attested_by": "Dr. A. Rivera", "date": "2026-03-02",
                                                  "evidence": "Risk analysis 2026: /risk/2026.pdf",
                                                  "expires": "2027-03-02"}, 8),
        _attestation(ADM_BAA, Status.EXPIRED, {"attested_by": "K. Osei", "date": "2024-06-01",
                                                "evidence": "Signed BAAs: /vendors/baa/", "expires": "2025-06-01"}, 22),
    ]


def _result(findings: list[Finding] | None = None, *, started: str = "2026-12-01T09:00:00Z",
            sources: tuple[ScanTarget, ...] = (ScanTarget("infra/", GIT),)) -> ScanResult:
    from scanner.models import GateNotes

    return ScanResult(
        scan_id="2026-12-01-bright", started_at=started, finished_at=started.replace("09:00:00", "09:00:30"),
        targets=("infra/",), catalog_sha256="a" * 64, controls=(ENC, DICOM, ADM_RISK, ADM_BAA, PHY_MEDIA),
        findings=tuple(_findings() if findings is None else findings), parameters=PARAMETERS, sources=sources,
        gate=GateNotes(baseline="baseline.json", fixed=("NET-DICOM|aws_security_group.old|infra/network.tf",),
                       baseline_created_at="2026-10-01T08:00:00Z", baseline_commit=GIT))


def _write(path: Path, result: ScanResult) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document(result), indent=2) + "\n", encoding="utf-8")
    return path


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def section(html: str, anchor: str) -> str:
    """The visible text of the element with this id: a whole <section>, or a control's or an
    attestation's block up to the next one."""
    start = html.rfind("<", 0, html.index(f'id="{anchor}"'))
    stops = ("<section",) if html.startswith("<section", start) else (
        '<div class="control', '<div class="att', "<section", "<h3>Attestations on record", "<h3>No attestation")
    ends = [i for i in (html.find(stop, start + 1) for stop in stops) if i > 0]
    return text_of(html[start:min(ends) if ends else len(html)])


@pytest.fixture
def evidence_file(tmp_path: Path) -> Path:
    return _write(tmp_path / "scans" / "2026-12" / "bright-smiles.json", _result())


@pytest.fixture
def html(evidence_file: Path) -> str:
    return render_html(load_evidence(evidence_file), META, integrity=check_integrity(evidence_file))


def test_the_executive_summary_comes_first_with_a_verdict_and_counts_per_family(html: str) -> None:
    order = [html.index(f'id="{a}"') for a in ("integrity", "summary", "scans", "family-technical",
                                                "family-administrative", "not-evaluated", "waivers")]
    assert order == sorted(order)
    summary = section(html, "summary")
    assert "Overall: ✗ FAIL Not met" in summary
    assert "Technical ✗ FAIL Not met 2 fail 2 of 2 control(s) failing" in summary
    assert "Administrative ✗ FAIL Not met 1 expired, 1 attested" in summary
    assert "Physical ◌ MISSING" not in summary and "Physical ✗ FAIL Not met 1 missing" in summary


def test_top_risks_name_the_resources_behind_them_most_severe_first(html: str) -> None:
    summary = section(html, "summary")
    risks = summary.split("Top risks", 1)[1].split("Attestations that need attention", 1)[0]
    assert risks.index("Critical risk (NET-DICOM)") < risks.index("High risk (ENC-REST)")
    assert ("High risk (ENC-REST) : Imaging storage is encrypted at rest. "
            "Not met on 2 of the 3 resource(s) checked") in risks
    assert IMAGES in risks and AZURE_LEGACY in risks
    gaps = summary.split("Attestations that need attention", 1)[1]
    assert "ADM-BAA: Business associate agreements are signed: the attestation expired on 2025-06-01" in gaps
    assert "1 physical requirement(s) have no attestation on record" in gaps and "PHY-MEDIA" in gaps


def test_every_resource_is_listed_with_its_observed_values_passes_too(html: str) -> None:
    enc = section(html, "control-ENC-REST")
    assert f"✓ PASS {AZURE}" in enc
    assert "infrastructure_encryption_enabled : true" in enc  # a passing resource's observed value
    assert "customer_managed_key : unknown: var.key_id has no value" in enc  # {"$unknown": reason}
    assert f"✗ FAIL {IMAGES}" in enc and "sse_algorithm : not set" in enc and "no default encryption" in enc
    dicom = section(html, "control-NET-DICOM")
    assert f"✓ PASS {SG}" in dicom and "cidr_blocks=192.168.50.0/24" in dicom


def test_parameters_shown_are_the_ones_the_controls_rules_read(html: str) -> None:
    enc = section(html, "control-ENC-REST")
    assert "Parameters used imaging_data = storage tagged data-classification=phi" in enc
    assert "min_retention_days" not in enc and "dicom_ports" not in enc
    dicom = section(html, "control-NET-DICOM")
    assert "Parameters used dicom_ports = 104, 11112" in dicom
    assert "imaging_data" not in dicom and "Scope" not in dicom


def test_scope_says_which_resources_counted_as_imaging_data_and_by_which_tag_or_name(html: str) -> None:
    enc = section(html, "control-ENC-REST")
    assert "Imaging data is storage tagged data-classification=phi ( imaging_data )" in enc
    assert f"{IMAGES} by tag data-classification=phi" in enc
    assert f"{AZURE} by name pacs matches pacs*" in enc


def test_each_failing_resource_gets_its_own_providers_fix_only(html: str) -> None:
    enc = section(html, "control-ENC-REST")
    block = html[html.index('id="control-ENC-REST"'):html.index('id="control-NET-DICOM"')]
    fixes = {text_of(b).split()[4]: text_of(b) for b in re.findall(r'<div class="fix">(.*?)</div>', block, re.S)}
    aws, azure = fixes["AWS"], fixes["Azure"]
    assert set(fixes) == {"AWS", "Azure"}  # no GCP resource fails: no GCP fix
    assert IMAGES in aws and AWS_FIX in aws and "aws s3api put-bucket-encryption" in aws
    assert AZURE_FIX not in aws and AZURE_LEGACY not in aws
    assert AZURE_LEGACY in azure and AZURE_FIX in azure and AWS_FIX not in azure
    assert f"( {AZURE} )" not in enc  # the passing account needs no fix


def test_waivers_and_baselines_say_who_accepted_them_and_until_when(html: str) -> None:
    dicom = section(html, "control-NET-DICOM")
    assert ("Waived by it-security@clinic.example (ticket SEC-142) until 2027-03-31 : Vendor VPN only "
            "[waivers.yaml:4]") in dicom
    assert "Recorded in the baseline" in dicom
    waivers = section(html, "waivers")
    assert ("Baseline baseline.json : recorded 2026-10-01T08:00:00Z; accepted into the repository by "
            "Dr. A. Rivera <rivera@clinic.example> on 2026-11-02T09:00:00+00:00") in waivers
    assert "NET-DICOM|aws_security_group.old|infra/network.tf" in waivers


def test_attestations_show_who_when_evidence_pointer_and_expiry(html: str) -> None:
    risk = section(html, "attestation-ADM-RISK")
    assert "Attested attested by Dr. A. Rivera on 2026-03-02" in risk
    assert "Evidence Risk analysis 2026: /risk/2026.pdf" in risk and "Expires 2027-03-02" in risk
    assert "Recorded in attestations.yaml:8" in risk
    baa = section(html, "attestation-ADM-BAA")
    assert "◷ EXPIRED" in baa and "Expires 2025-06-01 (EXPIRED: renew the record)" in baa
    assert "Evidence Signed BAAs: /vendors/baa/" in baa
    physical = section(html, "family-physical")
    assert "No attestation on record (1)" in physical and "◌ MISSING PHY-MEDIA" in physical


def test_a_single_iac_scan_says_which_commit_and_author_not_tenant_or_none_recorded(html: str) -> None:
    scans = section(html, "scans")
    assert "infra/: git commit 0123456789ab by Dr. A. Rivera <rivera@clinic.example>, committed 2026-11-02" in scans
    assert "catalog SHA-256 " + "a" * 64 in scans and "pacscan 0.1.0" in scans
    assert "bright-smiles.json" in scans
    assert "Tenant" not in scans and "none recorded" not in html


def test_evidence_naming_no_identity_and_no_commit_says_so(tmp_path: Path) -> None:
    path = _write(tmp_path / "e.json", _result(sources=(ScanTarget("infra/"),)))
    scans = section(render_html(load_evidence(path), META), "scans")
    assert "infra/: not a git checkout, so no commit or author is recorded" in scans


def test_integrity_of_a_plain_file_unsigned_and_signed_bundles(evidence_file: Path, tmp_path: Path) -> None:
    root = evidence_file.parent
    assert check_integrity(evidence_file).state is IntegrityState.NOT_BUNDLED
    write_bundle(root, META)
    unsigned = check_integrity(root)
    assert unsigned.state is IntegrityState.UNSIGNED and "nobody signed it" in unsigned.summary
    assert cli(["evidence", "keygen", str(tmp_path / "officer")]) == 0
    write_bundle(root, META, sign_key=tmp_path / "officer.key.pem")
    unchecked = check_integrity(root)
    assert unchecked.state is IntegrityState.SIGNATURE_NOT_CHECKED and unchecked.key_fingerprint
    verified = check_integrity(evidence_file, tmp_path / "officer.pub.pem")
    assert verified.state is IntegrityState.VERIFIED and verified.key_fingerprint == unchecked.key_fingerprint
    out = tmp_path / "report.html"
    assert cli(["evidence", "html", str(root), "--public-key", str(tmp_path / "officer.pub.pem"),
                "--output", str(out)]) == 0
    text = section(out.read_text(encoding="utf-8"), "integrity")
    assert f"signed by the key with SHA-256 {verified.key_fingerprint}" in text


def test_a_tampered_bundle_is_shouted_first_and_exits_1(evidence_file: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    write_bundle(evidence_file.parent, META)
    evidence_file.write_text(evidence_file.read_text().replace('"status": "fail"', '"status": "pass"'))
    out = tmp_path / "report.html"
    assert cli(["evidence", "html", str(evidence_file.parent), "--output", str(out)]) == 1
    page = out.read_text(encoding="utf-8")
    assert re.search(r"<title>TAMPERED EVIDENCE: ", page) and "<h1>TAMPERED EVIDENCE: " in page
    integrity = section(page, "integrity")
    assert "THE EVIDENCE HAS BEEN TAMPERED WITH" in integrity
    assert "changed: bright-smiles.json" in integrity
    assert page.index('id="integrity"') < page.index('id="summary"')
    assert 'role="alert"' in page and "TAMPERED" in capsys.readouterr().err


def test_a_public_key_without_a_manifest_is_not_quietly_accepted(evidence_file: Path, tmp_path: Path) -> None:
    assert cli(["evidence", "keygen", str(tmp_path / "k")]) == 0
    assert check_integrity(evidence_file, tmp_path / "k.pub.pem").state is IntegrityState.TAMPERED


def test_previous_scan_shows_what_changed(tmp_path: Path) -> None:
    before = _write(tmp_path / "2026-11.json", _result(started="2026-11-01T09:00:00Z"))
    fixed = [f for f in _findings() if f.resource.address != IMAGES]
    fixed.append(finding(ENC, Status.PASS, tf(IMAGES), "PACS_AWS_S3_ENCRYPTION",
                         {"observed": {"sse_algorithm": "aws:kms"}}))
    fixed.append(finding(DICOM, Status.FAIL, tf("aws_security_group.new_pacs", "infra/network.tf"),
                         "PACS_AWS_SG_DICOM", {"observed": {"ingress": [{"cidr_blocks": "0.0.0.0/0"}]}}))
    now = _write(tmp_path / "2026-12.json", _result(fixed))
    out = tmp_path / "report.html"
    assert cli(["evidence", "html", str(now), "--previous", str(before), "--output", str(out)]) == 0
    summary = section(out.read_text(encoding="utf-8"), "summary")
    changes = summary.split("What changed since the previous scan", 1)[1]
    assert f"Compared with {before} (scanned 2026-11-01T09:00:00Z to 2026-11-01T09:00:30Z)" in changes
    assert f"Fixed ENC-REST {IMAGES} ✗ FAIL ✓ PASS" in changes
    assert "observed: {sse_algorithm=not set} -> {sse_algorithm=aws:kms}" in changes
    assert "New resources NET-DICOM aws_security_group.new_pacs - ✗ FAIL" in changes


def test_status_colours_meet_wcag_aa_and_fail_missing_expired_differ_without_colour() -> None:
    for name, style in STYLES.items():
        assert contrast(style.foreground, style.background) >= 4.5, name
    gaps = [STYLES[s] for s in ("fail", "missing", "expired")]
    assert len({s.icon for s in gaps}) == 3 and len({s.label for s in gaps}) == 3
    assert len({s.border for s in gaps}) == 3
    assert len({s.icon for s in STYLES.values()} - {"✓"}) == len(STYLES) - 2  # only pass/attested share ✓


def test_print_layout_and_chart_counts_are_printed_not_hover_only(html: str) -> None:
    assert "@media print" in html and "break-before:page" in html and "print-color-adjust:exact" in html
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "<title>" not in svg  # no tooltip-only information
    assert ">2 fail<" in svg and ">1 expired, 1 attested<" in svg  # the counts, as text in the chart
    assert "<script" not in html and "<details" not in html  # nothing to click open to read


def test_the_report_model_holds_the_whole_story(evidence_file: Path) -> None:
    report = build_report(load_evidence(evidence_file), META)
    assert report.integrity.state is IntegrityState.NOT_CHECKED  # a caller that did not check says so
    assert [s.family for s in report.families] == ["technical", "administrative", "physical"]
    enc = next(c for c in report.families[0].automated if c.id == "ENC-REST")
    assert [r.status for r in enc.resources] == ["fail", "fail", "pass"]
    assert {f.provider for f in enc.fixes} == {"AWS", "Azure"}


def test_templates_are_found_as_package_resources() -> None:
    from importlib import resources

    templates = resources.files("scanner.render").joinpath("templates")
    names = {p.name for p in templates.iterdir()}
    assert {"report.html.j2", "trend.html.j2", "macros.html.j2", "style.css.j2"} <= names


def test_tampered_evidence_that_no_longer_loads_is_still_called_tampered(
        evidence_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from scanner.cli import main

    write_bundle(evidence_file.parent, META)
    evidence_file.write_text("{}")
    assert main(["evidence", "html", str(evidence_file.parent), "--output", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert "TAMPERED" in err and "not a pacscan evidence document" in err
    assert not (tmp_path / "r.html").exists()


def test_evidence_from_before_controls_named_their_parameters_says_so(tmp_path: Path) -> None:
    path = _write(tmp_path / "old.json", _result())
    doc = json.loads(path.read_text())
    for control in doc["controls"]:
        del control["parameters"], control["remediation_by_provider"]
    path.write_text(json.dumps(doc))
    enc = section(render_html(load_evidence(path), META), "control-ENC-REST")
    assert "Parameters used not recorded in this evidence (written by an older pacscan)" in enc
    assert "How to fix ( " in enc  # no per-provider fix recorded: the finding's own fix, unlabelled
