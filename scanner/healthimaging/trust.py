"""Who outside the account may assume a role: the exposure half of the ``external_access`` fact
(:mod:`scanner.healthimaging.access` has the grants half), the same reading for Terraform documents
and the live account's.

**Exposure** (:func:`trust_exposure`): an ``Allow`` of ``sts:AssumeRole[WithSAML|WithWebIdentity]``
in the role's trust policy to

* everyone (``"*"``, ``{"AWS": "*"}``, a ``NotPrincipal``): ``public``, unless a condition pins the
  caller to fixed values of a key AWS accepts as non-public (``aws:PrincipalOrgID``,
  ``aws:PrincipalAccount``, ``aws:SourceIp``... as :func:`scanner.bucketpolicy.grants_everyone`
  reads it); pinned, it is still ``cross_account`` unless pinned to this account's id;
* an AWS account, or a user or role of one (``123456789012``, ``arn:aws:iam::123456789012:root``):
  ``cross_account`` when that is not the data store's account (unknown when the account is not known,
  as in Terraform, unless the value is this account by construction: ``own``);
* a web identity (OIDC or public identity providers) with no condition on who signs in
  (``<provider>:sub``, or ``:aud`` for other providers than GitHub, with values other than ``*``):
  ``public``; a SAML provider is the account's own sign-in: neither;
* an AWS service: neither (it acts for the account).

A ``Deny`` of those actions with no condition, to everyone, means nobody may assume the role; a
``Deny`` whose condition is on who the caller is or where from (``aws:PrincipalOrgID``,
``aws:SourceIp``...) may narrow who may: what it would allow becomes unknown. A ``Deny`` on anything
else (no MFA, a time) refuses some requests, not some callers: outsiders still get in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.bucketpolicy import grants_everyone
from scanner.facts.logic import Truth, all_of, any_of, negate
from scanner.facts.values import PartialDict, Unknown
from scanner.healthimaging.access import covers_actions, entries
from scanner.iam_privilege import as_items
from scanner.policydoc import conditions, effect_is, statements

_ASSUME = ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity")
_ACCOUNT = re.compile(r"^(?:(\d{12})|arn:aws[\w-]*:(?:iam|sts)::(\d{12}):.*)$")
_ACCOUNT_PINS = ("aws:principalaccount", "aws:sourceaccount")
_STRING_OPS = ("stringequals", "stringlike", "stringequalsignorecase", "forallvalues:stringequals",
               "forallvalues:stringlike", "foranyvalue:stringequals", "foranyvalue:stringlike")
#: web identity providers whose ``aud`` is the same for everyone: only ``sub`` says who signs in
_SUB_ONLY = ("token.actions.githubusercontent.com",)

#: does an unknown principal value name this very account (Terraform: the caller identity's
#: account id, a role or user of the configuration)?
OwnTest = Callable[[Unknown], bool]


@dataclass
class Exposure:
    """Who outside the account a trust policy (or a statement naming a principal) lets in."""

    principals: list[Any] = field(default_factory=list)
    public: Truth = False
    cross_account: Truth = False

    @property
    def external(self) -> Truth:
        return any_of([self.public, self.cross_account])


# --- exposure ------------------------------------------------------------------------------------


def trust_exposure(trust: Any, own_account: str | Unknown, own: OwnTest = lambda _u: False) -> Exposure:
    """Who may assume the role whose trust policy is ``trust`` (see the module docstring)."""
    found = statements(trust)
    if isinstance(found, Unknown):
        why = Unknown(f"the trust policy is not known: {found.reason}", found.origin, found.error)
        return Exposure([why], why, why)
    out = Exposure()
    publics: list[Truth] = []
    crosses: list[Truth] = []
    narrowing: list[Truth] = []
    for statement in found:
        if isinstance(statement, Unknown) or not isinstance(statement, Mapping):
            why = statement if isinstance(statement, Unknown) else Unknown("a trust statement is not an object")
            out.principals.append(why)
            publics.append(why)
            crosses.append(why)
            continue
        assumes = covers_actions(statement, _ASSUME)
        denied = all_of([effect_is(statement, "deny"), assumes, _narrows_who(statement)])
        if denied is not False:
            narrowing.append(denied)
        allowed = all_of([effect_is(statement, "allow"), assumes])
        if allowed is not False:
            seen = principal_exposure(statement, own_account, own)
            out.principals += seen.principals
            publics.append(all_of([allowed, seen.public]))
            crosses.append(all_of([allowed, seen.cross_account]))
    out.public, out.cross_account = any_of(publics), any_of(crosses)
    deny = any_of(narrowing)
    if deny is not False:
        total = any_of(_blanket_deny(s) for s in found if isinstance(s, Mapping))
        if total is True:
            return Exposure(out.principals, False, False)
        why = Unknown("a Deny statement of the trust policy may narrow who can assume the role")
        out.public = why if out.public is True else out.public
        out.cross_account = why if out.cross_account is True else out.cross_account
    return out


#: condition keys that say who the caller is (or where from): a Deny on them narrows who may assume
_WHO_KEYS = frozenset({
    "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn", "aws:principaltype",
    "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourceowner", "aws:userid",
    "aws:username", "aws:sourceidentity", "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce",
})


def _narrows_who(statement: Mapping[str, Any]) -> Truth:
    """Does the (Deny) statement apply to some callers only, by who they are or where they come from?
    Without a condition it applies to everyone it names; a condition on anything else (MFA, time,
    TLS) refuses some requests, not some callers."""
    found = conditions(statement)
    if not found:
        return True
    return any_of(e if isinstance(e, Unknown) else (e[1].lower() in _WHO_KEYS
                                                    or e[1].lower().startswith("aws:principaltag/"))
                  for e in found)


def _blanket_deny(statement: Mapping[str, Any]) -> Truth:
    if "Condition" in statement or "NotPrincipal" in statement:
        return False
    return all_of([effect_is(statement, "deny"), _everyone(statement.get("Principal")),
                   covers_actions(statement, _ASSUME)])


def principal_exposure(statement: Mapping[str, Any], own_account: str | Unknown,
                       own: OwnTest = lambda _u: False) -> Exposure:
    """Whom the statement's ``Principal``/``NotPrincipal`` names, as public / another account."""
    if "NotPrincipal" in statement:
        return _everyone_exposure(statement, own_account, "everyone but the NotPrincipal")
    principal = statement.get("Principal")
    if principal is None:
        return Exposure()
    if isinstance(principal, Unknown):
        return Exposure([principal], principal, principal)
    if principal == "*":
        return _everyone_exposure(statement, own_account, "*")
    parts: list[Exposure] = []
    if isinstance(principal, list):  # principal blocks of a partly known aws_iam_policy_document
        for block in principal:
            if isinstance(block, Mapping):
                parts.append(_kind(statement, str(block.get("type")), block.get("identifiers"), own_account, own))
            else:
                why = block if isinstance(block, Unknown) else Unknown(f"not a principal: {str(block)[:60]}")
                parts.append(Exposure([why], why, why))
    elif isinstance(principal, Mapping):
        for kind, values in principal.items():
            parts.append(_kind(statement, str(kind), values, own_account, own))
        if isinstance(principal, PartialDict):
            rest = principal.rest
            parts.append(Exposure([rest], rest, rest))
    else:
        why = Unknown(f"not a principal: {str(principal)[:60]}")
        parts.append(Exposure([why], why, why))
    return Exposure([p for e in parts for p in e.principals], any_of(e.public for e in parts),
                    any_of(e.cross_account for e in parts))


