"""AWS Backup vaults (``aws.backup.vault``) and plans (``aws.backup.plan``), per region, as facts.

``aws.backup.vault`` (id: BackupVaultArn)

===============================  ====================================================  ====================
fact key                         meaning                                               source API call
===============================  ====================================================  ====================
``encryption.key_arn``           KMS key encrypting the vault's recovery points        ListBackupVaults
``encryption.key_manager``       CUSTOMER / AWS: who manages that key                  kms:DescribeKey
``vault_lock.locked``            a vault lock applies to the vault                     ListBackupVaults
``vault_lock.min_retention_days``  the lock's minimum retention (None: not set)        ListBackupVaults
``vault_lock.max_retention_days``  the lock's maximum retention (None: not set)        ListBackupVaults
``vault_lock.lock_date``         when a compliance-mode lock becomes immutable         ListBackupVaults
``recovery_points``              number of recovery points in the vault                ListBackupVaults
``tags``                         vault tags as a flat dict                             ListTags
===============================  ====================================================  ====================

``aws.backup.plan`` (id: BackupPlanArn)

===============================  ====================================================  ====================
fact key                         meaning                                               source API call
===============================  ====================================================  ====================
``rules[]``                      ``{name, target_vault, schedule, delete_after_days,   GetBackupPlan
                                 cold_storage_after_days, copy_actions[]}``; a copy
                                 action is ``{destination_vault_arn,
                                 delete_after_days}``
``selections[]``                 ``{name, iam_role_arn, resources, not_resources,      ListBackupSelections +
                                 tag_conditions[]}``; a tag condition is ``{operator,  GetBackupSelection
                                 key, value}`` (ListOfTags and Conditions alike)
``covered_resources``            every resource ARN/pattern any selection names         (from ``selections``)
``tags``                         plan tags as a flat dict                              ListTags
===============================  ====================================================  ====================

Whether a plan covers the imaging buckets is a question across resources (plan selections x
buckets in scope by ``imaging_data``); the plan records what it selects (``selections``,
``covered_resources``) and a rule checks that it selects something. ``delete_after_days`` None means
the rule states no retention (Lifecycle.DeleteAfterDays unset): the retention rule fails it, as the
Terraform check does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from functools import partial
from typing import Any

from scanner.collectors.aws.errors import api_errors, reason
from scanner.collectors.aws.reads import READS
from scanner.collectors.aws.session import AwsSession, FactReader, for_kind
from scanner.collectors.aws.storage import iso
from scanner.collectors.planned import read_planned
from scanner.engine.plan import KindPlan
from scanner.facts.resource import CollectionFailure, Resource

VAULT = "aws.backup.vault"
PLAN = "aws.backup.plan"
Collected = tuple[list[Resource], list[CollectionFailure]]


def collect_backup(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    """Backup vaults and plans (with their selections) in every region."""
    jobs = []
    for kind, fn in ((VAULT, _vaults), (PLAN, _plans)):
        if session.plan.wants_kind(kind):
            with for_kind(kind):
                jobs += [(kind, region, pool.submit(fn, session, region)) for region in regions]
    resources: list[Resource] = []
    failures: list[CollectionFailure] = []
    for kind, region, job in jobs:
        found, error = job.result()
        if error is not None:
            failures.append(CollectionFailure("aws", kind, session.account, region, error))
        resources += found
    return resources, failures


def _vaults(session: AwsSession, region: str) -> tuple[list[Resource], str | None]:
    backup = session.client("backup", region)
    try:
        listed = [v for page in backup.get_paginator("list_backup_vaults").paginate()
                  for v in page.get("BackupVaultList", [])]
    except api_errors() as err:
        return [], reason(err)
    plan = session.plan.kind(VAULT)
    keys = {str(v["EncryptionKeyArn"]) for v in listed if v.get("EncryptionKeyArn")}
    managers = _key_managers(session, region, keys if plan.wants("encryption") else set())
    return [_vault(session, region, v, managers, plan) for v in listed], None


def _key_managers(session: AwsSession, region: str, key_arns: set[str]) -> dict[str, tuple[Any, str | None]]:
    """Each distinct vault key -> (KeyManager, error reason); one DescribeKey per key."""
    kms = session.client("kms", region)
    out: dict[str, tuple[Any, str | None]] = {}
    for arn in sorted(key_arns):
        reader = FactReader()
        manager = reader.read("key", partial(kms.describe_key, KeyId=arn), lambda r: r["KeyMetadata"]["KeyManager"])
        out[arn] = (manager, reader.errors.get("key"))
    return out


def _vault(session: AwsSession, region: str, raw: Mapping[str, Any],
           managers: Mapping[str, tuple[Any, str | None]], plan: KindPlan) -> Resource:
    backup = session.client("backup", region)
    arn = str(raw["BackupVaultArn"])
    reader = FactReader()
    key_arn = raw.get("EncryptionKeyArn")
    manager, error = managers.get(str(key_arn), (None, None)) if key_arn else (None, None)

    def encryption() -> None:
        if error is None:
            reader.facts["encryption"] = {"key_arn": key_arn, "key_manager": manager}
        else:
            reader.errors["encryption"] = f"vault key {key_arn}: {error}"

    reader.facts["vault_lock"] = {
        "locked": bool(raw.get("Locked", False)), "min_retention_days": raw.get("MinRetentionDays"),
        "max_retention_days": raw.get("MaxRetentionDays"),
        "lock_date": iso(raw.get("LockDate")),
    }
    reader.facts["recovery_points"] = raw.get("NumberOfRecoveryPoints")
    skipped = read_planned(reader, plan, READS[VAULT], {"encryption": encryption, "tags": _tags(reader, backup, arn)},
                           names=(str(raw["BackupVaultName"]),))
    return Resource(provider="aws", type=VAULT, id=arn, name=str(raw["BackupVaultName"]),
                    account=session.account, region=region, tags=dict(reader.facts.get("tags") or {}),
                    facts=reader.facts, errors=reader.errors, skipped=skipped)


def _tags(reader: FactReader, backup: Any, arn: str) -> Callable[[], Any]:
    return lambda: reader.read("tags", lambda: backup.list_tags(ResourceArn=arn), lambda r: dict(r.get("Tags") or {}))


def _plans(session: AwsSession, region: str) -> tuple[list[Resource], str | None]:
    backup = session.client("backup", region)
    try:
        listed = [p for page in backup.get_paginator("list_backup_plans").paginate()
                  for p in page.get("BackupPlansList", [])]
    except api_errors() as err:
        return [], reason(err)
    return [_plan(session, region, p, session.plan.kind(PLAN)) for p in listed], None


def _plan(session: AwsSession, region: str, raw: Mapping[str, Any], plan: KindPlan) -> Resource:
    backup = session.client("backup", region)
    plan_id, arn = str(raw["BackupPlanId"]), str(raw["BackupPlanArn"])
    reader = FactReader()

    def selections() -> None:
        found = reader.read("selections", lambda: _selections(backup, plan_id))
        if "selections" in reader.errors:
            reader.errors["covered_resources"] = reader.errors["selections"]
        else:
            reader.facts["covered_resources"] = sorted({r for s in found or () for r in s["resources"]})

    calls: dict[str, Callable[[], Any]] = {
        "rules": lambda: reader.read("rules", lambda: backup.get_backup_plan(BackupPlanId=plan_id),
                                     lambda r: [_rule(rule) for rule in r.get("BackupPlan", {}).get("Rules", [])]),
        "selections": selections, "covered_resources": selections, "tags": _tags(reader, backup, arn),
    }
    skipped = read_planned(reader, plan, READS[PLAN], calls, names=(str(raw.get("BackupPlanName") or plan_id),))
    return Resource(provider="aws", type=PLAN, id=arn, name=str(raw.get("BackupPlanName") or plan_id),
                    account=session.account, region=region, tags=dict(reader.facts.get("tags") or {}),
                    facts=reader.facts, errors=reader.errors, skipped=skipped)


def _rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    lifecycle = rule.get("Lifecycle") or {}
    copies = [{"destination_vault_arn": c.get("DestinationBackupVaultArn"),
               "delete_after_days": (c.get("Lifecycle") or {}).get("DeleteAfterDays")}
              for c in rule.get("CopyActions") or []]
    return {
        "name": rule.get("RuleName"), "target_vault": rule.get("TargetBackupVaultName"),
        "schedule": rule.get("ScheduleExpression"), "delete_after_days": lifecycle.get("DeleteAfterDays"),
        "cold_storage_after_days": lifecycle.get("MoveToColdStorageAfterDays"), "copy_actions": copies,
    }


def _selections(backup: Any, plan_id: str) -> list[dict[str, Any]]:
    """Every selection of the plan (raises botocore errors; the FactReader records them)."""
    pages = backup.get_paginator("list_backup_selections").paginate(BackupPlanId=plan_id)
    out = []
    for item in (s for page in pages for s in page.get("BackupSelectionsList", [])):
        got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=item["SelectionId"])
        out.append(_selection(got.get("BackupSelection", {})))
    return out


def _selection(selection: Mapping[str, Any]) -> dict[str, Any]:
    conditions = [{"operator": t.get("ConditionType"), "key": t.get("ConditionKey"), "value": t.get("ConditionValue")}
                  for t in selection.get("ListOfTags") or []]
    for operator, entries in (selection.get("Conditions") or {}).items():
        conditions += [{"operator": operator, "key": e.get("ConditionKey"), "value": e.get("ConditionValue")}
                       for e in entries or []]
    return {
        "name": selection.get("SelectionName"), "iam_role_arn": selection.get("IamRoleArn"),
        "resources": [str(r) for r in selection.get("Resources") or []],
        "not_resources": [str(r) for r in selection.get("NotResources") or []],
        "tag_conditions": conditions,
    }
