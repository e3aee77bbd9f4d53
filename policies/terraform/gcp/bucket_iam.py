"""A bucket's IAM policy as Terraform declares it: ``iam`` = ``{members, bindings}`` as live
(:func:`resource_iam` reads the same three resource types of any other GCP resource: Healthcare
datasets and DICOM stores, Pub/Sub topics, BigQuery datasets).

Three resource types grant on a bucket, each naming it in ``bucket`` (a reference to the bucket
or its literal name, ``b/NAME`` too): ``google_storage_bucket_iam_member`` (one ``member``),
``google_storage_bucket_iam_binding`` (``members`` of one role) and
``google_storage_bucket_iam_policy`` (the whole policy, ``policy_data`` from a
``data "google_iam_policy"``, whose ``binding`` blocks are read, or from ``jsonencode``).

A grant that may or may not apply (its ``bucket`` is not known and nothing ties it elsewhere, or
its own ``count`` is not known), or that an authoritative ``_iam_policy`` of the same bucket
replaces (the two fight: the policy configured twice), adds an unknown member when it could grant
the public (a public member, or members not known): it never lets the bucket pass, and never makes
it fail. A member list that is not known (``var.members``) is an unknown member.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from policies.terraform.gcp.common import located
from policies.terraform.index import Index
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

TYPES = ("google_storage_bucket_iam_member", "google_storage_bucket_iam_binding", "google_storage_bucket_iam_policy")
PUBLIC = frozenset({"allusers", "allauthenticatedusers"})


def bucket_iam(index: Index, bucket: TfInstance, name: Any) -> tuple[dict[str, Any], list[TfInstance]]:
    """(the ``iam`` fact, the grants certainly configuring it)."""
    identities: list[Any] = [name, f"b/{name}"] if isinstance(name, str) else [name]
    return resource_iam(index, bucket, TYPES, "bucket", identities, "bucket")


def resource_iam(index: Index, parent: TfInstance, types: tuple[str, ...], via: str, identities: list[Any],
                 what: str) -> tuple[dict[str, Any], list[TfInstance]]:
    """``{members, bindings}`` of the ``<x>_iam_member`` / ``_iam_binding`` / ``_iam_policy``
    resources (``types``) naming ``parent`` in ``via``, and the grants certainly configuring it.
    ``what`` names the parent in the reasons (``bucket``, ``dataset``)."""
    linked = index.children(parent, types, via, identities)
    bindings: list[Any] = []
    unseen: list[Unknown] = []
    policies = [g for g in linked.certain if g.type.endswith("_iam_policy")]
    for grant in linked.certain:
        found = grant_bindings(index, grant)
        fights = [p for p in policies if p is not grant]
        if grant.exists is None and not fights:
            bindings += found
        elif could_be_public(found) and grant.exists is not None:
            unseen.append(Unknown(f"{located(grant)} grants {public_text(found)} if it exists: "
                                  f"{grant.exists.reason}", grant.exists.origin, spread=True))
        elif could_be_public(found):
            unseen.append(Unknown(f"{located(grant)} grants {public_text(found)}, and the authoritative "
                                  f"{located(fights[0])} replaces the whole policy: which one holds depends on "
                                  f"the order they are applied in", spread=True))
    for grant in linked.possible:
        found = grant_bindings(index, grant)
        if could_be_public(found):
            unseen.append(Unknown(f"{located(grant)} grants {public_text(found)} on a {what} that may be this "
                                  f"one: its {what} is not known", spread=True))
    members: list[Any] = []
    for binding in bindings:
        if isinstance(binding, Unknown):
            members.append(binding)
            continue
        raw = binding["members"]
        members += raw if isinstance(raw, list) else [Unknown(raw.reason, raw.origin, raw.error, spread=True)]
    known = sorted({canonical(m) for m in members if isinstance(m, str)})
    others = [m for m in members if not isinstance(m, str)]
    return {"members": known + others + unseen, "bindings": bindings + unseen}, list(linked.certain)


def grant_bindings(index: Index, grant: TfInstance) -> list[Any]:
    """``[{role, members, condition}]`` a grant adds (an unknown item where it cannot be read)."""
    attrs = grant.attrs
    if grant.type.endswith("_iam_member"):
        member = attrs.get("member")
        members = [member] if not isinstance(member, Unknown) else [_spread(member)]
        return [{"role": attrs.get("role"), "members": members, "condition": _condition(attrs)}]
    if grant.type.endswith("_iam_binding"):
        return [{"role": attrs.get("role"), "members": _members(attrs.get("members")), "condition": _condition(attrs)}]
    return policy_bindings(index, grant)


def policy_bindings(index: Index, grant: TfInstance) -> list[Any]:
    data = grant.attrs.get("policy_data")
    if isinstance(data, str):
        try:
            parsed = json.loads(data)
        except ValueError:
            return [Unknown(f"{located(grant)}: policy_data is not JSON")]
        raw = parsed.get("bindings") if isinstance(parsed, dict) else None
        if not isinstance(raw, list):
            return [] if isinstance(parsed, dict) and raw is None else [Unknown(f"{located(grant)}: no bindings list")]
        return [_binding(b) for b in raw]
    if isinstance(data, Unknown):
        sources = index.referenced(grant, "policy_data", "google_iam_policy")
        if len(sources) == 1 and sources[0].mode == "data" and data.symbol == f"{sources[0].address}.policy_data":
            return [_binding(b) for b in _blocks(sources[0].attrs.get("binding"))]
        return [Unknown(f"{located(grant)}: policy_data is not known: {data.reason}", data.origin, data.error,
                        spread=True)]
    return [Unknown(f"{located(grant)}: policy_data has no value")]


def _blocks(raw: Any) -> list[Any]:
    if raw is None:
        return []
    if isinstance(raw, Unknown):
        return [_spread(raw)]
    return list(raw) if isinstance(raw, list) else [raw]


def _binding(raw: Any) -> Any:
    if isinstance(raw, Unknown):
        return _spread(raw)
    if not isinstance(raw, dict):
        return Unknown(f"not an IAM binding: {raw!r}")
    return {"role": raw.get("role"), "members": _members(raw.get("members")), "condition": _condition(raw)}


def _members(raw: Any) -> Any:
    if isinstance(raw, Unknown):
        return [_spread(raw)]
    if raw is None:
        return []
    return [_spread(m) if isinstance(m, Unknown) else m for m in raw] if isinstance(raw, list | tuple) else [raw]


def _condition(attrs: dict[str, Any] | Any) -> Any:
    condition = attrs.get("condition") if isinstance(attrs, dict) else None
    if isinstance(condition, list):
        condition = condition[0] if condition else None
    if isinstance(condition, dict):
        return condition.get("expression")
    return condition


def canonical(member: str) -> str:
    """``allusers`` as IAM spells it (``allUsers``); other members as written."""
    spelled = {"allusers": "allUsers", "allauthenticatedusers": "allAuthenticatedUsers"}
    return spelled.get(member.strip().lower(), member)


def _spread(raw: Unknown) -> Unknown:
    return Unknown(raw.reason, raw.origin, raw.error, raw.candidates, True)


def could_be_public(bindings: Iterable[Any]) -> bool:
    for binding in bindings:
        if isinstance(binding, Unknown):
            return True
        for member in binding["members"]:
            if not isinstance(member, str) or member.strip().lower() in PUBLIC:
                return True
    return False


def public_text(bindings: Iterable[Any]) -> str:
    shown = []
    for binding in bindings:
        if isinstance(binding, Unknown):
            shown.append("bindings not known")
            continue
        for member in binding["members"]:
            shown.append(member if isinstance(member, str) else "members not known")
    return ", ".join(dict.fromkeys(shown))
