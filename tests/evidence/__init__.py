"""Hand-built evidence for a small MSP estate: two dental practices scanned on AWS and Terraform.

The controls are the renderer tests' copies of real catalog entries; the findings are what the
Checkov adapter, the AWS collector and the attestation reader produce. Documents are written by
the real JSON evidence renderer (schema-validated), exactly as ``pacscan`` writes them.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner.evidence.commands import add_evidence_commands, run_evidence
from scanner.models import Finding, ResourceRef, ScanResult, Source, Status
from scanner.render import JsonEvidenceRenderer
from tests.render import (
    ADM_BAA,
    ADM_RISK,
    AUD_LOG,
    CATALOG_SHA,
    CONTROLS,
    ENC_REST,
    META,
    NET_DICOM,
    PHY_MEDIA,
)

__all__ = ["ADM_BAA", "ADM_RISK", "AUD_LOG", "CATALOG_SHA", "ENC_REST", "META", "NET_DICOM", "PHY_MEDIA"]

IMAGES = 'module.pacs.aws_s3_bucket.images["dicom"]'
ORTHANC_SG = "aws_security_group.orthanc"


def tf(address: str, file: str = "infra/storage.tf", lines: tuple[int, int] = (1, 20)) -> ResourceRef:
    return ResourceRef(address=address, type=address.split("[")[0].split(".")[-2], file=file, line_range=lines)


def finding(control: Any, status: Status, ref: ResourceRef, check_id: str, evidence: Mapping[str, Any],
            message: str = "", source: Source = Source.TERRAFORM, remediation: str = "") -> Finding:
    return Finding(control_id=control.id, status=status, severity=control.severity, source=source,
                   resource=ref, check_id=check_id, message=message or f"{check_id} {status.value}",
                   evidence=dict(evidence), remediation=remediation)


def attested(control: Any, who: str = "Dr. A. Molar") -> Finding:
    ref = ResourceRef(address=f"attestation:{control.id}", type="attestation", file="attestations.yaml",
                      line_range=(3, 8))
    return finding(control, Status.ATTESTED, ref, "attestation",
                   {"attested_by": who, "date": "2025-01-15", "expires": "2026-01-15"},
                   message=f"attested by {who} on 2025-01-15", source=Source.ATTESTATION)


def cloud_sg(account: str, cidr: str, status: Status) -> Finding:
    ref = ResourceRef(address="sg-0a1b2c3d4e5f", type="aws_security_group", account=account, region="us-east-1")
    return finding(NET_DICOM, status, ref, "live.net-dicom.sg-ingress",
                   {"ingress": [{"from_port": 104, "to_port": 104, "cidr": cidr}]}, source=Source.AWS,
                   message=f"DICOM port 104 open to {cidr}")


def scan(findings: Sequence[Finding], *, started: str = "2025-03-01T10:00:00Z",
         finished: str = "2025-03-01T10:00:42Z", catalog: str = CATALOG_SHA,
         identities: Mapping[str, str] | None = None, scan_id: str = "2025-03-01-acme") -> ScanResult:
    return ScanResult(scan_id=scan_id, started_at=started, finished_at=finished,
                      targets=("infra/", "aws:123456789012"), catalog_sha256=catalog, controls=CONTROLS,
                      findings=tuple(findings), parameters={"dicom_ports": (104, 11112)},
                      identities=dict(identities or {}))


def march_estate() -> dict[str, ScanResult]:
    """Two practices: Bright Smiles fails encryption and exposes DICOM; Oak Dental mostly passes."""
    return {
        "bright-smiles": scan([
            finding(ENC_REST, Status.FAIL, tf(IMAGES), "CKV_AWS_145", {"kms_master_key_id": None},
                    remediation="Add an SSE-KMS configuration to the bucket."),
            finding(ENC_REST, Status.PASS, tf(IMAGES), "CKV_AWS_19", {"sse_algorithm": "AES256"}),
            cloud_sg("111111111111", "0.0.0.0/0", Status.FAIL),
            finding(AUD_LOG, Status.ERROR, tf("aws_s3_bucket.logs"), "CKV_AWS_18",
                    {"error_code": "AccessDenied"}, message="AccessDenied reading bucket logging"),
            attested(ADM_RISK),
        ], identities={"111111111111": "arn:aws:sts::111111111111:assumed-role/pacscan-audit/bright"},
            scan_id="2025-03-01-bright"),
        "oak-dental": scan([
            finding(ENC_REST, Status.PASS, tf(IMAGES), "CKV_AWS_145", {"kms_master_key_id": "alias/pacs"}),
            finding(NET_DICOM, Status.PASS, tf(ORTHANC_SG, "infra/network.tf"), "CKV_PACS_1", {"open_ports": []}),
            finding(AUD_LOG, Status.PASS, tf("aws_s3_bucket.logs"), "CKV_AWS_18", {"target_bucket": "audit"}),
            attested(ADM_RISK, "Dr. O. Oak"), attested(ADM_BAA, "Dr. O. Oak"),
        ], started="2025-03-01T09:30:00Z", finished="2025-03-01T11:15:00Z",
            identities={"222222222222": "arn:aws:sts::222222222222:assumed-role/pacscan-audit/oak"},
            scan_id="2025-03-01-oak"),
    }


def with_finding(result: ScanResult, old: Finding | None, new: Finding | None) -> ScanResult:
    """``result`` with ``old`` replaced by ``new`` (either may be None: add / remove)."""
    findings = [f for f in result.findings if f != old]
    if new is not None:
        findings.append(new)
    return replace(result, findings=tuple(findings))


def document(result: ScanResult) -> dict[str, Any]:
    text = JsonEvidenceRenderer(validate=True).render(result, META)
    doc: dict[str, Any] = json.loads(text)
    if result.identities and "identities" not in doc["scan"]:
        doc["scan"]["identities"] = dict(result.identities)  # the field the lead is adding
    return doc


def write_estate(root: Path, estate: Mapping[str, ScanResult], *, index: bool = True,
                 failed: Mapping[str, str] | None = None) -> Path:
    """Write ``<tenant>.json`` per tenant and, with ``index``, the MSP runner's index.json."""
    root.mkdir(parents=True, exist_ok=True)
    entries: list[dict[str, Any]] = []
    for name, result in estate.items():
        (root / f"{name}.json").write_text(json.dumps(document(result), indent=2) + "\n", encoding="utf-8")
        entries.append({"name": name, "file": f"{name}.json", "status": "ok",
                        "identities": dict(result.identities)})
    for name, reason in (failed or {}).items():
        entries.append({"name": name, "file": None, "status": "error", "reason": reason, "identities": {}})
    if index:
        (root / "index.json").write_text(json.dumps({"schema": "pacscan-index/1", "tenants": entries}, indent=2),
                                         encoding="utf-8")
    return root


def cli(argv: Sequence[str]) -> int:
    """Parse ``evidence ...`` with the real sub-command parser and run it."""
    parser = argparse.ArgumentParser(prog="pacscan")
    add_evidence_commands(parser.add_subparsers(dest="command", required=True))
    return run_evidence(parser.parse_args(list(argv)))
