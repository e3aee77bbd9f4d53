"""MSP runs against a real moto server: two client accounts reached through assume_role, one
client whose credentials are broken (a profile that does not exist), and an AWS Organization
discovered through a role name. The broken tenant is ``error`` with its reason; the others
complete with the findings of their own buckets, and nothing of one tenant leaks into another."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.collectors.aws.session import RetryPolicy
from scanner.evidence.bundle import load_evidence
from scanner.evidence.merge import merge_shards
from scanner.msp import LogProgress, MspRequest, MspRun, Options, Shard, run_msp
from scanner.scan import ScanInputs
from tests.aws.conftest import MOTO_ACCOUNT, client

ALPHA, BETA = "111111111111", "222222222222"

TENANTS = """
tenants:
  - name: alpha
    tags: {tier: gold}
    aws:
      role_arn: arn:aws:iam::111111111111:role/PacscanReadOnly
      external_id: alpha-external-1
      regions: [us-east-1]
  - name: beta
    parameters: {imaging_data: {name_patterns: ["beta-pacs-*"]}}
    aws:
      role_arn: arn:aws:iam::222222222222:role/PacscanReadOnly
      external_id_env: PACSCAN_TEST_BETA_EXTERNAL_ID
      regions: [us-east-1]
  - name: broken
    aws:
      profile: no-such-profile-anywhere
      regions: [us-east-1]
"""


def assumed(account: str, service: str) -> Any:
    import boto3

    creds = client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/Seed",
                                      RoleSessionName="seed")["Credentials"]
    return boto3.client(service, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


def seed_bucket(account: str, name: str, *, versioned: bool) -> None:
    s3 = assumed(account, "s3")
    s3.create_bucket(Bucket=name)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def statuses(doc: dict[str, Any], check_id: str) -> dict[str, str]:
    return {f["resource"]["address"]: f["status"] for f in doc["findings"] if f["check_id"] == check_id}


def request(tmp_path: Path, text: str, out: str = "evidence", shard: Shard | None = None) -> MspRequest:
    tenants = tmp_path / "tenants.yaml"
    tenants.write_text(text.lstrip("\n"))
    return MspRequest(tenants_file=tenants, evidence_dir=tmp_path / out, inputs=ScanInputs(), shard=shard,
                      tenant_concurrency=3, options=Options(api_concurrency=4, aws_retry=RetryPolicy(max_attempts=2)))


@pytest.fixture
def estate(aws: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PACSCAN_TEST_BETA_EXTERNAL_ID", "beta-external-2")
    seed_bucket(ALPHA, "alpha-pass-versioned", versioned=True)
    seed_bucket(BETA, "beta-pacs-fail-unversioned", versioned=False)
    return aws


def test_good_tenants_complete_and_the_broken_one_is_error(estate: str, tmp_path: Path) -> None:
    lines = io.StringIO()
    run = run_msp(request(tmp_path, TENANTS), LogProgress(lines))
    root = tmp_path / "evidence"
    index = json.loads((root / "index.json").read_text())
    assert index["schema"] == "pacscan-index/1"
    entries = {e["name"]: e for e in index["tenants"]}
    assert [e["name"] for e in index["tenants"]] == ["alpha", "beta", "broken"]
    assert entries["alpha"]["status"] == "ok" and entries["alpha"]["file"] == "alpha.json"
    assert entries["alpha"]["identities"] == {ALPHA: f"arn:aws:sts::{ALPHA}:assumed-role/PacscanReadOnly/"
                                                     "pacscan-alpha"}
    assert entries["alpha"]["tags"] == {"tier": "gold"}
    assert entries["beta"]["status"] == "ok" and list(entries["beta"]["identities"]) == [BETA]
    broken = entries["broken"]
    assert broken["status"] == "error" and broken["file"] is None and broken["identities"] == {}
    assert "no-such-profile-anywhere" in broken["reason"] and "cannot authenticate" in broken["reason"]
    assert not (root / "broken.json").exists()

    alpha = json.loads((root / "alpha.json").read_text())
    beta = json.loads((root / "beta.json").read_text())
    assert statuses(alpha, "AWS-S3-VERSIONING") == {"arn:aws:s3:::alpha-pass-versioned": "pass"}
    assert statuses(beta, "AWS-S3-VERSIONING") == {"arn:aws:s3:::beta-pacs-fail-unversioned": "fail"}
    assert {f["resource"]["account"] for f in alpha["findings"] if f["resource"].get("account")} == {ALPHA}
    # per-tenant parameters: beta's override, alpha the catalog default
    assert beta["scan"]["parameters"]["imaging_data"] == {"name_patterns": ["beta-pacs-*"]}
    assert alpha["scan"]["parameters"]["imaging_data"] == {"tags": {}, "name_patterns": []}

    loaded = load_evidence(root)  # the evidence tools read the run as it is
    assert [(t.name, t.status) for t in loaded.tenants] == [("alpha", "ok"), ("beta", "ok"), ("broken", "error")]
    assert [o.tenant.name for o in run.failed] == ["broken"]
    log = lines.getvalue()
    assert "[broken] error: " in log and "[alpha] ok: " in log


def test_a_missing_external_id_variable_fails_only_that_tenant(estate: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PACSCAN_TEST_BETA_EXTERNAL_ID")
    run = run_msp(request(tmp_path, TENANTS), LogProgress(io.StringIO()))
    outcome = {o.tenant.name: o for o in run.outcomes}
    assert outcome["beta"].status == "error"
    assert outcome["beta"].reason == "AWS external id environment variable PACSCAN_TEST_BETA_EXTERNAL_ID is not set"
    assert outcome["alpha"].status == "ok"


def test_cli_prints_the_matrix_names_the_failed_tenant_and_gates(estate: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    tenants = tmp_path / "tenants.yaml"
    tenants.write_text(TENANTS.lstrip("\n"))
    out = tmp_path / "run"
    argv = ["cloud", "--tenants", str(tenants), "--evidence-dir", str(out), "--tenant-concurrency", "2"]
    assert main(argv) == 1  # beta's unversioned bucket fails
    captured = capsys.readouterr()
    assert "FAILED broken: aws:no-such-profile-anywhere: AWS (broken): cannot authenticate" in captured.out
    assert "3 tenant(s): 2 scanned, 1 failed" in captured.out
    assert "INT-VERSION" in captured.out
    assert "1 tenant(s) FAILED and were not (fully) scanned: broken" in captured.err
    assert main([*argv[:3], "--evidence-dir", str(tmp_path / "soft"), "--soft-fail"]) == 0


def test_shards_cover_every_tenant_once_and_merge(estate: str, tmp_path: Path) -> None:
    runs: list[MspRun] = [run_msp(request(tmp_path, TENANTS, f"shard-{i}", Shard(i, 2)), LogProgress(io.StringIO()))
                          for i in (1, 2)]
    assert sorted(o.tenant.name for r in runs for o in r.outcomes) == ["alpha", "beta", "broken"]
    merged = merge_shards([tmp_path / "shard-1", tmp_path / "shard-2"], tmp_path / "merged")
    assert merged.tenants == ("alpha", "beta", "broken")
    assert merged.files == ("alpha.json", "beta.json")


def test_organizations_discovery_scans_every_active_member_through_the_role_name(aws: str, tmp_path: Path) -> None:
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    members = []
    for name in ("clinic-east", "clinic-west"):
        status = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        members.append(status["AccountId"])
    east, west = members
    seed_bucket(east, "east-pass-versioned", versioned=True)
    seed_bucket(west, "west-fail-unversioned", versioned=False)
    text = f"""
