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
from scanner.models import ControlId, Finding, ScanResult, Source, Status


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


def unattested(result: ScanResult) -> tuple[ControlId, ...]:
    """Attestation controls that are missing only because no attestation file was given
    (``--attestations``), in catalog order: every format shows them as one line
    (:func:`attestation_line`), not one row each, so they neither vanish nor drown the report."""
    ids = {f.control_id for f in result.findings
           if f.source is Source.ATTESTATION and f.status is Status.MISSING and f.resource.file is None}
    return tuple(c.id for c in result.controls if c.id in ids)


def attestation_line(count: int) -> str:
    """The one line that stands for the attestation controls when no attestation file was given."""
    return f"{count} safeguards need attestation: run with --attestations FILE"


@dataclass(frozen=True)
class GateCounts:
    """What the CI gate did, as the console and Markdown summaries count it. Attestation controls
    left missing because no attestation file was given are not failures here (see :func:`unattested`)."""

    new: int  # failures that fail the gate: not baselined, not waived
    baselined: int
    waived: int
    fixed: int  # baseline entries that no longer fail
    expired_waivers: int
    unattested: int

    @classmethod
    def of(cls, result: ScanResult) -> GateCounts:
        skipped = set(unattested(result))
        failing = [f for f in result.findings if f.status.is_failure and f.control_id not in skipped]
        return cls(new=sum(1 for f in failing if not f.baselined), baselined=sum(1 for f in failing if f.baselined),
                   waived=sum(1 for f in result.findings if f.status is Status.WAIVED), fixed=len(result.gate.fixed),
                   expired_waivers=len(result.gate.expired_waivers), unattested=len(skipped))

    def line(self) -> str:
        """``2 new, 7 baselined, 1 waived, 0 fixed, 1 expired waiver(s)``."""
        return (f"{self.new} new, {self.baselined} baselined, {self.waived} waived, {self.fixed} fixed, "
                f"{self.expired_waivers} expired waiver(s)")


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
