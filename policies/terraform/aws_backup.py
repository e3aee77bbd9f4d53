"""AWS Backup: plan retention, a second copy, and the vault-lock minimum retention.

* PACS_AWS_BACKUP_RETENTION (BAK-PLAN): every ``rule`` of an ``aws_backup_plan`` declares
  ``lifecycle.delete_after`` of at least ``min_backup_retention_days``; so does each
  ``copy_action.lifecycle`` that sets one. An unset ``lifecycle``/``delete_after`` FAILS: the plan
  then states no retention at all, which is not evidence of a retention policy.
* PACS_AWS_BACKUP_COPY (BAK-PLAN): at least one rule has a ``copy_action`` with a
  ``destination_vault_arn`` (a second copy in another vault, account or region).
* PACS_AWS_BACKUP_VAULT_LOCK_RETENTION (BAK-VAULT): an ``aws_backup_vault_lock_configuration``
  that sets ``min_retention_days`` sets at least ``min_backup_retention_days``.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies import parameters
from policies.terraform.aws_common import blocks
from policies.terraform.common import Observation, as_int, combine, first


def retention(label: str, value: Any, minimum: int) -> Observation:
    """Judge a ``delete_after``-style day count against ``minimum``."""
    if value is None:
        return Observation(f"{label} not set: no retention declared", CheckResult.FAILED)
    days = as_int(value)
    if days is None:
        return Observation(f"{label}={value} not resolvable", CheckResult.UNKNOWN)
    op = "<" if days < minimum else ">="
    verdict = CheckResult.FAILED if days < minimum else CheckResult.PASSED
    return Observation(f"{label}={days} {op} min_backup_retention_days={minimum}", verdict)


def rule_observations(rule: dict[str, Any], label: str, minimum: int) -> list[Observation]:
    """Retention observations for one backup-plan rule and its copy actions."""
    lifecycles = blocks(rule, "lifecycle")
    delete_after = first(lifecycles[0], "delete_after") if lifecycles else None
    out = [retention(f"{label}.lifecycle.delete_after", delete_after, minimum)]
    for j, copy in enumerate(blocks(rule, "copy_action")):
        for copy_lifecycle in blocks(copy, "lifecycle"):
            if "delete_after" in copy_lifecycle:
                out.append(
                    retention(
                        f"{label}.copy_action[{j}].lifecycle.delete_after",
                        first(copy_lifecycle, "delete_after"),
                        minimum,
                    )
                )
    return out


class BackupRetentionCheck(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="AWS Backup plan rules keep backups at least min_backup_retention_days",
            id="PACS_AWS_BACKUP_RETENTION",
            categories=(CheckCategories.BACKUP_AND_RECOVERY,),
            supported_resources=("aws_backup_plan",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        minimum = int(parameters.get("min_backup_retention_days"))
        self.evaluated_keys = ["rule/[0]/lifecycle/[0]/delete_after", "rule/[0]/copy_action"]
        rules = blocks(conf, "rule")
        observations = [o for i, r in enumerate(rules) for o in rule_observations(r, f"rule[{i}]", minimum)]
        self.details = [o.text for o in observations] or ["no rule blocks"]
        return combine(observations, CheckResult.FAILED)


class BackupCopyCheck(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="AWS Backup plan copies backups to a second vault (copy_action)",
            id="PACS_AWS_BACKUP_COPY",
            categories=(CheckCategories.BACKUP_AND_RECOVERY,),
            supported_resources=("aws_backup_plan",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["rule/[0]/copy_action"]
        self.details = []
        for i, rule in enumerate(blocks(conf, "rule")):
            for j, copy in enumerate(blocks(rule, "copy_action")):
                target = first(copy, "destination_vault_arn")
                if target:
                    self.details.append(f"rule[{i}].copy_action[{j}].destination_vault_arn={target}")
        if self.details:
            return CheckResult.PASSED
        self.details = ["no rule has a copy_action with a destination_vault_arn"]
        return CheckResult.FAILED


class VaultLockRetentionCheck(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="AWS Backup vault lock minimum retention is at least min_backup_retention_days",
            id="PACS_AWS_BACKUP_VAULT_LOCK_RETENTION",
            categories=(CheckCategories.BACKUP_AND_RECOVERY,),
            supported_resources=("aws_backup_vault_lock_configuration",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        minimum = int(parameters.get("min_backup_retention_days"))
        self.evaluated_keys = ["min_retention_days"]
        value = first(conf, "min_retention_days")
        if value is None:
            self.details = [f"min_retention_days not set (min_backup_retention_days={minimum})"]
            return CheckResult.PASSED
        observation = retention("min_retention_days", value, minimum)
        self.details = [observation.text]
        return observation.result


backup_retention_check = BackupRetentionCheck()
backup_copy_check = BackupCopyCheck()
vault_lock_retention_check = VaultLockRetentionCheck()
