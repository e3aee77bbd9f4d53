"""Hand-built scan results shared by the renderer tests.

The controls mirror real catalog entries (encryption at rest, DICOM exposure, audit logging,
risk analysis attestation); the findings are what the Checkov adapter, a cloud collector and
the attestation reader would produce for a small dental-imaging deployment.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from scanner.models import (
    CheckId,
    Citation,
    Control,
    ControlId,
    Evaluation,
    Finding,
    Remediation,
    ResourceRef,
    Safeguard,
    ScanResult,
    Severity,
    Source,
    Status,
)
from scanner.render import ToolMeta

META = ToolMeta(name="pacscan", version="0.1.0")
CATALOG_SHA = hashlib.sha256(b"rules.yaml").hexdigest()

ENC_REST = Control(
    id=ControlId("ENC-REST"),
    title="Imaging storage is encrypted at rest",
    safeguard=Safeguard.TECHNICAL,
    evaluation=Evaluation.AUTOMATED,
    citations=(Citation("45 CFR 164.312(a)(2)(iv)", "Encryption and decryption", "addressable"),),
    severity=Severity.HIGH,
    rationale="Encrypted images are secured PHI: a lost disk is not a reportable breach.",
    remediation=Remediation(
        text="Enable default server-side encryption with a KMS key on the bucket.",
        terraform='resource "aws_s3_bucket_server_side_encryption_configuration" "x" { ... }',
    ),
    terraform_checks=(CheckId("CKV_AWS_19"), CheckId("CKV_AWS_145")),
)
NET_DICOM = Control(
    id=ControlId("NET-DICOM"),
    title="DICOM ports are not reachable from the internet",
    safeguard=Safeguard.TECHNICAL,
    evaluation=Evaluation.AUTOMATED,
    citations=(
        Citation("45 CFR 164.312(e)(1)", "Transmission security", "standard"),
        Citation("45 CFR 164.312(a)(1)", "Access control", "standard"),
    ),
    severity=Severity.CRITICAL,
    rationale="Exposed PACS listeners leak studies to anyone who connects.",
    remediation=Remediation(text="Restrict ingress on DICOM ports to the practice VPN CIDR."),
    terraform_checks=(CheckId("CKV_PACS_1"),),
)
AUD_LOG = Control(
    id=ControlId("AUD-LOG"),
    title="Access to imaging storage is logged",
    safeguard=Safeguard.TECHNICAL,
    evaluation=Evaluation.AUTOMATED,
    citations=(Citation("45 CFR 164.312(b)", "Audit controls", "required"),),
    severity=Severity.MEDIUM,
    rationale="Audit trails show who viewed or exported images.",
    remediation=Remediation(text="Enable server access logging to a dedicated log bucket."),
    terraform_checks=(CheckId("CKV_AWS_18"),),
)
BAK_RET = Control(
    id=ControlId("BAK-RET"),
    title="Imaging backups are kept long enough",
    safeguard=Safeguard.ADMINISTRATIVE,
    evaluation=Evaluation.AUTOMATED,
    citations=(Citation("45 CFR 164.308(a)(7)(ii)(A)", "Data backup plan", "required"),),
    severity=Severity.HIGH,
    rationale="CBCT volumes must be recoverable after ransomware.",
    remediation=Remediation(text="Set backup retention to at least 35 days."),
)
ADM_RISK = Control(
    id=ControlId("ADM-RISK"),
    title="A risk analysis covers the imaging workflow",
    safeguard=Safeguard.ADMINISTRATIVE,
    evaluation=Evaluation.ATTESTATION,
    citations=(Citation("45 CFR 164.308(a)(1)(ii)(A)", "Risk analysis", "required"),),
    severity=Severity.HIGH,
    rationale="Infrastructure cannot show that a risk analysis was done.",
    remediation=Remediation(text="Perform and document a risk analysis; record it in attestations.yaml."),
)
ADM_BAA = Control(
    id=ControlId("ADM-BAA"),
    title="Business associate agreements are signed",
    safeguard=Safeguard.ADMINISTRATIVE,
    evaluation=Evaluation.ATTESTATION,
    citations=(Citation("45 CFR 164.308(b)(1)", "Business associate contracts", "standard"),),
    severity=Severity.HIGH,
    rationale="Cloud PACS vendors are business associates.",
    remediation=Remediation(text="Sign a BAA with every imaging vendor and attest to it."),
)
PHY_MEDIA = Control(
    id=ControlId("PHY-MEDIA"),
    title="Sensor and media disposal is documented",
    safeguard=Safeguard.PHYSICAL,
    evaluation=Evaluation.ATTESTATION,
    citations=(Citation("45 CFR 164.310(d)(2)(i)", "Disposal", "required"),),
    severity=Severity.MEDIUM,
    rationale="Old drives hold images.",
    remediation=Remediation(text="Keep certificates of destruction and renew the attestation yearly."),
)
CONTROLS = (ENC_REST, NET_DICOM, AUD_LOG, BAK_RET, ADM_RISK, ADM_BAA, PHY_MEDIA)

IMAGES_ADDR = 'module.pacs.aws_s3_bucket.images["dicom"]'


def tf_ref(address: str, lines: tuple[int, int], file: str = "infra/storage.tf") -> ResourceRef:
    return ResourceRef(address=address, type=address.split("[")[0].split(".")[-2],
                       file=file, line_range=lines)


FAIL_ENC = Finding(
    control_id=ENC_REST.id, status=Status.FAIL, severity=Severity.HIGH, source=Source.TERRAFORM,
    resource=tf_ref(IMAGES_ADDR, (12, 30)), check_id="CKV_AWS_145",
    message="S3 bucket is not encrypted with a KMS key",
    evidence={"server_side_encryption_configuration": None, "kms_master_key_id": None},
    remediation="Add aws_s3_bucket_server_side_encryption_configuration with sse_algorithm aws:kms.",
)
PASS_ENC = Finding(
    control_id=ENC_REST.id, status=Status.PASS, severity=Severity.HIGH, source=Source.TERRAFORM,
    resource=tf_ref("aws_s3_bucket.logs", (40, 52)), check_id="CKV_AWS_145",
    message="S3 bucket is encrypted with a KMS key", evidence={"sse_algorithm": "aws:kms"},
)
FAIL_DICOM_CLOUD = Finding(
    control_id=NET_DICOM.id, status=Status.FAIL, severity=Severity.CRITICAL, source=Source.AWS,
    resource=ResourceRef(address="sg-0a1b2c3d4e5f", type="aws_security_group",
                         account="123456789012", region="us-east-1"),
    check_id="live.net-dicom.sg-ingress", message="Security group allows 0.0.0.0/0 on port 104",
    evidence={"ingress": [{"from_port": 104, "to_port": 104, "cidr": "0.0.0.0/0"}]},
)
PASS_DICOM = Finding(
    control_id=NET_DICOM.id, status=Status.PASS, severity=Severity.CRITICAL, source=Source.TERRAFORM,
    resource=tf_ref("aws_security_group.orthanc", (60, 75), "infra/network.tf"), check_id="CKV_PACS_1",
    message="No DICOM port is open to the internet", evidence={"open_ports": []},
)
ERR_LOG = Finding(
    control_id=AUD_LOG.id, status=Status.ERROR, severity=Severity.MEDIUM, source=Source.AWS,
    resource=ResourceRef(address="arn:aws:s3:::practice-images", type="aws_s3_bucket",
                         account="123456789012", region="us-east-1"),
    check_id="live.aud-log.s3-logging",
    message="AccessDenied: s3:GetBucketLogging was refused for the scanning role",
    evidence={"api": "s3:GetBucketLogging", "error_code": "AccessDenied"},
)
UNKNOWN_LOG = Finding(
    control_id=AUD_LOG.id, status=Status.UNKNOWN, severity=Severity.MEDIUM,
    source=Source.TERRAFORM_PLAN,
    resource=tf_ref("aws_s3_bucket_logging.images", (1, 1), "plan.json"), check_id="CKV_AWS_18",
    message="target_bucket is known only after apply", evidence={"target_bucket": "(known after apply)"},
)
ATTESTED_RISK = Finding(
    control_id=ADM_RISK.id, status=Status.ATTESTED, severity=Severity.HIGH, source=Source.ATTESTATION,
    resource=ResourceRef(address="attestation:ADM-RISK", type="attestation", file="attestations.yaml",
                         line_range=(3, 8)),
    check_id="attestation", message="Risk analysis attested by J. Smith on 2025-01-15",
    evidence={"attested_by": "J. Smith", "date": "2025-01-15", "expires": "2026-01-15"},
)
EXPIRED_MEDIA = Finding(
    control_id=PHY_MEDIA.id, status=Status.EXPIRED, severity=Severity.MEDIUM, source=Source.ATTESTATION,
    resource=ResourceRef(address="attestation:PHY-MEDIA", type="attestation", file="attestations.yaml",
                         line_range=(10, 14)),
    check_id="attestation", message="Attestation expired on 2024-06-30",
    evidence={"expires": "2024-06-30"},
)
FINDINGS = (FAIL_ENC, PASS_ENC, FAIL_DICOM_CLOUD, PASS_DICOM, ERR_LOG, UNKNOWN_LOG, ATTESTED_RISK,
            EXPIRED_MEDIA)


def make_result(findings: tuple[Finding, ...] = FINDINGS,
                controls: tuple[Control, ...] = CONTROLS) -> ScanResult:
    """A scan over Terraform plus one AWS account; BAK-RET has no finding (so it is unknown)
    and ADM-BAA has no attestation (so it is missing)."""
    return ScanResult(
        scan_id="2025-03-01T10-00-00Z-4f2a",
        started_at="2025-03-01T10:00:00Z",
        finished_at="2025-03-01T10:00:42Z",
        targets=("infra/", "aws:123456789012"),
        catalog_sha256=CATALOG_SHA,
        controls=controls,
        findings=findings,
        parameters={"dicom_ports": (104, 11112, 4242), "min_tls_version": "1.2",
                    "imaging_data": {"tags": {"phi": "true"}, "name_patterns": []}},
    )


def all_pass_result() -> ScanResult:
    """Every automated control passes and every attestation control is attested."""
    findings = [PASS_ENC, PASS_DICOM, replace(PASS_ENC, control_id=AUD_LOG.id, check_id="CKV_AWS_18"),
                replace(PASS_ENC, control_id=BAK_RET.id, check_id="CKV_AWS_BAK")]
    for control in (ADM_RISK, ADM_BAA, PHY_MEDIA):
        where = replace(ATTESTED_RISK.resource, address=f"attestation:{control.id}")
        findings.append(replace(ATTESTED_RISK, control_id=control.id, resource=where))
    return make_result(tuple(findings))
