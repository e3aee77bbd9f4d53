"""Which IAM policy statements grant admin-equivalent power, and which require MFA for it.

One reading for every input that produces ``aws.iam.policy`` facts (the Terraform normaliser reads
evaluated documents, which may hold unknown parts; a live reader would hand plain JSON). Answers are
three-valued: ``True``, ``False`` or an :class:`~scanner.facts.values.Unknown` saying what could
not be seen.

**Admin-equivalent** (IAM-MFA): an ``Allow`` that lets its holder grant itself any permission:

* an ``Action`` pattern (``*`` and ``?`` wildcards, case-insensitive) matching one of
  :data:`ESCALATION_ACTIONS` (``*``, ``iam:*``, ``iam:Put*``, ``iam:Attach*``, ``iam:Create*``,
  ``iam:Update*``, ``iam:CreatePolicyVersion``... all match some); ``iam:PassRole`` alone counts
  only on a wildcard resource (passing one named role grants that role's power, not any);
* a ``NotAction`` with ``Resource: "*"`` (it grants everything but the listed actions), or with
  resources that may be IAM's while some escalation action is not excluded.

**Requires MFA**: the statement's own condition needs MFA (``Bool`` ``aws:MultiFactorAuthPresent``
true, ``NumericLessThan[Equals]`` on ``aws:MultiFactorAuthAge``, ``Null`` ``aws:MultiFactorAuthAge``
false; the ``...IfExists`` forms do not count: long-term access keys carry no MFA key, so they
pass), or a ``Deny`` of the same policy covers every escalation action it grants, on every
resource, whenever MFA is absent (``BoolIfExists`` ``aws:MultiFactorAuthPresent`` false, or
``Null`` ``aws:MultiFactorAuthAge`` true): the usual "deny everything without MFA" guard.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from scanner.facts.values import PartialDict, Unknown

Truth = bool | Unknown

#: IAM actions with which a principal can give itself (or a principal it controls) any permission
ESCALATION_ACTIONS = (
    "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
    "iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy",
    "iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
    "iam:PutUserPermissionsBoundary", "iam:PutRolePermissionsBoundary",
    "iam:DeleteUserPermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
    "iam:AddUserToGroup", "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
    "iam:DeactivateMFADevice", "iam:DeleteVirtualMFADevice",
    "iam:PassRole",
)
_PASS_ROLE = "iam:PassRole"
_WHOLE = ("*", "arn:*", "arn:aws:*")
_MFA_PRESENT = "aws:multifactorauthpresent"
_MFA_AGE = "aws:multifactorauthage"


@functools.lru_cache(maxsize=4096)
def _pattern(text: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile("".join(parts), re.IGNORECASE)


def matches(pattern: str, action: str) -> bool:
    """IAM wildcard matching of an action (or resource) pattern."""
    return _pattern(pattern.strip()).fullmatch(action) is not None


def as_items(value: Any) -> list[Any] | Unknown:
    """A policy element that may be one value or a list, as a list (``[]`` for absent); an
    unknown whole stays unknown."""
    if value is None:
        return []
    if isinstance(value, Unknown):
        return value
    return list(value) if isinstance(value, list | tuple) else [value]


def all_of(parts: Iterable[Truth]) -> Truth:
    pending: Unknown | None = None
    for part in parts:
        if part is False:
            return False
        if isinstance(part, Unknown) and pending is None:
            pending = part
    return pending if pending is not None else True


def any_of(parts: Iterable[Truth]) -> Truth:
    pending: Unknown | None = None
    for part in parts:
        if part is True:
            return True
        if isinstance(part, Unknown) and pending is None:
            pending = part
    return pending if pending is not None else False


def statements(document: Any) -> list[Any] | Unknown:
    """The statements of a parsed policy document (unknown elements for statements nobody could see)."""
    if isinstance(document, Unknown):
        return statements(document.partial) if isinstance(document.partial, Mapping) else document
    if not isinstance(document, Mapping):
        return Unknown(f"not a policy document: {str(document)[:60]!r}")
    if "Statement" not in document:
        return document.rest if isinstance(document, PartialDict) else []
    raw = as_items(document["Statement"])
    if isinstance(raw, Unknown):
        return [Unknown(raw.reason, raw.origin, raw.error, spread=True)]
    return raw


def granted(statement: Mapping[str, Any]) -> set[str] | Unknown:
    """The escalation actions a statement's ``Action``/``NotAction`` covers (whatever its effect)."""
    if "NotAction" in statement:
        excluded = as_items(statement["NotAction"])
        if isinstance(excluded, Unknown):
            return excluded
        known = [a for a in excluded if isinstance(a, str)]
        left = {e for e in ESCALATION_ACTIONS if not any(matches(a, e) for a in known)}
        unseen = [a for a in excluded if not isinstance(a, str)]
        if unseen and left:
            return _unknown(unseen[0], "NotAction")
        return left
    actions = as_items(statement.get("Action"))
    if isinstance(actions, Unknown):
        return actions
    found = {e for a in actions if isinstance(a, str) for e in ESCALATION_ACTIONS if matches(a, e)}
    unseen = [a for a in actions if not isinstance(a, str)]
    if unseen and found != set(ESCALATION_ACTIONS):
        return _unknown(unseen[0], "Action")
    return found


