"""Helpers shared by the AWS checks: reading Checkov's rendered config, spotting unresolved values,
finding connected resources in Checkov's graph, and reading IAM policy documents.

Checkov hands a check the resource as ``{attribute: [value]}``; nested blocks are lists of dicts in
the same shape. Anything Checkov could not render (``var.x``, ``${...}``, ``data.x.json``, a
reference to another resource) stays a string, and our checks must answer UNKNOWN for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from checkov.common.models.enums import CheckResult

_REFERENCE = re.compile(r"^(var|local|data|module|each|count|path|terraform)\.|\$\{|^aws_[a-z0-9_]+\.")


def first(conf: dict[str, Any], key: str) -> Any:
    """The single value of ``key`` in a Checkov config dict (unwrapping Checkov's one-element list)."""
    value = conf.get(key)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def blocks(conf: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The nested blocks named ``key`` (``[]`` when absent)."""
    value = conf.get(key)
    if not isinstance(value, list):
        return []
    out: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, dict):
            out.append(item)
        elif isinstance(item, list):
            out.extend(i for i in item if isinstance(i, dict))
    return out


def is_unresolved(value: Any) -> bool:
    """True for a value Checkov could not render (a variable, data source or resource reference)."""
    return isinstance(value, str) and bool(_REFERENCE.search(value.strip()))


def as_int(value: Any) -> int | None:
    """An integer from a rendered attribute, or None when it is missing or not a literal number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    return None


def as_bool(value: Any) -> bool | None:
    """A boolean from a rendered attribute (Checkov renders "false" as "False"), None if not literal."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def string_list(value: Any) -> list[Any]:
    """Flatten Checkov's nested lists (``[['a', 'b']]``) into one list."""
    if value is None:
        return []
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            out.extend(string_list(item))
        return out
    return [value]


@dataclass(frozen=True)
class Observation:
    """One observed fact: a human-readable description and the verdict it supports."""

    text: str
    result: CheckResult


def combine(observations: list[Observation], empty: CheckResult) -> CheckResult:
    """Worst of the observations: FAILED beats UNKNOWN beats PASSED; ``empty`` when there are none."""
    results = {o.result for o in observations}
    if not results:
        return empty
    for worst in (CheckResult.FAILED, CheckResult.UNKNOWN):
        if worst in results:
            return worst
    return CheckResult.PASSED


def _graph_nodes(graph: Any) -> list[tuple[int, dict[str, Any]]]:
    return [n for n in graph.nodes() if isinstance(n, tuple) and len(n) == 2 and isinstance(n[1], dict)]


def connected_resources(
    graph: Any, conf: dict[str, Any], resource_type: str, via: str
) -> list[dict[str, Any]] | None:
    """Resources of ``resource_type`` whose ``via`` attribute points at the resource ``conf``.

    A reference (``aws_s3_bucket.x.id``) matches by address; a literal string matches the parent's
    own ``bucket``/``name`` attribute. Returns None when Checkov gave the check no graph.
    """
    if graph is None:
        return None
    address = str(conf.get("__address__", ""))
    local = ".".join(address.split(".")[-2:])
    module_prefix = address[: len(address) - len(local)]
    own_names = {first(conf, k) for k in ("bucket", "name") if isinstance(first(conf, k), str)}
    found: list[dict[str, Any]] = []
    for _, attrs in _graph_nodes(graph):
        if attrs.get("resource_type") != resource_type or attrs.get("block_type_") != "resource":
            continue
        if not str(attrs.get("__address__", "")).startswith(module_prefix):
            continue
        target = attrs.get(via)
        if not isinstance(target, str):
            continue
        if target == local or target.startswith(local + ".") or target in own_names:
            found.append(attrs)
    return found


def statements(policy: Any) -> list[dict[str, Any]] | None:
    """The statements of a rendered IAM policy document, or None when it is not a literal document."""
    if isinstance(policy, list) and len(policy) == 1:
        policy = policy[0]
    if not isinstance(policy, dict):
        return None
    raw = policy.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return None
    return [s for s in raw if isinstance(s, dict)]


def as_list(value: Any) -> list[Any]:
    """A policy element that may be a single value or a list, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def condition_values(statement: dict[str, Any], operators: tuple[str, ...], key: str) -> Iterator[Any]:
    """Values of condition ``key`` under any of ``operators`` (keys compared case-insensitively)."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return
    for op, entries in condition.items():
        if op.lower() not in {o.lower() for o in operators} or not isinstance(entries, dict):
            continue
        for name, value in entries.items():
            if name.lower() == key.lower():
                yield from as_list(value)
