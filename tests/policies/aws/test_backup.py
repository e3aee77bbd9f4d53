"""AWS Backup vaults and plans from Terraform, judged by the AWS-BACKUP-* rules (BAK-VAULT, BAK-PLAN,
ENC-REST): the retired PACS_AWS_BACKUP_* / CKV_AWS_166 semantics, and the unknown cases."""

from __future__ import annotations

import pytest

from tests.policies.aws.helpers import hcl, judge_hcl, verdicts

ENCRYPTED, CMK, LOCK, LOCK_RETENTION = ("AWS-BACKUP-VAULT-ENCRYPTED", "AWS-BACKUP-VAULT-CMK", "AWS-BACKUP-VAULT-LOCK",
                                        "AWS-BACKUP-VAULT-LOCK-RETENTION")
RETENTION, COPY, SELECTIONS = "AWS-BACKUP-PLAN-RETENTION", "AWS-BACKUP-PLAN-COPY", "AWS-BACKUP-PLAN-SELECTIONS"


def _short(found: dict[str, str]) -> dict[str, str]:
    return {a.split(".", 1)[1]: s for a, s in found.items()}


def _vault(name: str, **arguments: object) -> str:
    return hcl("aws_backup_vault", name, name=f'"{name}"', **arguments)


def _lock(name: str, vault: str, **arguments: object) -> str:
    return hcl("aws_backup_vault_lock_configuration", name, backup_vault_name=vault, **arguments)


@pytest.mark.parametrize(("key", "encrypted", "customer"), [
    (None, "pass", "fail"),
    ("aws_kms_key.backup.arn", "pass", "pass"),
    ('"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"', "pass", "pass"),
    ('"arn:aws:kms:us-east-1:111122223333:alias/aws/backup"', "pass", "fail"),
    ("data.aws_kms_alias.managed.target_key_arn", "pass", "fail"),
    ("data.aws_kms_key.named.arn", "pass", "unknown"),
    ("var.key", "unknown", "unknown"),
])
def test_vault_key_and_who_manages_it(key: str | None, encrypted: str, customer: str) -> None:
    text = ('variable "key" { type = string }\nvariable "key_name" { type = string }\n'
            'resource "aws_kms_key" "backup" {}\n'
            'data "aws_kms_alias" "managed" { name = "alias/aws/backup" }\n'
            'data "aws_kms_key" "named" { key_id = var.key_name }\n'
            + (_vault("v", kms_key_arn=key) if key else _vault("v")))
    found = judge_hcl(text)
    assert (verdicts(found, ENCRYPTED)["aws_backup_vault.v"], verdicts(found, CMK)["aws_backup_vault.v"]) == (
        encrypted, customer)


def test_vault_lock_and_its_retention_only_where_locked() -> None:
    text = ('variable "vault" { type = string }\nvariable "on" { type = bool }\n'
            + _vault("locked") + _lock("l1", "aws_backup_vault.locked.name", min_retention_days=35)
            + _vault("unlocked")
            + _vault("short") + _lock("l2", "aws_backup_vault.short.name", min_retention_days=7)
            + _vault("no_minimum") + _lock("l3", '"no_minimum"')
            + _vault("twice") + _lock("l4", "aws_backup_vault.twice.name") + _lock("l5", '"twice"')
            + _vault("maybe_count") + _lock("l6", "aws_backup_vault.maybe_count.name", count="var.on ? 1 : 0",
                                            min_retention_days=7)
            )
    found = judge_hcl(text)
    assert _short(verdicts(found, LOCK)) == {"locked": "pass", "unlocked": "fail", "short": "pass",
                                             "no_minimum": "pass", "twice": "unknown", "maybe_count": "unknown"}
    assert _short(verdicts(found, LOCK_RETENTION)) == {
        "locked": "pass", "unlocked": "not_applicable", "short": "fail", "no_minimum": "pass", "twice": "unknown",
        "maybe_count": "unknown"}


def test_a_lock_whose_vault_is_not_known_may_lock_any_vault() -> None:
    text = 'variable "vault" { type = string }\n' + _vault("a") + _vault("b") + _lock("l", "var.vault",
                                                                                     min_retention_days=7)
    found = judge_hcl(text)
    assert _short(verdicts(found, LOCK)) == {"a": "unknown", "b": "unknown"}
    assert _short(verdicts(found, LOCK_RETENTION)) == {"a": "unknown", "b": "unknown"}


