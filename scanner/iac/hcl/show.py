"""Values as short text for trace lines: JSON-like, unknowns as ``(unknown)``, cut at ~80 chars."""

from __future__ import annotations

import json
from typing import Any

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl.ops import fmt_number, is_number

MAX_CHARS = 80


def show(value: Any, *, sensitive: bool = False) -> str:
    if sensitive:
        return "(sensitive)"
    text = _text(value)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS - 3] + "..."


def _text(value: Any) -> str:
    if isinstance(value, Unknown):
        return "(unknown)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return fmt_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        inner = [f"{json.dumps(str(k), ensure_ascii=False)}: {_text(v)}" for k, v in value.items()]
        if isinstance(value, PartialDict):
            inner.append("(unknown keys)")
        return "{" + ", ".join(inner) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return repr(value)
