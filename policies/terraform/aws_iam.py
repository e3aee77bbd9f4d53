"""IAM-MFA: privileged IAM policy statements require multi-factor authentication.

PACS_AWS_IAM_ADMIN_MFA runs on the policies people use directly: ``aws_iam_policy``,
``aws_iam_user_policy`` and ``aws_iam_group_policy``. A statement is privileged when it is an
``Allow`` of ``*``, ``*:*`` or ``iam:*`` (full admin, or the power to grant it). Such a statement must
carry ``Condition.Bool."aws:MultiFactorAuthPresent" = true``. ``BoolIfExists`` does not count: it is
also true for long-term access keys, which never carry the MFA key. Role inline policies are out of
scope (MFA for roles belongs in the trust policy of whoever assumes them). A policy Checkov could not
render (``data.aws_iam_policy_document.x.json``) is UNKNOWN.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies.terraform.aws_common import statements
from policies.terraform.common import as_bool, first
from scanner.policydoc import as_list, condition_values

PRIVILEGED_ACTIONS = frozenset({"*", "*:*", "iam:*"})


def is_privileged(statement: dict[str, Any]) -> bool:
    """True for an Allow of a full-admin or IAM-admin action."""
    if str(statement.get("Effect", "")).lower() != "allow":
        return False
    return any(str(a).lower() in PRIVILEGED_ACTIONS for a in as_list(statement.get("Action")))


def requires_mfa(statement: dict[str, Any]) -> bool:
    """True when the statement is conditioned on ``aws:MultiFactorAuthPresent`` being true."""
    values = list(condition_values(statement, ("Bool",), "aws:MultiFactorAuthPresent"))
    return bool(values) and all(as_bool(v) is True for v in values)


class AdminMfaCheck(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Privileged IAM policy statements require MFA (aws:MultiFactorAuthPresent)",
            id="PACS_AWS_IAM_ADMIN_MFA",
            categories=(CheckCategories.IAM,),
            supported_resources=("aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy"),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["policy"]
        policy = first(conf, "policy")
        stmts = statements(policy)
        if stmts is None:
            self.details = [f"policy not resolvable ({str(policy)[:80]})"]
            return CheckResult.UNKNOWN
        privileged = [(i, s) for i, s in enumerate(stmts) if is_privileged(s)]
        self.details = [
            f"Statement[{i}] Allow {as_list(s.get('Action'))}: "
            + ("requires MFA" if requires_mfa(s) else "no aws:MultiFactorAuthPresent=true condition")
            for i, s in privileged
        ] or [f"{len(stmts)} statement(s), none privileged"]
        return CheckResult.FAILED if any(not requires_mfa(s) for _, s in privileged) else CheckResult.PASSED


admin_mfa_check = AdminMfaCheck()