# --- plans -----------------------------------------------------------------------------------------

def _plan(name: str, *rules: str, selected: bool = True) -> str:
    text = hcl("aws_backup_plan", name, *rules, name=f'"{name}"')
    if selected:
        text += hcl("aws_backup_selection", f"{name}_selection", name=f'"{name}"', plan_id=f"aws_backup_plan.{name}.id",
                    iam_role_arn='"arn:aws:iam::111122223333:role/backup"', resources='["arn:aws:s3:::pacs"]')
    return text


def _rule(delete_after: object = 400, copy: str | None = "aws_backup_vault.dr.arn", copy_delete: object = None) -> str:
    lines = ['rule {', '    rule_name = "daily"', '    target_vault_name = "primary"',
             '    schedule = "cron(0 5 * * ? *)"']
    if delete_after is not None:
        lines += ["    lifecycle {", f"      delete_after = {delete_after}", "    }"]
    if copy is not None:
        lines += ["    copy_action {", f"      destination_vault_arn = {copy}"]
        if copy_delete is not None:
            lines += ["      lifecycle {", f"        delete_after = {copy_delete}", "      }"]
        lines += ["    }"]
    return "\n".join([*lines, "  }"])


_HEAD = 'variable "days" { type = number }\nvariable "plan" { type = string }\nvariable "rules" {}\n' + hcl(
    "aws_backup_vault", "dr", name='"dr"')


def test_plan_retention_and_copy() -> None:
    text = (_HEAD + _plan("good", _rule(copy_delete=400)) + _plan("short", _rule(7))
            + _plan("unset", _rule(None)) + _plan("no_copy", _rule(copy=None))
            + _plan("short_copy", _rule(copy_delete=14))
            + _plan("var_days", _rule("var.days")) + _plan("var_copy_days", _rule(copy_delete="var.days")))
    found = judge_hcl(text)
    assert _short(verdicts(found, RETENTION)) == {
        "good": "pass", "short": "fail", "unset": "fail", "no_copy": "pass", "short_copy": "fail",
        "var_days": "unknown", "var_copy_days": "unknown"}
    assert _short(verdicts(found, COPY)) == {
        "good": "pass", "short": "pass", "unset": "pass", "no_copy": "fail", "short_copy": "pass", "var_days": "pass",
        "var_copy_days": "pass"}
    assert _short(verdicts(judge_hcl(text, min_backup_retention_days=7), RETENTION))["short"] == "pass"


def test_plan_rules_nobody_could_see_are_unknown() -> None:
    text = (_HEAD + 'resource "aws_backup_plan" "unknown_rules" {\n  name = "x"\n  dynamic "rule" {\n'
            '    for_each = var.rules\n    content {\n      rule_name = "r"\n      target_vault_name = "primary"\n'
            '    }\n  }\n}\n')
    assert _short(verdicts(judge_hcl(text), RETENTION)) == {"unknown_rules": "unknown"}


def test_plan_selections() -> None:
    tags = ('selection_tag {\n    type = "STRINGEQUALS"\n    key = "data"\n    value = "imaging"\n  }')
    text = (_HEAD + _plan("selected", _rule()) + _plan("unselected", _rule(), selected=False)
            + _plan("by_tag", _rule(), selected=False)
            + hcl("aws_backup_selection", "tagged", tags, name='"t"', plan_id="aws_backup_plan.by_tag.id",
                  iam_role_arn='"arn:aws:iam::1:role/b"')
            + _plan("empty", _rule(), selected=False)
            + hcl("aws_backup_selection", "nothing", name='"n"', plan_id="aws_backup_plan.empty.id",
                  iam_role_arn='"r"'))
    assert _short(verdicts(judge_hcl(text), SELECTIONS)) == {
        "selected": "pass", "unselected": "unknown", "by_tag": "pass", "empty": "fail"}


def test_a_selection_whose_plan_is_not_known_may_select_for_any_plan() -> None:
    text = (_HEAD + _plan("empty", _rule(), selected=False)
            + hcl("aws_backup_selection", "nothing", name='"n"', plan_id="aws_backup_plan.empty.id", iam_role_arn='"r"')
            + hcl("aws_backup_selection", "which", name='"w"', plan_id="var.plan", iam_role_arn='"r"',
                  resources='["arn:aws:s3:::pacs"]'))
    assert _short(verdicts(judge_hcl(text), SELECTIONS)) == {"empty": "unknown"}
