"""Policy documents read from JSON (``source_policy_documents``/``override_policy_documents``)
and the provider's merge rule; see :mod:`scanner.iac.hcl.iam`."""

from __future__ import annotations

import json
from typing import Any

from scanner.facts.values import Unknown

_LISTS = ("Action", "NotAction", "Resource", "NotResource")


class DocumentError(ValueError):
    """A document the provider refuses."""


def given(value: Any) -> bool:
    """Set to something: not null, empty string or empty collection (an unknown counts as set)."""
    return isinstance(value, Unknown) or value not in (None, "", [], {})


def or_default(value: Any, default: Any) -> Any:
    return value if given(value) else default


def parse_document(value: Any) -> dict[str, Any]:
    """A JSON policy (a string, or the partial value of an unknown one) as the provider reads it:
    ``Version``, ``Id`` and ``Statement`` (which must be a list), other keys dropped."""
    if isinstance(value, Unknown):
        if isinstance(value.partial, dict):
            return parse_document(value.partial)
        return {"Version": "", "Id": "", "Statement": [Unknown(value.reason, value.origin, value.error, spread=True)]}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as err:
            raise DocumentError(f"a policy document is not valid JSON: {err.msg}") from None
    if not isinstance(value, dict):
        raise DocumentError("a policy document must be a JSON object")
    statements = value.get("Statement", [])
    if isinstance(statements, Unknown):
        statements = [Unknown(statements.reason, statements.origin, statements.error, spread=True)]
    if not isinstance(statements, list):
        raise DocumentError("Statement must be a list of statements")
    return {"Version": or_default(value.get("Version"), ""), "Id": or_default(value.get("Id"), ""),
            "Statement": [_statement(s) for s in statements]}


def _statement(raw: Any) -> Any:
    if isinstance(raw, Unknown):
        return raw
    if not isinstance(raw, dict):
        raise DocumentError("a statement must be an object")
    out: dict[str, Any] = {}
    for key in ("Sid", "Effect", *_LISTS):
        if given(raw.get(key)):
            out[key] = raw[key]
    for key in ("Principal", "NotPrincipal"):
        if given(raw.get(key)):
            out[key] = _principal(raw[key])
    if given(raw.get("Condition")):
        out["Condition"] = _condition(raw["Condition"])
    return out


def _principal(raw: Any) -> Any:
    if isinstance(raw, Unknown):
        return raw
    if raw == "*":
        return "*"
    if not isinstance(raw, dict):
        return Unknown("a principal written as a string other than \"*\" is not rendered by pacscan")
    if len(raw) == 1 and next(iter(raw)) == "*" and raw["*"] in ("*", ["*"]):
        return "*"
    out: dict[str, Any] = {}
    for type_ in sorted(raw):
        value = raw[type_]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[type_] = sorted(value, reverse=True)
        else:
            out[type_] = value
    return out


def _condition(raw: Any) -> Any:
    if isinstance(raw, Unknown) or not isinstance(raw, dict):
        return raw if isinstance(raw, Unknown) else Unknown("a Condition that is not an object")
    out: dict[str, Any] = {}
    for test in sorted(raw):
        variables = raw[test]
        if not isinstance(variables, dict):
            return Unknown(f"condition {test} is not an object")
        out[test] = {var: _condition_value(variables[var]) for var in sorted(variables)}
    return out


def _condition_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | Unknown) or (isinstance(value, list) and all(isinstance(v, str | Unknown)
                                                                              for v in value)):
        return value
    return Unknown(f"condition value {value!r} is not rendered by pacscan (not a string)")


def merge(doc: dict[str, Any], new: dict[str, Any]) -> None:
    """The provider's merge: a higher Version and a non-empty Id win; a statement with a
    non-empty Sid replaces the one with the same Sid in place, others are appended."""
    version = new["Version"]
    if given(version) and (isinstance(version, Unknown) or isinstance(doc["Version"], Unknown)
                           or version > doc["Version"]):
        doc["Version"] = version
    if given(new["Id"]):
        doc["Id"] = new["Id"]
    statements: list[Any] = doc["Statement"]
    for statement in new["Statement"]:
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        if isinstance(sid, str) and sid:
            index = next((i for i, s in enumerate(statements) if isinstance(s, dict) and s.get("Sid") == sid
                          and isinstance(s.get("Sid"), str)), None)
            if index is not None:
                statements[index] = statement
                continue
        statements.append(statement)
