"""The trend page: a small inline SVG chart plus tables, from a :class:`~scanner.evidence.trend.Trend`.

Same rules as the report: self-contained (inline CSS and SVG, no script, a CSP that forbids
loading anything), statuses as text + icon + colour, every charted number printed as text, and
a tampered scan in the series shouted at the top.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scanner.evidence.trend import GROUPS, Trend, ordered_controls
from scanner.render.base import ToolMeta
from scanner.render.charts import line_chart
from scanner.render.html import environment

#: one dash pattern per family, so the lines differ without colour
_FAMILY_CSS = {"technical": "s1", "administrative": "s2", "physical": "s3", "privacy": "s4", "breach": "s5"}


@dataclass(frozen=True)
class FamilyRow:
    family: str
    cells: tuple[tuple[int, int, int, int], ...]  # (not met, unevaluated, waived, met) per scan


def render_trend_html(trend: Trend, meta: ToolMeta, *, title: str = "HIPAA compliance trend") -> str:
    labels = [p.label for p in trend.points]
    families = list(dict.fromkeys(f for p in trend.points for f in p.families))
    chart = line_chart(labels, [(f.capitalize(), _FAMILY_CSS.get(f, "s0"),
                                 [p.families.get(f, {}).get("not_met", 0) for p in trend.points]) for f in families])
    rows = tuple(FamilyRow(f, tuple(_cell(p.families.get(f, {})) for p in trend.points)) for f in families)
    return environment().get_template("trend.html.j2").render(
        trend=trend, title=title, tool=f"{meta.name} {meta.version}", chart=chart, family_rows=rows,
        controls=ordered_controls(trend), groups=GROUPS,
        tampered=[p for p in trend.points if p.integrity.tampered])


def _cell(groups: Mapping[str, int]) -> tuple[int, int, int, int]:
    return groups.get("not_met", 0), groups.get("unevaluated", 0), groups.get("waived", 0), groups.get("met", 0)