def admin_equivalent(statement: Mapping[str, Any]) -> Truth:
    """Does the statement, if allowed, grant admin-equivalent power (see the module docstring)?"""
    actions = granted(statement)
    resources = _resources(statement)
    if "NotAction" in statement:
        whole = resources if isinstance(resources, Unknown) else any_of(_is_whole(r) for r in resources)
        escalates = actions if isinstance(actions, Unknown) else bool(actions)
        return any_of([whole, all_of([_may_be_iam(resources), escalates])])
    if isinstance(actions, Unknown):
        return actions
    if actions - {_PASS_ROLE}:
        return True
    if not actions:
        return False
    if isinstance(resources, Unknown):
        return resources
    return any_of(r if isinstance(r, Unknown) else "*" in str(r) for r in resources) if resources else False


def requires_mfa(statement: Mapping[str, Any], policy: Iterable[Any] = ()) -> Truth:
    """Is MFA needed for what the statement grants: by its own condition, or by a Deny guard of
    the same policy (``policy``: every statement of the document)?"""
    own = _condition_requires_mfa(statement.get("Condition"))
    if own is True:
        return True
    actions = granted(statement)
    guards: list[Truth] = []
    for other in policy:
        if other is statement:
            continue
        guards.append(_guards(other, actions))
    return any_of([own, *guards])


def _guards(deny: Any, actions: set[str] | Unknown) -> Truth:
    """Does ``deny`` refuse ``actions`` on every resource whenever MFA is absent?"""
    if isinstance(deny, Unknown):
        return deny
    if not isinstance(deny, Mapping):
        return False
    effect = deny.get("Effect")
    if isinstance(effect, Unknown):
        return effect
    if effect != "Deny" or "NotResource" in deny or "NotPrincipal" in deny:
        return False
    if isinstance(actions, Unknown):
        return actions
    denied = granted(deny)
    if isinstance(denied, Unknown):
        return denied
    covers = actions <= denied
    resources = _resources(deny)
    whole = any_of(_is_whole(r) for r in resources) if not isinstance(resources, Unknown) else resources
    return all_of([covers, whole, _condition_denies_without_mfa(deny.get("Condition"))])


def _condition_requires_mfa(condition: Any) -> Truth:
    return _condition_test(condition, (("bool", _MFA_PRESENT, "true"), ("numericlessthan", _MFA_AGE, None),
                                       ("numericlessthanequals", _MFA_AGE, None), ("null", _MFA_AGE, "false")))


def _condition_denies_without_mfa(condition: Any) -> Truth:
    return _condition_test(condition, (("boolifexists", _MFA_PRESENT, "false"), ("null", _MFA_AGE, "true")))


def _condition_test(condition: Any, wanted: tuple[tuple[str, str, str | None], ...]) -> Truth:
    """Does ``condition`` hold one (operator, key, value) of ``wanted`` (value None: any value)?
    Other entries only narrow the statement further, so they never make it false."""
    if condition is None:
        return False
    if isinstance(condition, Unknown):
        return condition
    if not isinstance(condition, Mapping):
        return False
    results: list[Truth] = []
    for operator, entries in condition.items():
        if isinstance(entries, Unknown):
            results.append(entries)
            continue
        if not isinstance(entries, Mapping):
            continue
        for key, values in entries.items():
            for op, name, value in wanted:
                if str(operator).lower() == op and str(key).lower() == name:
                    results.append(_values_are(values, value))
        if isinstance(entries, PartialDict):
            results.append(entries.rest)
    if isinstance(condition, PartialDict):
        results.append(condition.rest)
    return any_of(results)


def _values_are(values: Any, wanted: str | None) -> Truth:
    items = as_items(values)
    if isinstance(items, Unknown):
        return items
    if not items:
        return False
    return all_of(v if isinstance(v, Unknown) else (wanted is None or str(v).strip().lower() == wanted)
                  for v in items)


def _resources(statement: Mapping[str, Any]) -> list[Any] | Unknown:
    if "NotResource" in statement:
        return ["*"]  # everything but a few resources: read as everything
    return as_items(statement.get("Resource"))


