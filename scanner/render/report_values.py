"""How statuses and observed values read in the report: text first, then colour and shape.

Every status has a label, an icon and a border style, so a status never depends on colour alone
(a printout on a grey-scale printer, a colour-blind reader): ``fail``, ``missing`` and
``expired`` differ in word, icon (✗ ◌ ◷) and border (solid, dashed, double). Colours are dark
text on light or white on dark, each pair at least WCAG AA (4.5:1; the report tests check it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.models import Status

UNKNOWN_KEY = "$unknown"
REST_KEY = "$unknown_keys"


@dataclass(frozen=True)
class StatusStyle:
    label: str
    icon: str
    foreground: str
    background: str
    border: str  # CSS border style: solid, dashed, double, dotted

    @property
    def edge(self) -> str:
        """The border and chart-outline colour: the text colour on a light background (so the
        border shape shows), black on a dark one."""
        return self.foreground if contrast(self.background, "#ffffff") < 3 else "#000000"


STYLES: Mapping[str, StatusStyle] = {
    "pass": StatusStyle("PASS", "✓", "#ffffff", "#1b5e20", "solid"),
    "attested": StatusStyle("ATTESTED", "✓", "#1b5e20", "#e8f5e9", "solid"),
    "waived": StatusStyle("WAIVED", "⚑", "#ffffff", "#01579b", "solid"),
    "fail": StatusStyle("FAIL", "✗", "#ffffff", "#b71c1c", "solid"),
    "missing": StatusStyle("MISSING", "◌", "#8a2b00", "#fff3e0", "dashed"),
    "expired": StatusStyle("EXPIRED", "◷", "#ffffff", "#8a3d00", "double"),
    "error": StatusStyle("ERROR", "⚠", "#ffffff", "#6a1b9a", "solid"),
    "unknown": StatusStyle("UNKNOWN", "?", "#3e2723", "#ffe082", "dotted"),
    "not_applicable": StatusStyle("NOT APPLICABLE", "\u2013", "#424242", "#eeeeee", "solid"),
    "not-evaluated": StatusStyle("NOT EVALUATED", "⊘", "#ffffff", "#424242", "dashed"),
}

#: worst first: how rows and controls are ordered, so what needs work comes first
ORDER = ("fail", "expired", "missing", "error", "unknown", "not-evaluated", "waived", "pass", "attested",
         "not_applicable")
PROVIDER_LABELS: Mapping[str, str] = {"aws": "AWS", "azure": "Azure", "gcp": "GCP"}


def status_of(value: Any) -> str:
    """A known status value, else ``error``: an unreadable verdict never reads as a pass."""
    return value if isinstance(value, str) and value in {s.value for s in Status} else Status.ERROR.value


def rank(status: str) -> int:
    """Worse is lower (sorting key)."""
    return ORDER.index(status) if status in ORDER else 0


def worst(statuses: list[str]) -> str:
    return min(statuses, key=rank) if statuses else "not_applicable"


def is_unknown(value: Any) -> bool:
    return isinstance(value, dict) and UNKNOWN_KEY in value


def shown(value: Any) -> str:
    """An observed value as text: ``unknown: reason`` for a value that could not be seen (with
    ``could not be read`` and the candidates when known), ``not set`` for null, compact
    ``key=value`` for mappings, ``[a, b]`` for lists."""
    if is_unknown(value):
        text = f"unknown: {value.get(UNKNOWN_KEY)}"
        if value.get("error"):
            text += " (could not be read)"
        if isinstance(value.get("one_of"), list):
            text += " (one of " + ", ".join(shown(v) for v in value["one_of"]) + ")"
        return text
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        parts = [f"{k}={shown(v)}" for k, v in value.items() if k != REST_KEY]
        if REST_KEY in value:
            parts.append(f"other keys: unknown: {value[REST_KEY]}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return REST_KEY in value or any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def parameter_text(name: str, value: Any) -> str:
    """A catalog parameter's value in words (the imaging-data selector reads as its rule)."""
    if name == "imaging_data" and isinstance(value, dict):
        return scope_rule(value)
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    return shown(value)


def scope_rule(value: Any) -> str:
    tags = value.get("tags") if isinstance(value, dict) else None
    names = value.get("name_patterns") if isinstance(value, dict) else None
    parts = [f"tagged {k}={'(any value)' if v == '*' else v}" for k, v in (tags or {}).items()]
    parts += [f"named {p}" for p in names or ()]
    if not parts:
        return "every storage resource (no imaging_data selector is configured)"
    return "storage " + " or ".join(parts)


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
