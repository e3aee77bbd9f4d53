"""Terraform plan JSON (``terraform show -json plan.out``): validation, values known only
after apply, and the references the configuration section records between resources."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import PlanError
from scanner.iac.tfmodel import TfConfiguration

MAX_PLAN_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class PlanFacts:
    path: Path
    #: resource address -> attribute paths ("a/b/c", list indexes dropped) unknown until apply
    unknown: Mapping[str, frozenset[str]]
    #: resource address -> attribute -> addresses of the resources it references
    references: Mapping[str, Mapping[str, tuple[str, ...]]]


def load_plan_configuration(path: Path) -> TfConfiguration:
    """The plan's instances (:mod:`scanner.iac.plan_config`), after the same validation as
    :func:`load_plan`."""
    from scanner.iac.plan_config import plan_configuration

    data = _read(path)
    try:
        _check_shape(data, path)
        return plan_configuration(path, data)
    except RecursionError:
        raise PlanError("plan nested too deeply", path=str(path)) from None


def load_plan(path: Path) -> PlanFacts:
    data = _read(path)
    try:
        _check_shape(data, path)
        return _facts(path, data)
    except RecursionError:
        raise PlanError("plan nested too deeply", path=str(path)) from None


def _facts(path: Path, data: dict[str, Any]) -> PlanFacts:
    references: dict[str, dict[str, tuple[str, ...]]] = {}
    configured: dict[str, frozenset[str]] = {}
    root = (data.get("configuration") or {}).get("root_module") or {}
    _collect_references(root, "", references, configured)
    unknown: dict[str, frozenset[str]] = {}
    for change in data.get("resource_changes") or []:
        after_unknown = (change.get("change") or {}).get("after_unknown") or {}
        paths = frozenset(_true_paths(after_unknown, ()))
        # Only what the configuration sets counts: an attribute the code does not set is
        # provider-computed (absent in the code, as in an HCL scan), not a pending value.
        mine = configured.get(_static_address(change["address"]))
        if mine is not None:
            paths = frozenset(p for p in paths if p.split("/", 1)[0] in mine)
        unknown[change["address"]] = paths
    return PlanFacts(path, unknown, references)


_OBJECT_OR_NULL = {"type": ["object", "null"]}
_MODULE: dict[str, Any] = {
    "type": ["object", "null"],
    "properties": {
        "resources": {"type": ["array", "null"], "items": {
            "type": "object",
            "properties": {"address": {"type": "string"}, "expressions": _OBJECT_OR_NULL},
        }},
        "module_calls": {"type": ["object", "null"], "additionalProperties": {
            "type": "object", "properties": {"module": {"$ref": "#/$defs/module"}},
        }},
    },
}
#: The parts of a plan pacscan reads itself (Checkov reads the rest); a wrong type is an error,
#: never silently skipped (a skipped after_unknown would let a guess pass).
_PLAN_SCHEMA: dict[str, Any] = {
    "$defs": {"module": _MODULE},
    "type": "object",
    "properties": {
        "configuration": {"type": ["object", "null"], "properties": {"root_module": {"$ref": "#/$defs/module"}}},
        "resource_changes": {"type": ["array", "null"], "items": {
            "type": "object",
            "required": ["address"],
            "properties": {"address": {"type": "string"}, "change": _OBJECT_OR_NULL},
        }},
    },
}


def _check_shape(data: dict[str, Any], path: Path) -> None:
    import jsonschema

    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(_PLAN_SCHEMA).iter_errors(data))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        message = " ".join(error.message.split())
        message = message if len(message) <= 200 else message[:197] + "..."
        raise PlanError(f"not a Terraform plan: {where}: {message}", path=str(path))


def _static_address(address: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", address)


def _read(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_PLAN_BYTES:
            raise PlanError(f"plan file is larger than {MAX_PLAN_BYTES} bytes", path=str(path))
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError("plan file not found", path=str(path)) from None
    except IsADirectoryError:
        raise PlanError("is a directory; --plan takes the JSON from `terraform show -json`",
                        path=str(path)) from None
    except UnicodeDecodeError:
        raise PlanError("not UTF-8 text; --plan takes the JSON from `terraform show -json`, "
                        "not the binary plan file", path=str(path)) from None
    except OSError as err:
        raise PlanError(f"cannot read: {err.strerror}", path=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise PlanError(f"invalid JSON: {err.msg} (column {err.colno})", path=str(path),
                        line=err.lineno) from None
    except RecursionError:
        raise PlanError("invalid JSON: nested too deeply", path=str(path)) from None
    if not isinstance(data, dict) or "format_version" not in data or not (
        "planned_values" in data or "resource_changes" in data or "values" in data
    ):
        raise PlanError("not a Terraform plan: expected the output of `terraform show -json` "
                        "(format_version, planned_values, resource_changes)", path=str(path))
    return data


def _true_paths(tree: Any, prefix: tuple[str, ...]) -> Iterator[str]:
    if tree is True:
        yield "/".join(prefix)
    elif isinstance(tree, dict):
        for key, value in tree.items():
            yield from _true_paths(value, (*prefix, str(key)))
    elif isinstance(tree, list):
        for value in tree:  # list indexes are dropped: checks name attributes, not items
            yield from _true_paths(value, prefix)


def _collect_references(module: dict[str, Any], prefix: str, out: dict[str, dict[str, tuple[str, ...]]],
                        configured: dict[str, frozenset[str]]) -> None:
    for resource in module.get("resources") or []:
        address = prefix + str(resource.get("address", ""))
        refs: dict[str, tuple[str, ...]] = {}
        expressions = resource.get("expressions") or {}
        for attr, expr in expressions.items():
            if isinstance(expr, dict) and expr.get("references"):
                refs[attr] = tuple(prefix + str(r) for r in expr["references"])
        out[address] = refs
        configured[address] = frozenset(expressions)
    for name, call in (module.get("module_calls") or {}).items():
        _collect_references(call.get("module") or {}, f"{prefix}module.{name}.", out, configured)


def unknown_keys(unknown: frozenset[str], evaluated: frozenset[str]) -> tuple[str, ...]:
    """The evaluated attribute paths whose value is known only after apply."""
    hits = {
        u for u in unknown for key in evaluated
        if u == key or u.startswith(key + "/") or key.startswith(u + "/")
    }
    return tuple(sorted(hits))
