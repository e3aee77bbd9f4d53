"""The MSP console matrix: one row per automated control, one column per tenant.

A cell is the control's roll-up for that tenant (:meth:`ScanResult.summaries`, so a control
with nothing evaluated reads ``unknown``, never ``pass``) followed by how many findings carry
that status. A tenant whose scan failed has ``-`` in every cell, ``ERROR`` in its header, and
its reason in the list under the table: it is never shown as passing. Columns are split into
several tables when the tenants do not fit the width. Attestation controls are the same for
every tenant and are left to the per-tenant evidence.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from scanner.models import Control, Evaluation, ScanResult, Status
from scanner.render.console import STATUS_STYLES

_LABEL_WIDTH = 28
_MAX_COLUMN = 18


@dataclass(frozen=True)
class TenantColumn:
    """One tenant: its result, or (scan failed) the reason. A tenant may have both when some of its
    accounts were scanned and others could not be."""

    name: str
    result: ScanResult | None
    reason: str | None = None

    @property
    def failed(self) -> bool:
        return self.reason is not None


def render_matrix(tenants: Sequence[TenantColumn], *, color: bool = False, width: int = 120) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=not color, color_system="standard" if color else None,
                      highlight=False, emoji=False, soft_wrap=False)
    controls = _controls(tenants)
    for chunk in _chunks(tenants, width):
        console.print(_table(chunk, controls))
    failed = [t for t in tenants if t.failed]
    ok = len(tenants) - len(failed)
    console.print(Text(f"{len(tenants)} tenant(s): {ok} scanned, {len(failed)} failed", style="bold"))
    for t in failed:
        partial = " (partial evidence written)" if t.result is not None else ""
        console.print(Text(f"  FAILED {t.name}: {t.reason}{partial}", style="bold magenta"), soft_wrap=True)
    return buffer.getvalue()


def _controls(tenants: Sequence[TenantColumn]) -> tuple[Control, ...]:
    for t in tenants:
        if t.result is not None:
            return tuple(c for c in t.result.controls if c.evaluation is Evaluation.AUTOMATED)
    return ()


def _column_width(t: TenantColumn) -> int:
    return max(min(len(t.name), _MAX_COLUMN), len("unknown 99")) + 3


def _chunks(tenants: Sequence[TenantColumn], width: int) -> list[list[TenantColumn]]:
    chunks: list[list[TenantColumn]] = [[]]
    used = _LABEL_WIDTH + 4
    for t in tenants:
        need = _column_width(t)
        if chunks[-1] and used + need > width:
            chunks.append([])
            used = _LABEL_WIDTH + 4
        chunks[-1].append(t)
        used += need
    return chunks


def _table(chunk: Sequence[TenantColumn], controls: Sequence[Control]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_lines=False, pad_edge=False)
    table.add_column("control", no_wrap=True, max_width=_LABEL_WIDTH, overflow="ellipsis")
    for t in chunk:
        header = Text(t.name[:_MAX_COLUMN])
        if t.failed:
            header.append("\nERROR", style="bold magenta")
        table.add_column(header, no_wrap=True)
    summaries = [_by_control(t) for t in chunk]
    for control in controls:
        table.add_row(Text(control.id), *(_cell(s.get(control.id)) for s in summaries))
    return table


def _by_control(t: TenantColumn) -> dict[str, tuple[Status, int]]:
    if t.result is None:
        return {}
    return {s.control.id: (s.status, s.counts.get(s.status, 0)) for s in t.result.summaries()}


def _cell(value: tuple[Status, int] | None) -> Text:
    if value is None:
        return Text("-", style="magenta")
    status, count = value
    label = status.value.upper() if status.is_failure else status.value
    return Text(f"{label} {count}" if count else label, style=STATUS_STYLES.get(status, ""))
