"""The JSON evidence document: the versioned, machine-readable record of one scan.

Consumers depend on its shape, which is fixed by ``scanner/schemas/evidence.schema.json``
(``schema_version`` below). Ordering is deterministic so two runs over the same input diff
cleanly: controls in catalog order; findings by control (catalog order), resource address,
check id, then the remaining fields as tie-breakers; keys of evidence/parameter objects sorted.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import math
import os
from collections.abc import Mapping, Sequence, Set
from importlib import resources
from pathlib import PurePath
from typing import Any

from scanner.models import (
    ApiCalls,
    Control,
    ControlId,
    ControlSummary,
    Finding,
    GateNotes,
    GitRevision,
    ScanResult,
    ScanTarget,
    Status,
    Waiver,
)
from scanner.render.base import RenderError, ToolMeta, attestation_line, dumps_indented, sorted_findings, unattested

SCHEMA_VERSION = "1.2"
_SCHEMA_FILE = "schemas/evidence.schema.json"


class JsonEvidenceRenderer:
    """Indented JSON following the evidence schema. The test suite validates every document it
    produces against the schema; at run time the full validation (seconds on large estates) runs
    only when ``PACSCAN_VALIDATE_EVIDENCE=1`` or ``validate=True``."""

    name = "json"

    def __init__(self, validate: bool | None = None) -> None:
        self.validate = validate if validate is not None else os.environ.get("PACSCAN_VALIDATE_EVIDENCE") == "1"

    def render(self, result: ScanResult, meta: ToolMeta) -> str:
        doc = to_document(result, meta)
        if self.validate:
            validate_document(doc)
        return dumps_indented(doc)


def to_document(result: ScanResult, meta: ToolMeta) -> dict[str, Any]:
    """Build the evidence document (plain JSON values) for ``result``."""
    summaries = result.summaries()
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": meta.name, "version": meta.version},
        "scan": _scan(result),
        "summary": _summary(result, summaries),
        "controls": [_control(s, result.judged_by) for s in summaries],
        "findings": [_finding(f) for f in sorted_findings(result)],
        "gate": _gate(result.gate),
    }


def _scan(result: ScanResult) -> dict[str, Any]:
    scan = {
        "id": result.scan_id,
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "targets": list(result.targets),
        "catalog_sha256": result.catalog_sha256,
        "parameters": _jsonable(result.parameters, "scan.parameters"),
        "identities": {str(k): str(v) for k, v in sorted(result.identities.items())},
        "notes": list(result.notes),
        "sources": [_source(t) for t in result.sources],
    }
    if result.api_calls is not None:
        scan["api_calls"] = _api_calls(result.api_calls)
    return scan


def _api_calls(calls: ApiCalls) -> dict[str, Any]:
    return {
        "total": calls.total,
        "by_operation": dict(sorted(calls.by_operation.items())),
        "by_kind": {kind: {"requests": k.requests, "resources": k.resources, "per_resource": k.per_resource,
                           "by_operation": dict(sorted(k.by_operation.items()))}
                    for kind, k in sorted(calls.by_kind.items())},
    }


def _source(target: ScanTarget) -> dict[str, Any]:
    return {"target": target.target, "git": _git(target.git)}


def _git(git: GitRevision | None) -> dict[str, Any] | None:
    if git is None:
        return None
    return {"commit": git.commit, "author": git.author, "committed_at": git.committed_at, "dirty": git.dirty}


def _counts(counts: Mapping[Status, int]) -> dict[str, int]:
    return {s.value: counts.get(s, 0) for s in Status}


def _summary(result: ScanResult, summaries: Sequence[ControlSummary]) -> dict[str, Any]:
    skipped = unattested(result)
    by_status = {s: 0 for s in Status}
    for f in result.findings:
        by_status[f.status] += 1
    controls_by_status = {s: 0 for s in Status}
    for s in summaries:
        controls_by_status[s.status] += 1
    return {
        "total_findings": len(result.findings),
        "findings_by_status": _counts(by_status),
        "controls_by_status": _counts(controls_by_status),
        "errors": any(f.status.is_unevaluated for f in result.findings),
        "unevaluated_controls": [s.control.id for s in summaries if s.status.is_unevaluated],
        "attestation_needed": ({"message": attestation_line(len(skipped)), "controls": list(skipped)}
                               if skipped else None),
    }


def _control(summary: ControlSummary, judged_by: Mapping[ControlId, tuple[str, ...]]) -> dict[str, Any]:
    c: Control = summary.control
    probed = {"judged_by": list(judged_by[c.id])} if c.id in judged_by else {}
    return {
        "id": c.id,
        "title": c.title,
        "safeguard": c.safeguard.value,
        "evaluation": c.evaluation.value,
        **probed,
        "severity": c.severity.value,
        "citations": [
            {"section": x.section, "title": x.title, "specification": x.specification}
            for x in c.citations
        ],
        "status": summary.status.value,
        "counts": _counts(summary.counts),
        "remediation": c.remediation.text,
        "remediation_by_provider": {
            f.provider: {"text": f.text, "terraform": f.terraform, "cli": f.cli} for f in c.remediation.providers},
        "parameters": list(c.parameters),
    }


def _finding(f: Finding) -> dict[str, Any]:
    r = f.resource
    where = f"findings[{f.control_id} {r.address} {f.check_id}].evidence"
    return {
        "control_id": f.control_id,
        "status": f.status.value,
        "severity": f.severity.value,
        "source": f.source.value,
        "resource": {
            "address": r.address,
            "type": r.type,
            "file": r.file,
            "line_range": list(r.line_range) if r.line_range is not None else None,
            "account": r.account,
            "region": r.region,
        },
        "evidence": _jsonable(f.evidence, where),
        "check_id": f.check_id,
        "message": f.message,
        "remediation": f.remediation,
        "waiver": waiver_document(f.waiver) if f.waiver is not None else None,
        "baselined": f.baselined,
        "digest": f.digest or None,
    }


def waiver_document(w: Waiver) -> dict[str, Any]:
    """A waiver as JSON (also used by the SARIF and Markdown reports)."""
    return {"control_id": w.control_id, "resource": w.resource, "file": w.file, "justification": w.justification,
            "owner": w.owner, "ticket": w.ticket, "expires": w.expires, "origin": w.origin}


def _gate(gate: GateNotes) -> dict[str, Any]:
    return {
        "baseline": gate.baseline,
        "fixed": list(gate.fixed),
        "expired_waivers": [waiver_document(w) for w in gate.expired_waivers],
        "stale_waivers": [waiver_document(w) for w in gate.stale_waivers],
        "unreasoned_skips": list(gate.unreasoned_skips),
        "baseline_created_at": gate.baseline_created_at,
        "baseline_commit": _git(gate.baseline_commit),
    }


class _NotPlain(Exception):
    """A value the fast path does not handle; :func:`_checked` decides."""


def _jsonable(value: Any, where: str) -> Any:
    """A plain-JSON copy of ``value``: mapping keys sorted, tuples/sets as sorted lists, dates as
    ISO 8601 text, paths as text.

    Anything that has no faithful JSON form (NaN, bytes, arbitrary objects) is an error naming
    where it was found, rather than being stringified into something that merely looks right.
    Evidence is almost always plain strings, numbers, lists and mappings: those are copied
    without building a location for every value; anything else takes the careful path.
    """
    try:
        return _plain(value)
    except _NotPlain:
        return _checked(value, where)


_SCALARS = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is float:
        if not math.isfinite(value):
            raise _NotPlain
        return value
    if kind is dict:
        if any(type(k) is not str for k in value):
            raise _NotPlain
        return {k: _plain(value[k]) for k in sorted(value)}
    if kind is list or kind is tuple:
        return [_plain(v) for v in value]
    raise _NotPlain


def _checked(value: Any, where: str) -> Any:
    if isinstance(value, enum.Enum):
        return _checked(value.value, where)
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, dt.date):  # datetime included: ISO 8601 text is its JSON form
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise RenderError(f"{where}: {value!r} has no JSON representation")
        return value
    if isinstance(value, Mapping):
        return {str(k): _checked(value[k], f"{where}.{k}") for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_checked(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, Set):
        items = [_checked(v, f"{where}[]") for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    raise RenderError(f"{where}: value of type {type(value).__name__} is not JSON")


@functools.cache
def evidence_schema() -> dict[str, Any]:
    """The shipped JSON Schema (draft 2020-12) for the evidence document."""
    text = resources.files("scanner").joinpath(_SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_document(doc: Mapping[str, Any]) -> None:
    """Raise :class:`RenderError` naming the first offending location if ``doc`` is invalid."""
    import jsonschema  # only when validating (tests, PACSCAN_VALIDATE_EVIDENCE=1)
    import jsonschema.exceptions

    validator = jsonschema.Draft202012Validator(evidence_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is None:
        return
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    raise RenderError(
        f"evidence document does not match schema {SCHEMA_VERSION} "
        f"at {where.lstrip('.') or '(top level)'}: {error.message}"
    )
