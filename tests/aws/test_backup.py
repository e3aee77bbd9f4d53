"""AWS Backup vaults and plans: collector -> engine -> findings, per named vault and plan.

Vaults, vault locks, plans and KMS keys are real moto resources. moto implements neither
ListBackupSelections nor GetBackupSelection, so the ``backup`` client is pointed
(``AWS_ENDPOINT_URL_BACKUP``) at ``tests/aws/backup_recordings.py``: a local HTTP server that answers
those two operations with recorded, AWS-shaped responses and forwards every other Backup request to
moto unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from scanner.collectors.aws.backup import collect_backup
from tests.aws.backup_recordings import Recordings, serve
from tests.aws.conftest import MOTO_ACCOUNT, client
from tests.aws.test_storage import RawBody, empty_aws_config, expect, open_session, scan, verdicts

__all__ = ["empty_aws_config"]  # the autouse fixture, re-used here

DEST = f"arn:aws:backup:us-west-2:{MOTO_ACCOUNT}:backup-vault:pacs-copy"
ROLE = f"arn:aws:iam::{MOTO_ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
VAULTS = {"pass-vault", "fail-vault", "fail-lock-short"}
PLANS = {"pass-plan", "fail-plan", "fail-copy-short"}


@pytest.fixture
def recordings(aws: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recordings]:
    with serve(aws) as (url, recorded):
        monkeypatch.setenv("AWS_ENDPOINT_URL_BACKUP", url)
        yield recorded


def _rule(name: str, delete_after: int | None, copy_delete_after: int | None = None,
          copy: bool = False) -> dict[str, Any]:
    rule: dict[str, Any] = {"RuleName": name, "TargetBackupVaultName": "pass-vault",
                            "ScheduleExpression": "cron(0 5 * * ? *)"}
    if delete_after is not None:
        rule["Lifecycle"] = {"DeleteAfterDays": delete_after}
    if copy:
        action: dict[str, Any] = {"DestinationBackupVaultArn": DEST}
        if copy_delete_after is not None:
            action["Lifecycle"] = {"DeleteAfterDays": copy_delete_after}
        rule["CopyActions"] = [action]
    return rule


def seed(recorded: Recordings) -> None:
    backup = client("backup")
    key = client("kms").create_key(Description="backup")["KeyMetadata"]["Arn"]
    backup.create_backup_vault(BackupVaultName="pass-vault", EncryptionKeyArn=key,
                               BackupVaultTags={"data": "dicom"})
    backup.put_backup_vault_lock_configuration(BackupVaultName="pass-vault", MinRetentionDays=35)
    backup.create_backup_vault(BackupVaultName="fail-vault")
    backup.create_backup_vault(BackupVaultName="fail-lock-short", EncryptionKeyArn=key)
    backup.put_backup_vault_lock_configuration(BackupVaultName="fail-lock-short", MinRetentionDays=7)

    def plan(name: str, *rules: dict[str, Any]) -> str:
        return str(backup.create_backup_plan(BackupPlan={"BackupPlanName": name, "Rules": list(rules)})
                   ["BackupPlanId"])

    passing = plan("pass-plan", _rule("daily", 35, 35, copy=True), _rule("monthly", 400))
    plan("fail-plan", _rule("daily", None))
    short = plan("fail-copy-short", _rule("daily", 365, 7, copy=True))
    recorded.add_selection(passing, {"SelectionName": "imaging", "IamRoleArn": ROLE,
                                     "Resources": ["arn:aws:s3:::pacs-images"], "NotResources": [],
                                     "ListOfTags": []})
    recorded.add_selection(short, {"SelectionName": "by-tag", "IamRoleArn": ROLE, "Resources": [],
                                   "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "data",
                                                   "ConditionValue": "dicom"}],
                                   "Conditions": {"StringLike": [{"ConditionKey": "aws:ResourceTag/app",
                                                                  "ConditionValue": "pacs*"}]}})


FAILING = {
    "AWS-BACKUP-VAULT-ENCRYPTED": (VAULTS, {"fail-vault"}),
    "AWS-BACKUP-VAULT-CMK": (VAULTS, {"fail-vault"}),
    "AWS-BACKUP-VAULT-LOCK": (VAULTS, {"fail-vault"}),
    # no lock: the lock's retention does not apply
    "AWS-BACKUP-VAULT-LOCK-RETENTION": (VAULTS - {"fail-vault"}, {"fail-lock-short"}, {"fail-vault"}),
    "AWS-BACKUP-PLAN-RETENTION": (PLANS, {"fail-plan", "fail-copy-short"}),
    "AWS-BACKUP-PLAN-COPY": (PLANS, {"fail-plan"}),
    "AWS-BACKUP-PLAN-SELECTIONS": (PLANS, {"fail-plan"}),
}


def test_every_backup_rule_passes_and_fails_exactly_the_named_vaults_and_plans(recordings: Recordings) -> None:
    seed(recordings)
    resources, failures, findings = scan(collect_backup, open_session())
    assert failures == []
    assert {r.name for r in resources} == VAULTS | PLANS
    assert all(r.errors == {} for r in resources), [r.errors for r in resources]
    for rule_id, (judged, failing, *not_applicable) in FAILING.items():
        expect(findings, rule_id, judged - failing, failing, *not_applicable)
    by_name = {r.name: r for r in resources}
    assert by_name["pass-vault"].facts["encryption"]["key_manager"] == "CUSTOMER"
    assert by_name["pass-vault"].tags == {"data": "dicom"}
    assert by_name["pass-plan"].facts["covered_resources"] == ["arn:aws:s3:::pacs-images"]
    assert by_name["fail-copy-short"].facts["selections"][0]["tag_conditions"] == [
        {"operator": "STRINGEQUALS", "key": "data", "value": "dicom"},
        {"operator": "StringLike", "key": "aws:ResourceTag/app", "value": "pacs*"}]
    assert by_name["fail-plan"].facts["rules"][0]["delete_after_days"] is None


def test_min_backup_retention_days_parameter_moves_the_threshold(recordings: Recordings) -> None:
    seed(recordings)
    _, _, findings = scan(collect_backup, open_session(), {"min_backup_retention_days": 7})
    expect(findings, "AWS-BACKUP-VAULT-LOCK-RETENTION", {"pass-vault", "fail-lock-short"}, set(), {"fail-vault"})
    expect(findings, "AWS-BACKUP-PLAN-RETENTION", {"pass-plan", "fail-copy-short"}, {"fail-plan"})


def test_denied_selections_error_only_the_selection_rule(recordings: Recordings) -> None:
    from botocore.awsrequest import AWSResponse

    seed(recordings)
    body = json.dumps({"message": "User is not authorized to perform backup:ListBackupSelections"}).encode()

    def deny(request: Any = None, **_: Any) -> Any:
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException"}
        return AWSResponse(request.url, 403, headers, RawBody(body))

    session = open_session([("before-send.backup.ListBackupSelections", deny)])
    resources, _, findings = scan(collect_backup, session)
    plans = {r.name: r for r in resources if r.type == "aws.backup.plan"}
    assert {n: sorted(r.errors) for n, r in plans.items()} == {n: ["covered_resources", "selections"] for n in PLANS}
    assert verdicts(findings, "AWS-BACKUP-PLAN-SELECTIONS") == {n: "error" for n in PLANS}
    expect(findings, "AWS-BACKUP-PLAN-COPY", PLANS - {"fail-plan"}, {"fail-plan"})
    expect(findings, "AWS-BACKUP-PLAN-RETENTION", {"pass-plan"}, {"fail-plan", "fail-copy-short"})


def test_denied_vault_listing_is_a_collection_failure_per_region(recordings: Recordings) -> None:
    from botocore.awsrequest import AWSResponse

    seed(recordings)
    body = json.dumps({"message": "denied"}).encode()

    def deny(request: Any = None, **_: Any) -> Any:
        if "us-east-1" not in request.url and "us-east-1" not in str(request.headers.get("Authorization", "")):
            return None
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": "AccessDeniedException"}
        return AWSResponse(request.url, 403, headers, RawBody(body))

    resources, failures, findings = scan(collect_backup, open_session([("before-send.backup.ListBackupVaults",
                                                                        deny)]))
    assert [(f.type, f.region) for f in failures] == [("aws.backup.vault", "us-east-1")]
    assert not any(r.type == "aws.backup.vault" for r in resources)
    assert {f.status for f in findings if f.check_id.startswith("AWS-BACKUP-VAULT")} == {"error"}
