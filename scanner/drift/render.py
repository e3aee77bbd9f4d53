"""Drift reports as text: a Rich console report and a JSON document (never calls a cloud)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.drift.compare import DriftItem, DriftReport, Side, Verdict
from scanner.render.console import compact_evidence

DRIFT_SCHEMA = "pacscan-drift/1"
_STYLE = {
    Verdict.AGREE: "green", Verdict.DRIFT: "bold red", Verdict.ONLY_IN_CODE: "yellow",
    Verdict.ONLY_IN_CLOUD: "bold magenta", Verdict.UNEVALUATED: "cyan", Verdict.NOT_COMPARED: "dim",
}
#: verdicts listed row by row in the console report (agreements are only counted)
_LISTED = (Verdict.DRIFT, Verdict.ONLY_IN_CLOUD, Verdict.ONLY_IN_CODE, Verdict.UNEVALUATED)


def render_json(report: DriftReport, tool_version: str) -> str:
    doc = {
        "schema": DRIFT_SCHEMA,
        "tool": {"name": "pacscan", "version": tool_version},
        "state": report.state_source,
        "code_targets": list(report.code_targets),
        "live_targets": list(report.live_targets),
        "summary": report.counts(),
        "differences": len(report.differences),
        "items": [_item(i) for i in report.items],
    }
    return json.dumps(doc, indent=2, sort_keys=False, default=str) + "\n"


def _item(item: DriftItem) -> dict[str, Any]:
    return {
        "control_id": item.control_id,
        "resource": item.resource,
        "terraform_address": item.terraform_address,
        "verdict": item.verdict.value,
        "note": item.note,
        "code": _side(item.code),
        "cloud": _side(item.cloud),
    }


def _side(side: Side | None) -> dict[str, Any] | None:
    if side is None:
        return None
    return {"status": side.status.value, "address": side.address, "checks": list(side.checks),
            "observed": dict(side.observed), "file": side.file, "line": side.line}


def render_console(report: DriftReport, *, color: bool = False, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False)
    console.print(Text("pacscan drift: Terraform code versus the deployed cloud", style="bold"))
    if report.state_source:
        console.print(f"state: {report.state_source}")
    console.print(_summary(report.counts()))
    for verdict in _LISTED:
        items = report.by_verdict(verdict)
        if items:
            console.print(_table(verdict, items))
    differences = len(report.differences)
    closing = (Text(f"{differences} difference(s) between code and cloud", style="bold red") if differences
               else Text("no drift: code and cloud agree wherever both were evaluated", style="bold green"))
    console.print(closing)
    return buffer.getvalue()


def _summary(counts: Mapping[str, int]) -> Table:
    table = Table(title="summary", show_header=True)
    for verdict in Verdict:
        table.add_column(verdict.value, justify="right")
    table.add_row(*(Text(str(counts[v.value]), style=_STYLE[v] if counts[v.value] else "") for v in Verdict))
    return table


def _table(verdict: Verdict, items: Iterable[DriftItem]) -> Table:
    table = Table(title=Text(verdict.value, style=_STYLE[verdict]), show_lines=True, expand=True)
    for name in ("control", "resource", "code (Terraform)", "cloud (live)", "why"):
        table.add_column(name, overflow="fold")
    for item in items:
        where = item.resource if item.terraform_address in (None, item.resource) else \
            f"{item.resource}\n{item.terraform_address}"
        table.add_row(item.control_id, where, _cell(item.code), _cell(item.cloud), item.note)
    return table


def _cell(side: Side | None) -> Text:
    if side is None:
        return Text("-", style="dim")
    text = Text(side.status.value, style="bold")
    if side.file:
        text.append(f"  {side.file}:{side.line}" if side.line else f"  {side.file}")
    for check, observed in side.observed.items():
        text.append(f"\n{check}: {compact_evidence(observed)}")
    return text