def _kind(statement: Mapping[str, Any], kind: str, values: Any, own_account: str | Unknown,
          own: OwnTest) -> Exposure:
    items = entries(values)
    if isinstance(items, Unknown):  # principals nobody could see
        items = [Unknown(items.reason, items.origin, items.error, spread=True)]
    name = kind.lower()
    if name in ("aws", "*"):
        parts = [_aws_principal(statement, v, own_account, own) for v in items]
    elif name == "federated":
        parts = [_federated(statement, v) for v in items]
    else:  # Service, CanonicalUser: AWS acting for the account
        return Exposure()
    return Exposure([p for e in parts for p in e.principals], any_of(e.public for e in parts),
                    any_of(e.cross_account for e in parts))


def _everyone(principal: Any) -> Truth:
    if isinstance(principal, Unknown):
        return principal
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any_of(_is_star(v) for k, v in principal.items() if str(k).upper() in ("AWS", "*"))
    return False


def _is_star(values: Any) -> Truth:
    items = as_items(values)
    if isinstance(items, Unknown):
        return items
    return any_of(v if isinstance(v, Unknown) else str(v).strip() == "*" for v in items)


def _everyone_exposure(statement: Mapping[str, Any], own_account: str | Unknown, shown: str) -> Exposure:
    """Everyone, unless a condition pins the caller: then another account's, unless it is pinned to
    this account (``aws:PrincipalAccount``/``aws:SourceAccount``)."""
    public = grants_everyone({**statement, "Effect": "Allow"})
    if public is True:
        return Exposure([shown], True, True)
    pinned = [_account_of(v) for v in _pinned_accounts(statement)]
    if pinned and all(isinstance(p, str) for p in pinned):
        cross = any_of(_other_account(str(p), own_account) for p in pinned)
    else:
        cross = Unknown(f"{shown} restricted by a condition to callers that may belong to other accounts "
                        "(an organisation, an IP range, a VPC endpoint)")
    if isinstance(public, Unknown):
        return Exposure([shown], public, any_of([public, cross]))
    return Exposure([shown], False, cross)


