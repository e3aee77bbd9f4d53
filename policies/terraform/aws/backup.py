"""``aws.backup.vault`` and ``aws.backup.plan`` from Terraform.

Vaults (``aws_backup_vault``): AWS Backup always encrypts; without ``kms_key_arn`` the key is the
AWS-managed ``aws/backup`` key. A key is customer-managed when it is an ``aws_kms_key`` (or an
alias of one) of this configuration, a literal key ARN/id, or an alias outside ``alias/aws/``;
AWS-managed when it is an ``alias/aws/...`` name; unknown when it comes from a data source whose
key is not named, or from a value that cannot be seen. The vault lock is the
``aws_backup_vault_lock_configuration`` whose ``backup_vault_name`` names the vault: locked, with
its minimum/maximum retention; a lock that may be the vault's (its vault name unknown, or its
``count`` unknown) leaves the lock unknown (both answers remain), two locks are unknown.

Plans (``aws_backup_plan``): every ``rule`` with its schedule, target vault, ``lifecycle``
(``delete_after_days`` None when no retention is stated: the rule fails retention) and copy
actions (destination and their own retention). Selections are the ``aws_backup_selection``
resources whose ``plan_id`` names the plan; a plan no selection of this configuration names may be
selected from another configuration, so its selections are unknown, not empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, block, blocks, path, resource
from policies.terraform.aws.common import identifier, located, maybe, spread
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown, first_unknown
from scanner.iac.tfmodel import TfInstance

VAULT = "aws.backup.vault"
PLAN = "aws.backup.plan"
_LOCK = "aws_backup_vault_lock_configuration"
_SELECTION = "aws_backup_selection"
_KEY_RESOURCES = ("aws_kms_key", "aws_kms_replica_key", "aws_kms_alias", "aws_kms_external_key",
                  "aws_kms_replica_external_key")
_CONDITIONS = (("string_equals", "StringEquals"), ("string_like", "StringLike"),
               ("string_not_equals", "StringNotEquals"), ("string_not_like", "StringNotLike"))


def vaults(index: Index) -> list[Resource]:
    return [_vault(index, v) for v in index.of_type("aws_backup_vault")]


def _vault(index: Index, vault: TfInstance) -> Resource:
    attrs = vault.attrs
    locks = index.children(vault, (_LOCK,), "backup_vault_name", identities=[attrs.get("name")])
    facts = {
        "encryption": _encryption(index, vault),
        "vault_lock": _lock(locks.certain, locks.possible),
        "recovery_points": None,
        "tags": arg(attrs, "tags", {}),
    }
    origins = {key: located(vault) for key in facts}
    if locks:
        origins["vault_lock"] = ", ".join(located(lock) for lock in (*locks.certain, *locks.possible))
    name = attrs.get("name")
    return resource(VAULT, vault, facts, name=name if isinstance(name, str) else None, tags=facts["tags"],
                    configured_by=(*locks.certain, *locks.possible), origins=origins,
                    traced={"encryption": ("kms_key_arn",),
                            "vault_lock": ("backup_vault_name", "min_retention_days", "max_retention_days",
                                           "changeable_for_days")})


def _encryption(index: Index, vault: TfInstance) -> dict[str, Any]:
    key = identifier(vault, "kms_key_arn")
    if key is None:
        return {"key_arn": "alias/aws/backup", "key_manager": "AWS"}
    if isinstance(key, Unknown):
        return {"key_arn": key, "key_manager": key}
    sources = [index.get(ref) for ref in vault.refs.get("kms_key_arn", ())]
    managed = [s for s in sources if s is not None and s.mode == "managed" and s.type in _KEY_RESOURCES]
    data = [s for s in sources if s is not None and s.mode == "data"]
    if managed and not data:
        return {"key_arn": key, "key_manager": "CUSTOMER"}
    if data:
        named = [d.attrs.get("name", d.attrs.get("key_id")) for d in data]
        if all(isinstance(n, str) and "alias/aws/" in n for n in named):
            return {"key_arn": key, "key_manager": "AWS"}
        return {"key_arn": key, "key_manager": Unknown(
            f"the vault's key is read through {data[0].address}: who manages it is not known")}
    return {"key_arn": key, "key_manager": "AWS" if "alias/aws/" in key else "CUSTOMER"}


def _lock(certain: tuple[TfInstance, ...], possible: tuple[TfInstance, ...]) -> Any:
    unlocked = {"locked": False, "min_retention_days": None, "max_retention_days": None, "lock_date": None}
    if not certain and not possible:
        return unlocked
    if len(certain) > 1:
        return Unknown("the vault lock is configured twice: " + ", ".join(c.address for c in certain))
    if certain and certain[0].exists is None and not possible:
        return _locked(certain[0])
    options = [_locked(c) for c in (*certain, *possible)]
    if not certain or certain[0].exists is not None:
        options.append(unlocked)
    lock = (*certain, *possible)[0]
    why = lock.exists.reason if lock.exists is not None else (
        f"{lock.address} may lock this vault (its backup_vault_name is not known to be this vault's)")
    return Unknown(why, located(lock), candidates=tuple(options))


def _locked(lock: TfInstance) -> dict[str, Any]:
    attrs = lock.attrs
    changeable = attrs.get("changeable_for_days")
    return {
        "locked": True,
        "min_retention_days": attrs.get("min_retention_days"),
        "max_retention_days": attrs.get("max_retention_days"),
        "lock_date": None if changeable is None else Unknown(
            f"{lock.address}: the compliance-mode lock date is known only after apply", symbol=f"{lock.address}"),
    }


# --- plans -----------------------------------------------------------------------------------------

def plans(index: Index) -> list[Resource]:
    return [_plan(index, p) for p in index.of_type("aws_backup_plan")]


def _plan(index: Index, plan: TfInstance) -> Resource:
    attrs = plan.attrs
    chosen = index.children(plan, (_SELECTION,), "plan_id", identities=[attrs.get("id")])
    selections: Any = [_selection(s) if s.exists is None else _maybe_selection(s, s.exists.reason)
                       for s in chosen.certain]
    selections += [_maybe_selection(s, f"{s.address} may select for this plan (its plan_id is not known to be "
                                       f"this plan's)") for s in chosen.possible]
    if not selections:
        selections = Unknown("no aws_backup_selection of this configuration names this plan: it may be selected "
                             "from another configuration")
        covered: Any = selections
    else:
        unseen = first_unknown(selections)
        covered = unseen if unseen is not None else sorted(
            {r for s in selections for r in s["resources"] if isinstance(r, str)})
    facts = {
        "rules": [_rule(plan, r) for r in blocks(attrs, "rule")],
        "selections": selections,
        "covered_resources": covered,
        "tags": arg(attrs, "tags", {}),
    }
    origins = {key: located(plan) for key in facts}
    if chosen:
        origins["selections"] = ", ".join(located(s) for s in (*chosen.certain, *chosen.possible))
    name = attrs.get("name")
    return resource(PLAN, plan, facts, name=name if isinstance(name, str) else None, tags=facts["tags"],
                    configured_by=(*chosen.certain, *chosen.possible), origins=origins,
                    traced={"rules": ("rule",), "selections": ("plan_id", "resources", "selection_tag", "condition")})


def _rule(plan: TfInstance, rule: Any) -> Any:
    if not isinstance(rule, Mapping):
        return _unseen(rule)
    copies: list[Any] = []
    for copy in blocks(rule, "copy_action"):
        if isinstance(copy, Mapping):
            copies.append({"destination_vault_arn": identifier(plan, "rule", copy.get("destination_vault_arn")),
                           "delete_after_days": path(copy, "lifecycle", "delete_after")})
        else:
            copies.append(_unseen(copy))
    return {
        "name": rule.get("rule_name"),
        "target_vault": identifier(plan, "rule", rule.get("target_vault_name")),
        "schedule": rule.get("schedule"),
        "delete_after_days": path(rule, "lifecycle", "delete_after"),
        "cold_storage_after_days": path(rule, "lifecycle", "cold_storage_after"),
        "copy_actions": copies,
    }


def _unseen(value: Any) -> Unknown:
    """A block nobody could see (or that is not a block) as a list element."""
    if isinstance(value, Unknown):
        return value if value.spread or value.candidates else spread(value)
    return Unknown(f"not a block: {value!r}")


def _selection(selection: TfInstance) -> dict[str, Any]:
    attrs = selection.attrs
    conditions: list[Any] = []
    for tag in blocks(attrs, "selection_tag"):
        conditions.append({"operator": tag.get("type"), "key": tag.get("key"), "value": tag.get("value")}
                          if isinstance(tag, Mapping) else tag)
    condition = block(attrs, "condition")
    if isinstance(condition, Unknown):
        conditions.append(spread(condition))
    elif condition is not None:
        for tf, api in _CONDITIONS:
            for entry in blocks(condition, tf):
                conditions.append({"operator": api, "key": entry.get("key"), "value": entry.get("value")}
                                  if isinstance(entry, Mapping) else entry)
    return {
        "name": attrs.get("name"),
        "iam_role_arn": identifier(selection, "iam_role_arn"),
        "resources": _strings(attrs.get("resources")),
        "not_resources": _strings(attrs.get("not_resources")),
        "tag_conditions": conditions,
    }


def _strings(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, Unknown):
        return [spread(value)]
    return list(value) if isinstance(value, list | tuple) else [value]


def _maybe_selection(selection: TfInstance, reason: str) -> Unknown:
    item = _selection(selection)
    return maybe(item, {**item, "resources": [], "tag_conditions": []}, reason, located(selection))

