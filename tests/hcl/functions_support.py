"""Helpers for the function library tests: calling, unknowns, matching partly unknown results, HCL literals."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

from scanner.facts.values import PartialDict, Unknown, is_known
from scanner.iac.hcl import functions

BASE = Path(__file__).resolve().parent


class _Error:
    """The expected outcome "Terraform rejects the call" (optionally: with this text in the message)."""

    def __init__(self, text: str = "") -> None:
        self.text = text

    def __call__(self, text: str) -> _Error:
        return _Error(text)

    def __repr__(self) -> str:
        return f"ERROR({self.text!r})" if self.text else "ERROR"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Error)

    def __hash__(self) -> int:
        return 0


ERROR = _Error()


def fn(name: str, *args: Any, base_dir: Path = BASE) -> Any:
    """``call`` with defects raised rather than turned into unknown results."""
    previous = functions._RAISE_DEFECTS
    functions._RAISE_DEFECTS = True
    try:
        return functions.call(name, list(args), base_dir=base_dir)
    finally:
        functions._RAISE_DEFECTS = previous


def outcome(name: str, *args: Any, base_dir: Path = BASE) -> Any:
    """The result, or ``ERROR(message)`` when the call is rejected."""
    try:
        return fn(name, *args, base_dir=base_dir)
    except functions.FunctionError as exc:
        return ERROR(str(exc))


def ids(cases: list[tuple[str, list[Any], Any]]) -> list[str]:
    return [f"{name}-{i}" for i, (name, _, _) in enumerate(cases)]


def check(name: str, args: list[Any], expected: Any) -> None:
    """The call gives ``expected`` (wholly known), or is rejected when ``expected`` is ``ERROR``."""
    result = outcome(name, *args)
    if isinstance(expected, _Error):
        assert isinstance(result, _Error), f"{name}{tuple(args)} gave {result!r}, Terraform rejects it"
    else:
        assert is_known(result) and same(result, expected), f"{name}{tuple(args)}: {result!r} != {expected!r}"


def write_tree(folder: Path, tree: dict[str, str | bytes]) -> Path:
    """Files (text or bytes) under ``folder``."""
    for rel, content in tree.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def U(reason: str = "var.x has no value", **fields: Any) -> Unknown:
    return Unknown(reason, **fields)


def S(reason: str = "var.xs has no value") -> Unknown:
    """An element standing for zero or more unseen elements."""
    return Unknown(reason, spread=True)


def same(a: Any, b: Any) -> bool:
    """Equal values, as Terraform compares them (1 == 1.0, true != 1), unknowns never equal."""
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        return Decimal(repr(a) if isinstance(a, float) else a) == Decimal(repr(b) if isinstance(b, float) else b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return (isinstance(a, PartialDict) == isinstance(b, PartialDict) and set(a) == set(b)
                and all(same(a[k], b[k]) for k in a))
    return type(a) is type(b) and bool(a == b)


def conforms(pattern: Any, concrete: Any, unordered: bool = False) -> bool:
    """Whether a wholly known ``concrete`` value is one the partly unknown ``pattern`` allows: an unknown is any
    value (one of its candidates, when it has some), a spread element any number of elements, a partial mapping
    any mapping with at least its keys. ``unordered`` compares the top-level list as a multiset (sets)."""
    if isinstance(pattern, Unknown):
        return not pattern.candidates or any(conforms(c, concrete) for c in pattern.candidates)
    if isinstance(pattern, list):
        if not isinstance(concrete, list):
            return False
        return _multiset(pattern, concrete) if unordered else _sequence(pattern, concrete)
    if isinstance(pattern, dict):
        if not isinstance(concrete, dict) or not set(pattern) <= set(concrete):
            return False
        if not isinstance(pattern, PartialDict) and set(pattern) != set(concrete):
            return False
        return all(conforms(pattern[k], concrete[k]) for k in pattern)
    return same(pattern, concrete)


def _sequence(pattern: list[Any], concrete: list[Any]) -> bool:
    if not pattern:
        return not concrete
    head = pattern[0]
    if isinstance(head, Unknown) and head.spread:
        return any(_sequence(pattern[1:], concrete[k:]) for k in range(len(concrete) + 1))
    return bool(concrete) and conforms(head, concrete[0]) and _sequence(pattern[1:], concrete[1:])


def _multiset(pattern: list[Any], concrete: list[Any]) -> bool:
    remaining = list(concrete)
    spread = False
    loose = 0
    for item in pattern:
        if isinstance(item, Unknown):
            spread = spread or item.spread
            loose += 0 if item.spread else 1
            continue
        match = next((i for i, c in enumerate(remaining) if conforms(item, c)), None)
        if match is None:
            return False
        remaining.pop(match)
    return len(remaining) >= loose if spread else len(remaining) == loose


def hcl(value: Any) -> str:
    """``value`` as an HCL expression (for ``terraform console``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return '"' + "".join(_hcl_char(ch) for ch in value).replace("${", "$${").replace("%{", "%%{") + '"'
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v) for v in value) + "]"
    return "{" + ", ".join(f"{hcl(k)} = {hcl(v)}" for k, v in value.items()) + "}"


_HCL_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hcl_char(ch: str) -> str:
    if ch in _HCL_ESCAPES:
        return _HCL_ESCAPES[ch]
    return f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or ord(ch) == 0x7F else ch
