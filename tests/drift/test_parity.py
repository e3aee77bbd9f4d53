"""Parity: the example estate applied with the real Terraform CLI into a moto server; the Terraform
scan and the live scan must agree on every control and resource both sides evaluate. Then the live
estate is changed through boto3 and ``pacscan drift`` must report exactly those changes.

What is applied: a temporary copy of examples/dental-practice with a provider override pointing at
moto (scripts/demo_live.py ``prepare_workdir``), minus the resources moto cannot create
(``EXCLUDED`` there, each with its reason):

- ``aws_backup_selection.pacs``: moto does not implement CreateBackupSelection;
- ``aws_iam_role_policy_attachment.backup`` and ``.backup_s3``: moto lacks those AWS-managed policies;
- ``aws_flow_log.imaging``: moto rejects an S3 flow-log destination with a key prefix;
- ``module.pacs_images.aws_s3_bucket_logging.this``: moto requires log-delivery ACL grants on the
  target bucket, which BucketOwnerEnforced forbids;
- ``healthimaging.tf`` (``EXCLUDED_FILES``): the HealthImaging data store is an ``awscc`` resource and
  moto has no HealthImaging; the live scan reaches an empty HealthImaging stand-in instead.

The Terraform scan runs on that same trimmed copy, so both sides describe one estate (the VPC then
has no flow log and the PACS bucket no access logging on both sides: they agree on ``fail``).

Known gaps, listed in KNOWN_GAPS and asserted exactly (never silently skipped): pairs one side
cannot evaluate here, because of the emulator, not because an evaluator is wrong.

The tests skip only where Terraform or its provider mirror is absent, and say so.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner import __version__
from scanner.catalog import load_catalog
from scanner.drift import add_drift_command, run_drift
from scanner.drift.commands import coverage
from scanner.drift.compare import DriftItem, DriftReport, Verdict, compare
from scanner.drift.state import StateIndex, load_state
from scanner.models import Finding, ScanResult
from scanner.render import JsonEvidenceRenderer, ToolMeta
from scanner.scan import IacRequest, ScanInputs, run_cloud, run_iac
from scripts.demo_live import REGIONS, moto_env, prepare_workdir, start_moto, terraform_apply, terraform_unavailable
from scripts.healthimaging_standin import StandIn

pytestmark = pytest.mark.skipif(terraform_unavailable() is not None,
                                reason=f"drift parity needs the real Terraform CLI: {terraform_unavailable()}")

#: (control, Terraform address) -> why one side cannot evaluate it against moto.
KNOWN_GAPS = {
    ("BAK-PLAN", "aws_backup_plan.imaging"):
        "moto does not implement ListBackupSelections (HTTP 500), so the live rule AWS-BACKUP-PLAN-SELECTIONS "
        "is `error` and the plan's BAK-PLAN roll-up is unevaluated on the cloud side",
}

#: every (control, Terraform address) both sides evaluate on the applied estate, with the shared outcome
EXPECTED_AGREEMENT = {
    ("ENC-REST", "aws_s3_bucket.legacy_exports"): "fail",
    ("ENC-REST", "module.pacs_images.aws_s3_bucket.this"): "pass",
    ("ENC-KEYS", "aws_s3_bucket.legacy_exports"): "fail",
    ("ENC-KEYS", "module.pacs_images.aws_s3_bucket.this"): "pass",
    ("ENC-KEYS", "aws_kms_key.audit"): "pass",
    ("ENC-KEYS", "aws_kms_key.imaging"): "pass",
    ("ENC-KEYS", "aws_kms_key.imaging_dr"): "pass",
    ("TLS-STORAGE", "aws_s3_bucket.legacy_exports"): "fail",
    ("TLS-STORAGE", "module.pacs_images.aws_s3_bucket.this"): "pass",
    ("TLS-ENDPOINT", "aws_lb_listener.viewer_http"): "pass",
    ("TLS-ENDPOINT", "aws_lb_listener.viewer_https"): "pass",
    ("NET-DICOM", "aws_security_group.modality_gateway"): "pass",
    ("NET-DICOM", "aws_security_group.orthanc_legacy"): "fail",
    ("NET-DICOM", "aws_security_group.viewer"): "pass",
    ("NET-DICOM", "aws_security_group.viewer_alb"): "pass",
    ("NET-ADMIN", "aws_security_group.modality_gateway"): "pass",
    ("NET-ADMIN", "aws_security_group.orthanc_legacy"): "fail",
    ("NET-ADMIN", "aws_security_group.viewer"): "pass",
    ("NET-ADMIN", "aws_security_group.viewer_alb"): "pass",
    ("NET-STORAGE", "aws_s3_bucket.legacy_exports"): "fail",
    # the endpoint Deny also exempts two role ARNs (ArnNotEquals aws:PrincipalArn): a narrowed Deny
    # is not a network restriction, in code and in the cloud alike (scanner/bucketpolicy.py)
    ("NET-STORAGE", "module.pacs_images.aws_s3_bucket.this"): "fail",
    ("ACC-PUBLIC", "aws_s3_bucket.legacy_exports"): "pass",
    ("ACC-PUBLIC", "module.pacs_images.aws_s3_bucket.this"): "pass",
    ("ACC-UNIFORM", "aws_s3_bucket.legacy_exports"): "fail",
    ("ACC-UNIFORM", "module.pacs_images.aws_s3_bucket.this"): "pass",
    ("AUD-TRAIL", "aws_cloudtrail.audit"): "pass",
    ("AUD-ACCESS", "aws_s3_bucket.legacy_exports"): "fail",
    ("AUD-ACCESS", "module.pacs_images.aws_s3_bucket.this"): "fail",
    ("AUD-FLOW", "aws_vpc.imaging"): "fail",
    ("INT-VERSION", "aws_s3_bucket.legacy_exports"): "fail",
    ("INT-VERSION", "module.pacs_images.aws_s3_bucket.this"): "pass",
    ("INT-IMMUTABLE", "aws_s3_bucket.legacy_exports"): "fail",
    ("INT-IMMUTABLE", "module.pacs_images.aws_s3_bucket.this"): "pass",
    ("RET-LIFECYCLE", "aws_s3_bucket.legacy_exports"): "fail",
    ("RET-LIFECYCLE", "module.pacs_images.aws_s3_bucket.this"): "pass",
    ("BAK-VAULT", "aws_backup_vault.imaging"): "pass",
    ("BAK-VAULT", "aws_backup_vault.imaging_dr"): "pass",
    # the same rules judge both sides: vaults for encryption, the default group, the MSP admin policy
    ("ENC-REST", "aws_backup_vault.imaging"): "pass",
    ("ENC-REST", "aws_backup_vault.imaging_dr"): "pass",
    ("NET-DICOM", "aws_default_security_group.default"): "pass",
    ("NET-ADMIN", "aws_default_security_group.default"): "pass",
    ("IAM-MFA", "aws_iam_policy.msp_admin"): "pass",
}

SHADOW = "brightsmile-prod-shadow-exports"


@dataclass(frozen=True)
class Estate:
    url: str
    workdir: Path
    state: StateIndex
    code: ScanResult
    live: ScanResult  # the live scan right after apply, before any change


def _live_scan(config: Path) -> ScanResult:
    from scanner.collectors.aws.collector import AwsCollector
    from scanner.collectors.aws.session import AwsTarget, RetryPolicy

    def make(parameters: Any) -> AwsCollector:
        return AwsCollector(AwsTarget(regions=REGIONS), parameters=parameters, retry=RetryPolicy(max_attempts=2))

    return run_cloud(make, "aws:moto", ScanInputs(config=config))


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Estate]:
    with start_moto() as url, StandIn().serve() as imaging, pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "MOTO_ACCOUNT_ID"):
            env.delenv(name, raising=False)
        for name, value in moto_env(url).items():
            env.setenv(name, value)
        empty = tmp_path_factory.mktemp("aws-config") / "empty"
        empty.write_text("")
        env.setenv("AWS_CONFIG_FILE", str(empty))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
        workdir = prepare_workdir(tmp_path_factory.mktemp("drift") / "estate")
        state = load_state(terraform_apply(workdir, url))
        for name, value in imaging.environ(cloudtrail=False).items():  # moto has no HealthImaging
            env.setenv(name, value)
        config = workdir / "pacscan.yaml"
        code = run_iac(IacRequest(targets=(workdir,), inputs=ScanInputs(config=config)))
        yield Estate(url, workdir, state, code, _live_scan(config))


def _report(code: tuple[Finding, ...], live: tuple[Finding, ...], state: StateIndex) -> DriftReport:
    return compare(code, live, state, coverage(load_catalog()))


def _describe(item: DriftItem) -> str:
    code = f"{item.code.status} {json.dumps(dict(item.code.observed), default=str)}" if item.code else "-"
    cloud = f"{item.cloud.status} {json.dumps(dict(item.cloud.observed), default=str)}" if item.cloud else "-"
    return (f"{item.verdict} {item.control_id} on {item.terraform_address or '-'} ({item.resource}): "
            f"Terraform {code} | live {cloud} | {item.note}")


def test_the_terraform_and_live_scans_agree_on_every_pair_both_evaluate(estate: Estate) -> None:
    report = _report(estate.code.findings, estate.live.findings, estate.state)
    both = [i for i in report.items if i.code is not None and i.cloud is not None]
    disagreements = [i for i in both if i.verdict is Verdict.DRIFT]
    assert not disagreements, "evaluator disagreement (a bug in one of the two):\n" + "\n".join(
        _describe(i) for i in disagreements)
    agreed = {(i.control_id, i.terraform_address): i.cloud.status.value for i in both
              if i.verdict is Verdict.AGREE and i.cloud is not None}
    assert agreed == EXPECTED_AGREEMENT, "\n".join(_describe(i) for i in both)
    unevaluated = {(i.control_id, i.terraform_address) for i in report.by_verdict(Verdict.UNEVALUATED)}
    assert unevaluated == set(KNOWN_GAPS), "\n".join(_describe(i) for i in report.by_verdict(Verdict.UNEVALUATED))
    # nothing declared is missing in the cloud, and nothing in the imaging scope is unmanaged
    assert not report.differences, "\n".join(_describe(i) for i in report.differences)


def _run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pacscan")
    add_drift_command(parser.add_subparsers(dest="command"))
    return run_drift(parser.parse_args(argv))


def _change_the_cloud(estate: Estate) -> tuple[str, str]:
    """Versioning off on the PACS bucket, DICOM 104 opened to the internet on the modality gateway,
    a PHI bucket created outside Terraform. Returns the (bucket, security group) ARNs changed.
    (Real S3 refuses to suspend versioning on an Object Lock bucket; moto accepts it, and the point
    here is that drift sees a changed setting.)"""
    import boto3

    s3 = boto3.client("s3", region_name=REGIONS[0])
    ec2 = boto3.client("ec2", region_name=REGIONS[0])
    (pacs,) = estate.state.instances("module.pacs_images.aws_s3_bucket.this")
    (gateway,) = estate.state.instances("aws_security_group.modality_gateway")
    s3.put_bucket_versioning(Bucket="brightsmile-prod-pacs-images", VersioningConfiguration={"Status": "Suspended"})
    group_id = gateway.cloud_id.rsplit("/", 1)[-1]
    ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 104, "ToPort": 104, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    s3.create_bucket(Bucket=SHADOW)
    s3.put_bucket_tagging(Bucket=SHADOW, Tagging={"TagSet": [{"Key": "data-classification", "Value": "phi"}]})
    return pacs.cloud_id, gateway.cloud_id


def test_drift_reports_exactly_the_three_changes_made_in_the_cloud(estate: Estate, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    meta = ToolMeta(name="pacscan", version=__version__)
    code_file, live_file, out = tmp_path / "code.json", tmp_path / "live.json", tmp_path / "drift.json"
    code_file.write_text(JsonEvidenceRenderer().render(estate.code, meta))
    bucket, group = _change_the_cloud(estate)
    live_file.write_text(JsonEvidenceRenderer().render(_live_scan(estate.workdir / "pacscan.yaml"), meta))
    state_file = estate.workdir / "state.json"

    code = _run_cli(["drift", "--code-evidence", str(code_file), "--state", str(state_file), "--live",
                     str(live_file), "--format", "json", "--output", str(out), "--format", "console"])

    assert code == 1
    doc = json.loads(out.read_text())
    differences = [i for i in doc["items"] if i["verdict"] in ("drift", "only-in-code", "only-in-cloud")]
    drifted = {(i["control_id"], i["resource"]) for i in differences if i["verdict"] == "drift"}
    assert drifted == {("INT-VERSION", bucket), ("NET-DICOM", group)}
    shadow = {i["resource"] for i in differences if i["verdict"] == "only-in-cloud"}
    assert shadow == {f"arn:aws:s3:::{SHADOW}"}
    assert not [i for i in differences if i["verdict"] == "only-in-code"]
    # both observed values are in the report
    version = next(i for i in differences if i["control_id"] == "INT-VERSION")
    assert version["code"]["status"] == "pass" and version["cloud"]["status"] == "fail"
    assert version["cloud"]["observed"]["AWS-S3-VERSIONING"]["versioning.status"] == "Suspended"
    assert version["terraform_address"] == "module.pacs_images.aws_s3_bucket.this"
    dicom = next(i for i in differences if i["control_id"] == "NET-DICOM")
    opened = [rule for rule in dicom["cloud"]["observed"]["AWS-SG-DICOM"]["ingress"]
              if rule["ports"] == {"from": 104, "to": 104}]
    assert [rule["sources"] for rule in opened] == [["192.168.50.0/24", "0.0.0.0/0"]]
    assert dicom["code"]["status"] == "pass" and dicom["cloud"]["status"] == "fail"
    console = capsys.readouterr().out
    assert "only-in-cloud" in console and "Suspended" in console
    assert f"{len(differences)} difference(s) between code and cloud" in console

