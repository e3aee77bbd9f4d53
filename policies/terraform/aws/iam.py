"""``aws.iam.policy`` from Terraform: IAM policy documents, statement by statement.

Documents: ``aws_iam_policy`` (``managed``), ``aws_iam_user_policy`` (``user``),
``aws_iam_group_policy`` (``group``), ``aws_iam_role_policy`` and ``aws_iam_role``'s
``inline_policy`` blocks (``role``). A ``policy`` is JSON text (``jsonencode``, a heredoc,
``file``, a ``data "aws_iam_policy_document"``'s ``json``, which the evaluator renders); where part
of it is not known the evaluator hands the document as far as it is known (``partial``), so a
known admin statement still fails and an unknown statement stays unknown. Each statement's
``admin_equivalent`` and ``requires_mfa`` are read by :mod:`scanner.iam_privilege`.

A role's inline policy matters for people who assume the role: ``role_assumable_without_mfa`` reads
the trust policy (``assume_role_policy``) of the ``aws_iam_role`` it names: false when only
services may assume it or every person must use MFA, unknown when the role is not declared here
or is assumed through federated sign-in.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import blocks, resource
from policies.terraform.aws.common import identifier, located
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance
from scanner.iam_privilege import assumable_without_mfa, statement_facts

KIND = "aws.iam.policy"
_ATTACHED = {"aws_iam_policy": "managed", "aws_iam_user_policy": "user", "aws_iam_group_policy": "group",
             "aws_iam_role_policy": "role"}
_PRINCIPAL_ARGUMENT = {"user": "user", "group": "group", "role": "role"}


def iam_policies(index: Index) -> list[Resource]:
    out: list[Resource] = []
    for instance in index.of_type(*_ATTACHED):
        attached = _ATTACHED[instance.type]
        trust = _trust(index, instance) if attached == "role" else None
        principal = identifier(instance, _PRINCIPAL_ARGUMENT[attached]) if attached != "managed" else None
        out.append(_policy(instance, attached, instance.attrs.get("policy"), instance.attrs.get("name"), principal,
                           trust))
    for role in index.of_type("aws_iam_role"):
        for position, inline in enumerate(blocks(role.attrs, "inline_policy")):
            if not isinstance(inline, Mapping):
                continue  # an unseen inline policy: nothing to judge, and nothing passes
            found = _policy(role, "role", inline.get("policy"), inline.get("name"), role.attrs.get("name"),
                            document(role.attrs.get("assume_role_policy")))
            name = inline.get("name")
            key = f'"{name}"' if isinstance(name, str) else str(position)
            out.append(dataclasses.replace(found, id=f"{role.address}.inline_policy[{key}]"))
    return out


def document(value: Any) -> Any:
    """A policy argument as a document: parsed JSON text, the known part of an unknown document,
    or an unknown."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return Unknown(f"not a JSON policy document: {value[:60]!r}")
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Mapping):
        return value
    return Unknown("no policy document" if value is None else f"not a policy document: {value!r}")


def _trust(index: Index, policy: TfInstance) -> Any:
    roles = index.referenced(policy, "role", "aws_iam_role")
    name = policy.attrs.get("role")
    if not roles and isinstance(name, str):
        roles = [r for r in index.of_type("aws_iam_role") if name in (r.attrs.get("name"), r.attrs.get("id"))]
    if len(roles) != 1:
        return Unknown(f"the role {policy.address} is attached to is not declared in this configuration: who may "
                       f"assume it is not known")
    return document(roles[0].attrs.get("assume_role_policy"))


def _policy(instance: TfInstance, attached: str, policy: Any, name: Any, principal: Any, trust: Any) -> Resource:
    facts = {
        "policy_name": name,
        "attached_to": attached,
        "principal": principal,
        "statements": statement_facts(document(policy)),
        "role_assumable_without_mfa": None if trust is None else assumable_without_mfa(trust),
    }
    origins = {key: located(instance) for key in facts}
    return resource(KIND, instance, facts, name=name if isinstance(name, str) else None,
                    tags=instance.attrs.get("tags"), origins=origins,
                    traced={"statements": ("policy", "inline_policy"),
                            "role_assumable_without_mfa": ("role", "assume_role_policy")})