tenants:
  - name: orgclient
    aws:
      organizations: {{role_name: PacscanAudit, skip_accounts: ["{MOTO_ACCOUNT}"]}}
      regions: [us-east-1]
"""
    run = run_msp(request(tmp_path, text), LogProgress(io.StringIO()))
    (outcome,) = run.outcomes
    assert outcome.status == "ok", outcome.reason
    assert outcome.result is not None
    assert outcome.result.targets == tuple(sorted(f"aws:{m}" for m in members))
    assert set(outcome.identities) == set(members)
    assert all(arn.endswith(":assumed-role/PacscanAudit/pacscan-orgclient") for arn in outcome.identities.values())
    doc = json.loads((tmp_path / "evidence" / "orgclient.json").read_text())
    assert statuses(doc, "AWS-S3-VERSIONING") == {"arn:aws:s3:::east-pass-versioned": "pass",
                                                  "arn:aws:s3:::west-fail-unversioned": "fail"}
    by_account = {f["resource"]["address"]: f["resource"]["account"] for f in doc["findings"]
                  if f["check_id"] == "AWS-S3-VERSIONING"}
    assert by_account == {"arn:aws:s3:::east-pass-versioned": east, "arn:aws:s3:::west-fail-unversioned": west}


def test_an_organization_with_nothing_left_to_scan_is_error(aws: str, tmp_path: Path) -> None:
    """Every ACTIVE account skipped: nothing was scanned, which is an error, never an empty pass."""
    client("organizations").create_organization(FeatureSet="ALL")
    text = ("tenants:\n  - name: noorg\n    aws: {organizations: {role_name: R, skip_accounts: "
            f"[\"{MOTO_ACCOUNT}\"]}}, regions: [us-east-1]}}\n")
    (outcome,) = run_msp(request(tmp_path, text), LogProgress(io.StringIO())).outcomes
    assert outcome.status == "error" and outcome.result is None
    assert outcome.reason == "nothing was scanned: no account, subscription or project left"
    assert json.loads((tmp_path / "evidence" / "index.json").read_text())["tenants"][0]["file"] is None
