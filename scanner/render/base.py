"""The renderer seam: a ScanResult in, one report string out.

A renderer only formats: it never calls a cloud, Checkov or the filesystem. Writing the string
somewhere is :mod:`scanner.evidence.writer`'s job.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from scanner.errors import PacscanError
from scanner.models import ControlId, Finding, ScanResult


@dataclass(frozen=True)
class ToolMeta:
    """Who produced a report: stamped into every output so evidence names its producer."""

    name: str
    version: str


class RenderError(PacscanError):
    """A report could not be produced from a scan result (e.g. evidence that is not JSON)."""


class Renderer(Protocol):
    """One output format. ``name`` is the format's CLI spelling (``console``, ``json``)."""

    @property
    def name(self) -> str: ...

    def render(self, result: ScanResult, meta: ToolMeta) -> str: ...


def sorted_findings(result: ScanResult) -> list[Finding]:
    """Findings in report order, the same in every format and every run: by control (catalog
    order; findings for a control absent from the catalog last), resource address, check id,
    then the remaining fields as tie-breakers."""
    order = {c.id: i for i, c in enumerate(result.controls)}
    return sorted(result.findings, key=lambda f: _finding_key(f, order))


def _finding_key(f: Finding, order: Mapping[ControlId, int]) -> tuple[Any, ...]:
    r = f.resource
    return (
        order.get(f.control_id, len(order)), f.control_id, r.address, f.check_id,
        r.account or "", r.region or "", r.file or "", r.line_range or (0, 0),
        f.status.value, f.message,
    )


def dumps_indented(doc: Any) -> str:
    """``doc`` as 2-space indented JSON text ending in a newline: exactly the text of
    ``json.dumps(doc, indent=2, ensure_ascii=False)``, produced by orjson (the standard library
    indents in pure Python: a large report spent more time here than in its own building). A
    value orjson cannot encode exactly (an integer beyond 64 bits, a non-string key) goes
    through the standard library instead. Documents reaching here hold no NaN or infinity:
    their builders refuse them."""
    try:
        return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE).decode()
    except orjson.JSONEncodeError:
        return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