def _is_whole(resource: Any) -> Truth:
    return resource if isinstance(resource, Unknown) else str(resource).strip() in _WHOLE


def _may_be_iam(resources: list[Any] | Unknown) -> Truth:
    """May one of these resource patterns name an IAM user, group, role or policy?"""
    if isinstance(resources, Unknown):
        return resources
    return any_of(r if isinstance(r, Unknown) else _iam_service(str(r)) for r in resources)


def _iam_service(resource: str) -> bool:
    """An ARN pattern whose service is ``iam`` or a wildcard (or anything not an ARN: ``*``)."""
    parts = resource.strip().split(":")
    if len(parts) < 3 or parts[0].lower() != "arn":
        return True
    return matches(parts[2], "iam") or "${" in parts[2]


def _unknown(value: Any, element: str) -> Unknown:
    if isinstance(value, Unknown):
        return Unknown(f"{element}: {value.reason}", value.origin, value.error)
    return Unknown(f"{element} holds {value!r}, not an action name")


def statement_facts(document: Any) -> list[Any] | Unknown:
    """The ``statements`` fact of ``aws.iam.policy`` for a parsed document (unknown where it cannot
    be seen): per statement its Sid, Effect, Action/NotAction/Resource lists, and whether it is
    admin-equivalent and requires MFA."""
    found = statements(document)
    if isinstance(found, Unknown):
        return found
    return [_statement(s, found) for s in found]


def _statement(statement: Any, policy: list[Any]) -> Any:
    if isinstance(statement, Unknown):
        return statement if statement.spread or statement.candidates else _spread(statement)
    if not isinstance(statement, Mapping):
        return Unknown(f"a statement that is not an object: {statement!r}")
    return {
        "sid": statement.get("Sid"),
        "effect": statement.get("Effect", Unknown("a statement without an Effect")),
        "actions": _elements(statement, "Action"),
        "not_actions": _elements(statement, "NotAction"),
        "resources": _elements(statement, "Resource"),
        "admin_equivalent": admin_equivalent(statement),
        "requires_mfa": requires_mfa(statement, policy),
    }


def _elements(statement: Mapping[str, Any], key: str) -> Any:
    if key not in statement:
        return None
    items = as_items(statement[key])
    return [_spread(items)] if isinstance(items, Unknown) else items


def _spread(unknown: Unknown) -> Unknown:
    return Unknown(unknown.reason, unknown.origin, unknown.error, (), True, unknown.partial, unknown.symbol)


# --- role trust ------------------------------------------------------------------------------------

_ASSUME = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")


def assumable_without_mfa(trust: Any) -> Truth:
    """Can a person (an AWS account, user or role, or anyone) assume the role whose trust policy
    is ``trust`` without MFA? Services cannot use MFA and are not people; federated sign-in
    (SAML, OIDC) enforces MFA at the identity provider, which AWS does not see: unknown."""
    found = statements(trust)
    if isinstance(found, Unknown):
        return found
    return any_of(_assumable(s) for s in found)


def _assumable(statement: Any) -> Truth:
    if isinstance(statement, Unknown):
        return statement
    if not isinstance(statement, Mapping):
        return False
    effect = statement.get("Effect")
    if isinstance(effect, Unknown):
        return effect
    if effect != "Allow":
        return False
    if "NotAction" not in statement:
        actions = as_items(statement.get("Action"))
        if isinstance(actions, Unknown):
            return actions
        hit = any_of(a if isinstance(a, Unknown) else any(matches(str(a), x) for x in _ASSUME) for a in actions)
        if hit is not True:
            return hit
    kinds = _principals(statement.get("Principal"))
    if isinstance(kinds, Unknown):
        return kinds
    people = kinds - {"service"}
    if not people:
        return False
    mfa = _condition_requires_mfa(statement.get("Condition"))
    if people == {"federated"}:
        return Unknown("the role is assumed through federated sign-in: MFA is enforced by the identity provider, "
                       "which the trust policy does not show")
    return mfa if isinstance(mfa, Unknown) else not mfa


def _principals(principal: Any) -> set[str] | Unknown:
    if isinstance(principal, Unknown):
        return principal
    if principal == "*":
        return {"anyone"}
    if not isinstance(principal, Mapping):
        return set()
    kinds: set[str] = set()
    for kind, values in principal.items():
        if isinstance(values, Unknown):
            return values
        name = str(kind).lower()
        kinds.add("service" if name == "service" else "federated" if name == "federated" else "account")
    if isinstance(principal, PartialDict):
        return principal.rest if "account" not in kinds else kinds
    return kinds
