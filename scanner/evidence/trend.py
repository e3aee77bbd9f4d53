"""Month over month: several scans of the same estate, per control and per safeguard family.

Each source (an evidence directory, a bundle, or one evidence file) is one point in time, placed
by its scan window (earliest ``started_at``), not by the order given. Per point: every control's
status (the worst across tenants; a tenant whose scan failed is "not evaluated", never a pass),
the number of failing resources per control, and per safeguard family the number of controls
met, not met and not evaluated. Between consecutive points, what was fixed and what newly fails
comes from :mod:`scanner.evidence.diff`. Each point also carries the integrity of its evidence:
a tampered point is shouted, never silently averaged in.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.evidence.bundle import EvidenceError, EvidenceSet, load_evidence
from scanner.evidence.diff import Change, diff_sets
from scanner.evidence.integrity import Integrity, check_integrity
from scanner.models import Safeguard, Status
from scanner.render.report_model import NOT_EVALUATED
from scanner.render.report_values import rank, status_of, worst

TREND_SCHEMA = "pacscan-trend/1"
#: how a status counts in a family's totals
GROUPS: Mapping[str, tuple[str, ...]] = {
    "not_met": ("fail", "missing", "expired"),
    "unevaluated": ("error", "unknown", NOT_EVALUATED),
    "waived": ("waived",),
    "met": ("pass", "attested"),
    "not_applicable": ("not_applicable",),
}


@dataclass(frozen=True)
class ControlInfo:
    id: str
    title: str
    safeguard: str
    evaluation: str


@dataclass(frozen=True)
class TrendPoint:
    source: str
    label: str
    started_at: str
    finished_at: str
    catalogs: tuple[str, ...]
    tool_versions: tuple[str, ...]
    tenants: tuple[str, ...]
    integrity: Integrity
    #: control id -> worst status across tenants
    statuses: Mapping[str, str]
    #: control id -> failing (tenant, resource) count
    failing: Mapping[str, int]
    #: family -> group (GROUPS) -> number of (control, tenant) results
    families: Mapping[str, Mapping[str, int]]


@dataclass(frozen=True)
class TrendStep:
    """What changed from one point to the next."""

    before: str
    after: str
    fixed: tuple[Change, ...]
    newly_failing: tuple[Change, ...]
    other: tuple[Change, ...]


@dataclass(frozen=True)
class Trend:
    points: tuple[TrendPoint, ...]
    controls: tuple[ControlInfo, ...]
    steps: tuple[TrendStep, ...]
    notes: tuple[str, ...]

    def status_line(self, control_id: str) -> tuple[str, ...]:
        return tuple(p.statuses.get(control_id, NOT_EVALUATED) for p in self.points)


def build_trend(sources: Sequence[Path], public_key: Path | None = None) -> Trend:
    if len(sources) < 2:
        raise EvidenceError("a trend needs at least two scans (evidence directories, bundles or files)")
    loaded = [(Path(s), load_evidence(Path(s)), check_integrity(Path(s), public_key)) for s in sources]
    loaded.sort(key=lambda item: (_window(item[1])[0], str(item[0])))
    single = all(path.is_file() for path, _, _ in loaded)
    months = [_window(e)[0][:7] for _, e, _ in loaded]
    by_month = len(set(months)) == len(months)
    points = tuple(_point(path, evidence, integrity, single, by_month) for path, evidence, integrity in loaded)
    steps = tuple(_step(a, b, loaded[i][1], loaded[i + 1][1], single)
                  for i, (a, b) in enumerate(itertools.pairwise(points)))
    return Trend(points=points, controls=_controls(e for _, e, _ in loaded), steps=steps, notes=_notes(points))


def _window(evidence: EvidenceSet) -> tuple[str, str]:
    docs = [t.document for t in evidence.documents if t.document is not None]
    starts = sorted(str(d["scan"].get("started_at", "")) for d in docs)
    ends = sorted(str(d["scan"].get("finished_at", "")) for d in docs)
    return (starts[0] if starts else ""), (ends[-1] if ends else "")


def _controls(sets: Any) -> tuple[ControlInfo, ...]:
    out: dict[str, ControlInfo] = {}
    for evidence in sets:
        for t in evidence.documents:
            for c in t.document["controls"]:
                cid = str(c.get("id"))
                out.setdefault(cid, ControlInfo(cid, str(c.get("title", "")), str(c.get("safeguard", "")),
                                                str(c.get("evaluation", ""))))
    return tuple(out.values())


def _point(path: Path, evidence: EvidenceSet, integrity: Integrity, single: bool, by_month: bool) -> TrendPoint:
    started, finished = _window(evidence)
    cells: dict[str, list[str]] = {}
    safeguard: dict[str, str] = {}
    for t in evidence.tenants:
        for c in (t.document or {}).get("controls", []):
            safeguard.setdefault(str(c.get("id")), str(c.get("safeguard", "")))
    for t in evidence.tenants:
        found = {str(c.get("id")): status_of(c.get("status")) for c in (t.document or {}).get("controls", [])}
        for cid in safeguard:
            cells.setdefault(cid, []).append(found.get(cid, NOT_EVALUATED))
    failing: dict[str, set[tuple[str, str]]] = {}
    for t in evidence.documents:
        for f in (t.document or {}).get("findings", []):
            if status_of(f.get("status")) == Status.FAIL.value:
                address = str((f.get("resource") or {}).get("address", ""))
                failing.setdefault(str(f.get("control_id")), set()).add((t.name, address))
    docs = [t.document for t in evidence.documents if t.document is not None]
    return TrendPoint(
        source=str(path), label=started[:7] if by_month else started[:16].replace("T", " "),
        started_at=started, finished_at=finished,
        catalogs=tuple(sorted({str(d["scan"].get("catalog_sha256")) for d in docs})),
        tool_versions=tuple(sorted({str(d["tool"].get("version")) for d in docs})),
        tenants=() if single else tuple(t.name for t in evidence.tenants), integrity=integrity,
        statuses={cid: worst(s) for cid, s in cells.items()},
        failing={cid: len(v) for cid, v in failing.items()},
        families=_families(cells, safeguard),
    )


def _families(cells: Mapping[str, list[str]], safeguard: Mapping[str, str]) -> dict[str, dict[str, int]]:
    order = [s.value for s in Safeguard]
    names = order + sorted(set(safeguard.values()) - set(order))
    out: dict[str, dict[str, int]] = {}
    for family in names:
        statuses = [s for cid, ss in cells.items() if safeguard[cid] == family for s in ss]
        if statuses:
            out[family] = {group: sum(statuses.count(s) for s in members) for group, members in GROUPS.items()}
    return out


def _step(before: TrendPoint, after: TrendPoint, old: EvidenceSet, new: EvidenceSet, single: bool) -> TrendStep:
    diff = diff_sets(old, new, single=single)
    relevant = [c for c in diff.changes if c.category != "observed_changed"]
    return TrendStep(before=before.label, after=after.label, fixed=diff.of("fixed"),
                     newly_failing=diff.of("newly_failing"),
                     other=tuple(c for c in relevant if c.category not in ("fixed", "newly_failing")))


def _notes(points: Sequence[TrendPoint]) -> tuple[str, ...]:
    notes = []
    if len({p.catalogs for p in points}) > 1:
        notes.append("the catalog changed between scans: some changes may come from changed rules, "
                     "not a changed estate")
    if len({p.tenants for p in points}) > 1:
        notes.append("the scans cover different tenants: compare the per-control rows with care")
    notes += [f"{p.label} ({p.source}): {p.integrity.summary}" for p in points if p.integrity.tampered]
    return tuple(notes)


def trend_document(trend: Trend) -> dict[str, Any]:
    """The trend as plain JSON values (``--format json``)."""
    return {
        "schema": TREND_SCHEMA,
        "scans": [{"label": p.label, "source": p.source, "started_at": p.started_at, "finished_at": p.finished_at,
                   "catalog_sha256": list(p.catalogs), "tool_version": list(p.tool_versions),
                   "tenants": list(p.tenants),
                   "integrity": {"state": p.integrity.state.value, "summary": p.integrity.summary,
                                 "problems": list(p.integrity.problems),
                                 "key_sha256": p.integrity.key_fingerprint}} for p in trend.points],
        "families": {family: [dict(p.families.get(family, {})) for p in trend.points]
                     for family in dict.fromkeys(f for p in trend.points for f in p.families)},
        "controls": [{"id": c.id, "title": c.title, "safeguard": c.safeguard, "evaluation": c.evaluation,
                      "statuses": list(trend.status_line(c.id)),
                      "failing_resources": [p.failing.get(c.id, 0) for p in trend.points]} for c in trend.controls],
        "changes": [{"from": s.before, "to": s.after,
                     "fixed": [_change(c) for c in s.fixed], "newly_failing": [_change(c) for c in s.newly_failing],
                     "other": [_change(c) for c in s.other]} for s in trend.steps],
        "notes": list(trend.notes),
    }


def _change(c: Change) -> dict[str, Any]:
    return {"category": c.category, "tenant": c.tenant, "control_id": c.control_id, "address": c.address,
            "old_status": c.old_status.value if c.old_status else None,
            "new_status": c.new_status.value if c.new_status else None}


def ordered_controls(trend: Trend) -> tuple[ControlInfo, ...]:
    """Controls for display: whatever is not met in the latest scan first, then catalog order."""
    latest = trend.points[-1].statuses if trend.points else {}
    return tuple(sorted(trend.controls, key=lambda c: rank(latest.get(c.id, NOT_EVALUATED))))
