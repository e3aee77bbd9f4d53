"""Reading AWS policy documents the same way for Terraform and for the live collectors.

A document is JSON-like data: parsed from the JSON ``GetBucketPolicy`` returns, or a Terraform value
(a rendered ``jsonencode``/heredoc/``aws_iam_policy_document``, or what is known of one that is not
wholly known: see :func:`document_of`). Unknown parts stay :class:`~scanner.facts.values.Unknown`
and every question asked of a statement answers ``True``, ``False`` or the ``Unknown`` that keeps it
from being decided (Kleene logic, as the rule engine).

The one reading of an S3 bucket policy (facts ``policy`` and ``policy_status`` of ``aws.s3.bucket``)
is :func:`scanner.bucketpolicy.bucket_policy_facts`, built on these helpers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from scanner.facts.logic import Truth, all_of, any_of
from scanner.facts.values import PartialDict, Unknown

__all__ = ["as_list", "condition_values", "conditions", "document_of", "effect_is", "everyone", "has",
           "statements"]


def as_list(value: Any) -> list[Any]:
    """A policy element that may be a single value or a list, as a list (None is ``[]``)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def condition_values(statement: Mapping[str, Any], operators: tuple[str, ...], key: str) -> Iterator[Any]:
    """Values of condition ``key`` under any of ``operators`` (both compared case-insensitively)."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return
    wanted = {o.lower() for o in operators}
    for op, entries in condition.items():
        if op.lower() in wanted and isinstance(entries, dict):
            for name, value in entries.items():
                if name.lower() == key.lower():
                    yield from as_list(value)


# --- documents ------------------------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{[^{}]*\}")
_TOKEN = "@@pacscan-interpolation-{}@@"
_TOKENS = re.compile(r"@@pacscan-interpolation-(\d+)@@")


def document_of(value: Any) -> Any:
    """A Terraform policy argument as a document: the parsed JSON; for an unknown value, what is
    known of it (``partial``: a ``jsonencode`` or ``aws_iam_policy_document`` with unknown parts),
    or the JSON template its ``symbol`` names with each ``${...}`` part an unknown string that keeps
    the interpolation as its symbol (a heredoc naming ``${aws_s3_bucket.b.arn}``); else the Unknown.
    None is "no policy"."""
    if value is None:
        return None
    if isinstance(value, Unknown):
        if isinstance(value.partial, str):
            return document_of(value.partial)
        if value.partial is not None:
            return value.partial
        if value.symbol and "${" in value.symbol and not value.candidates:
            return _template(value)
        return value
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as err:
            return Unknown(f"the policy is not valid JSON: {err}")
    if isinstance(value, Mapping):
        return value
    return Unknown(f"not a policy document: {str(value)[:60]}")


def _template(value: Unknown) -> Any:
    assert value.symbol is not None
    parts = _INTERPOLATION.findall(value.symbol)
    text = _INTERPOLATION.sub(lambda m: _TOKEN.format(parts.index(m.group(0))), value.symbol)
    try:
        parsed = json.loads(text)
    except ValueError:
        return value  # an interpolation outside a JSON string: nothing to read

    def restore(node: Any) -> Any:
        if isinstance(node, str) and _TOKENS.search(node):
            symbol = _TOKENS.sub(lambda m: parts[int(m.group(1))], node)
            return Unknown(value.reason, value.origin, value.error, symbol=symbol)
        if isinstance(node, dict):
            return {restore(k) if not _TOKENS.search(k) else k: restore(v) for k, v in node.items()}
        if isinstance(node, list):
            return [restore(v) for v in node]
        return node

    return restore(parsed)


def statements(document: Any) -> list[Any] | Unknown:
    """The document's statements (a single statement object counts as a list of one); an element
    may be an Unknown (statements nobody could see)."""
    if isinstance(document, Unknown):
        return document
    if not isinstance(document, Mapping):
        return Unknown(f"not a policy document: {str(document)[:60]}")
    raw = document.get("Statement")
    if raw is None:
        return document.rest if isinstance(document, PartialDict) else []
    if isinstance(raw, Unknown):
        return raw
    items = raw if isinstance(raw, list) else [raw]
    return [s if isinstance(s, Mapping | Unknown) else Unknown(f"not a policy statement: {str(s)[:60]}")
            for s in items]


# --- one statement ---------------------------------------------------------------------------------


def _text_is(value: Any, *wanted: str) -> Truth:
    if isinstance(value, Unknown):
        return value
    return isinstance(value, str) and value.lower() in wanted


def effect_is(statement: Mapping[str, Any], wanted: str) -> Truth:
    return _text_is(statement.get("Effect"), wanted.lower())


def has(values: Any, *wanted: str) -> Truth:
    """Some element equals one of ``wanted`` (case-insensitively); unknown when none known does and
    an element (or the whole value) is unknown."""
    if isinstance(values, Unknown):
        return values
    return any_of(_text_is(v, *wanted) for v in as_list(values))


def everyone(principal: Any) -> Truth:
    """``"*"``, ``{"AWS": "*"}`` (or a list holding ``"*"``), or a principal block of type ``*``/``AWS``
    with identifier ``*`` (an ``aws_iam_policy_document`` not wholly known keeps its blocks)."""
    if principal is None:
        return False
    if isinstance(principal, Unknown | str):
        return has(principal, "*")
    if isinstance(principal, list):
        return any_of(_block_everyone(b) for b in principal)
    if isinstance(principal, Mapping):
        parts = [has(ids, "*") for kind, ids in principal.items() if kind in ("AWS", "*")]
        if isinstance(principal, PartialDict):
            parts.append(principal.rest)
        return any_of(parts)
    return False


def _block_everyone(block: Any) -> Truth:
    if isinstance(block, Unknown):
        return block
    if not isinstance(block, Mapping):
        return False
    return all_of([_text_is(block.get("type"), "*", "aws"), has(block.get("identifiers"), "*")])


Condition = tuple[str, str, list[Any]]  # (operator, key, values: unknown ones may stand for several)


def conditions(statement: Mapping[str, Any]) -> list[Condition | Unknown]:
    """The statement's condition entries, one per operator and key: ``{"Bool": {"aws:SecureTransport":
    "false"}}`` as written, or ``condition`` blocks (``test``, ``variable``, ``values``) of a
    partially known ``aws_iam_policy_document``. An entry nobody could see is an Unknown."""
    raw = statement.get("Condition")
    if raw is None:
        return []
    if isinstance(raw, Unknown):
        return [raw]
    out: list[Condition | Unknown] = []
    if isinstance(raw, Mapping):
        for op, entries in raw.items():
            if isinstance(entries, Unknown):
                out.append(entries)
            elif isinstance(entries, Mapping):
                out += [(str(op), str(key), _values(value)) for key, value in entries.items()]
                if isinstance(entries, PartialDict):
                    out.append(entries.rest)
            else:
                out.append(Unknown(f"condition {op} is not a map of keys"))
        if isinstance(raw, PartialDict):
            out.append(raw.rest)
        return out
    if isinstance(raw, list):
        for block in raw:
            test = block.get("test") if isinstance(block, Mapping) else block
            variable = block.get("variable") if isinstance(block, Mapping) else block
            if isinstance(test, Unknown):
                out.append(test)
            elif isinstance(variable, Unknown):
                out.append(variable)
            elif isinstance(block, Mapping):
                out.append((str(test), str(variable), _values(block.get("values"))))
            else:
                out.append(Unknown(f"not a condition: {str(block)[:60]}"))
        return out
    return [Unknown(f"not a condition: {str(raw)[:60]}")]


def _values(value: Any) -> list[Any]:
    """Condition values as a list. An unknown value is one element when it names a single attribute
    of a resource (its symbol, no splat: ``aws_vpc_endpoint.s3.id``), else zero or more elements."""
    if isinstance(value, Unknown):
        single = value.symbol is not None and "*" not in value.symbol and not value.candidates
        return [value if single else Unknown(value.reason, value.origin, value.error, spread=True)]
    return as_list(value)