def _pinned_accounts(statement: Mapping[str, Any]) -> list[Any]:
    out: list[Any] = []
    for entry in conditions(statement):
        if isinstance(entry, Unknown):
            continue
        op, key, values = entry
        if key.lower() in _ACCOUNT_PINS and op.lower() in ("stringequals", "arnequals"):
            out += values
    return out


def _account_of(value: Any) -> str | Unknown:
    if isinstance(value, Unknown):
        return value
    match = _ACCOUNT.match(str(value).strip())
    if match is None:
        return Unknown(f"no account id in principal {str(value)[:80]}")
    return match.group(1) or match.group(2)


def _other_account(account: str, own_account: str | Unknown) -> Truth:
    if isinstance(own_account, Unknown):
        return Unknown(f"whether account {account} is the data store's own account is not known: "
                       f"{own_account.reason}", own_account.origin, own_account.error)
    return account != own_account


def _aws_principal(statement: Mapping[str, Any], value: Any, own_account: str | Unknown,
                   own: OwnTest) -> Exposure:
    if isinstance(value, Unknown):
        if own(value):
            return Exposure([value.symbol or value.reason])
        why = Unknown(f"principal not known: {value.reason}", value.origin, value.error)
        return Exposure([value], why, why)
    text = str(value).strip()
    if text == "*":
        return _everyone_exposure(statement, own_account, "*")
    account = _account_of(text)
    if isinstance(account, Unknown):
        return Exposure([text], False, account)
    return Exposure([text], False, _other_account(account, own_account))


def _federated(statement: Mapping[str, Any], value: Any) -> Exposure:
    text = value.symbol or "" if isinstance(value, Unknown) else str(value).strip()
    provider = text.rpartition(":oidc-provider/")[2] if ":oidc-provider/" in text else ""
    if isinstance(value, Unknown) and ":saml-provider/" not in text and (not provider or "${" in provider):
        why = Unknown(f"federated principal not known: {value.reason}", value.origin, value.error)
        return Exposure([value], why, False)
    if ":saml-provider/" in text:
        return Exposure([text])
    host = text.split(":oidc-provider/", 1)[1] if ":oidc-provider/" in text else text
    return Exposure([text], negate(_restricted(statement, host.lower())), False)


def _restricted(statement: Mapping[str, Any], host: str) -> Truth:
    """Does a condition say who may sign in through the web identity provider ``host``?"""
    keys = (f"{host}:sub",) if host in _SUB_ONLY else (f"{host}:sub", f"{host}:aud")
    found: list[Truth] = []
    for entry in conditions(statement):
        if isinstance(entry, Unknown):
            found.append(entry)
            continue
        op, key, values = entry
        if key.lower() not in keys or op.lower() not in _STRING_OPS or not values:
            continue
        found.append(all_of(v if isinstance(v, Unknown) else str(v).strip() not in ("*", "") for v in values))
    if host == "cognito-identity.amazonaws.com" and _unauthenticated(statement):
        return False
    return any_of(found)


def _unauthenticated(statement: Mapping[str, Any]) -> bool:
    return any(not isinstance(entry, Unknown) and entry[1].lower() == "cognito-identity.amazonaws.com:amr"
               and any(isinstance(v, str) and "unauthenticated" in v.lower() for v in entry[2])
               for entry in conditions(statement))
