"""What changed between two evidence sets (say, last month's and this month's).

Findings are matched by (tenant, control id, resource address, resource file); several checks
on one resource for one control (CKV_AWS_19 and CKV_AWS_145 on one bucket) form one entry whose
status is the worst of them and whose observed values are keyed by (check id, evidence key).
Categories, per tenant and control:

- newly failing: present in both, was not a failure, now is (fail / missing / expired);
- fixed: was a failure, now passes (pass / attested);
- status changed: any other change of status (e.g. fail -> error, pass -> unknown);
- new / removed resources: present on one side only (with their status);
- changed observed values: the evidence differs (old -> new per key).

A single evidence file (rather than a directory) stands for one unnamed tenant, so two monthly
files of one clinic compare with each other whatever they are called.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.text import Text

from scanner.evidence.bundle import EvidenceSet, load_evidence
from scanner.evidence.integrity import Integrity
from scanner.models import Status
from scanner.render.console import compact_evidence

SINGLE_TENANT = "-"
ABSENT = "(absent)"
_FIXED = frozenset({Status.PASS, Status.ATTESTED, Status.NOT_APPLICABLE})


@dataclass(frozen=True)
class Entry:
    """One (tenant, control, resource) across the checks that judged it."""

    tenant: str
    control_id: str
    address: str
    file: str | None
    status: Status
    observed: Mapping[tuple[str, str], Any]

    @property
    def checks(self) -> frozenset[str]:
        return frozenset(check for check, _ in self.observed)


@dataclass(frozen=True)
class Change:
    category: str  # newly_failing | fixed | status_changed | new | removed | observed_changed
    tenant: str
    control_id: str
    address: str
    file: str | None
    old_status: Status | None
    new_status: Status | None
    #: (key label, old, new) for observed_changed
    values: tuple[tuple[str, Any, Any], ...] = ()


CATEGORIES = ("newly_failing", "fixed", "status_changed", "new", "removed", "observed_changed")
TITLES = {
    "newly_failing": "Newly failing", "fixed": "Fixed", "status_changed": "Other status changes",
    "new": "New resources", "removed": "Removed resources", "observed_changed": "Changed observed values",
}


@dataclass(frozen=True)
class EvidenceDiff:
    changes: tuple[Change, ...]
    tenants_added: tuple[str, ...]
    tenants_removed: tuple[str, ...]
    notes: tuple[str, ...]

    def of(self, category: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.category == category)

    @property
    def has_new_failures(self) -> bool:
        """Newly failing, or a new resource that fails: either is a gap that was not there."""
        return any(c.category == "newly_failing" or (c.category == "new" and c.new_status is not None
                                                      and c.new_status.is_failure) for c in self.changes)


def diff_paths(old: Path, new: Path) -> EvidenceDiff:
    single = Path(old).is_file() and Path(new).is_file()
    return diff_sets(load_evidence(old), load_evidence(new), single=single)


def diff_sets(old: EvidenceSet, new: EvidenceSet, *, single: bool = False) -> EvidenceDiff:
    old_entries, new_entries = entries(old, single), entries(new, single)
    changes: list[Change] = []
    for key in sorted(old_entries.keys() | new_entries.keys(), key=_sort_key):
        changes.extend(_compare(old_entries.get(key), new_entries.get(key)))
    old_names, new_names = _tenant_names(old, single), _tenant_names(new, single)
    return EvidenceDiff(changes=tuple(changes), tenants_added=tuple(sorted(new_names - old_names)),
                        tenants_removed=tuple(sorted(old_names - new_names)), notes=_notes(old, new))


def _tenant_names(evidence: EvidenceSet, single: bool) -> set[str]:
    return {SINGLE_TENANT} if single else {t.name for t in evidence.tenants}


def _sort_key(key: tuple[str, str, str, str | None]) -> tuple[str, str, str, str]:
    return key[0], key[1], key[2], key[3] or ""


def entries(evidence: EvidenceSet, single: bool = False) -> dict[tuple[str, str, str, str | None], Entry]:
    grouped: dict[tuple[str, str, str, str | None], list[Mapping[str, Any]]] = {}
    for tenant in evidence.documents:
        assert tenant.document is not None
        name = SINGLE_TENANT if single else tenant.name
        for f in tenant.document["findings"]:
            r = f.get("resource") or {}
            key = (name, str(f.get("control_id")), str(r.get("address")), r.get("file"))
            grouped.setdefault(key, []).append(f)
    return {key: _entry(key, found) for key, found in grouped.items()}


def _entry(key: tuple[str, str, str, str | None], found: list[Mapping[str, Any]]) -> Entry:
    statuses = [_status(f.get("status")) for f in found]
    observed: dict[tuple[str, str], Any] = {}
    for f in found:
        evidence = f.get("evidence") or {}
        for k, v in evidence.items():
            observed[(str(f.get("check_id", "")), str(k))] = v
    return Entry(tenant=key[0], control_id=key[1], address=key[2], file=key[3],
                 status=max(statuses, key=lambda s: s.rank), observed=observed)


def _status(value: Any) -> Status:
    try:
        return Status(value)
    except ValueError:
        return Status.ERROR  # an unreadable verdict is never a pass


def _compare(old: Entry | None, new: Entry | None) -> Iterable[Change]:
    if old is None or new is None:
        present = new if old is None else old
        assert present is not None
        yield Change("new" if old is None else "removed", present.tenant, present.control_id,
                     present.address, present.file, old.status if old else None, new.status if new else None)
        return
    base = (new.tenant, new.control_id, new.address, new.file, old.status, new.status)
    if old.status is not new.status:
        if new.status.is_failure and not old.status.is_failure:
            category = "newly_failing"
        elif old.status.is_failure and new.status in _FIXED:
            category = "fixed"
        else:
            category = "status_changed"
        yield Change(category, *base)
    values = _changed_values(old, new)
    if values:
        yield Change("observed_changed", *base, values=values)


def _changed_values(old: Entry, new: Entry) -> tuple[tuple[str, Any, Any], ...]:
    one_check = len(old.checks | new.checks) == 1
    out = []
    for key in sorted(old.observed.keys() | new.observed.keys()):
        before, after = old.observed.get(key, ABSENT), new.observed.get(key, ABSENT)
        if _canonical(before) != _canonical(after):
            label = key[1] if one_check else f"{key[0]}: {key[1]}"
            out.append((label, before, after))
    return tuple(out)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _notes(old: EvidenceSet, new: EvidenceSet) -> tuple[str, ...]:
    notes = []
    old_catalogs = {t.document["scan"]["catalog_sha256"] for t in old.documents if t.document}
    new_catalogs = {t.document["scan"]["catalog_sha256"] for t in new.documents if t.document}
    if old_catalogs != new_catalogs:
        notes.append("the catalog changed between the two scans: some differences may come from "
                     "changed rules rather than a changed estate")
    for label, evidence in (("old", old), ("new", new)):
        shards = (evidence.index or {}).get("shards")
        if isinstance(shards, dict) and shards.get("complete") is False:
            missing = ", ".join(f"{i}/{shards.get('count')}" for i in shards.get("missing") or [])
            notes.append(f"{label}: an INCOMPLETE set of shards was merged (missing: {missing or 'see index.json'}): "
                         "tenants of the missing shards read as removed or added")
        for t in evidence.tenants:
            if t.document is None:
                notes.append(f"{label}: tenant {t.name} was NOT evaluated ({t.reason or 'scan failed'}); "
                             "its resources cannot be compared")
    return tuple(notes)


def diff_document(diff: EvidenceDiff, integrity: Sequence[Integrity] = ()) -> dict[str, Any]:
    """The diff as plain JSON values (``--format json``); ``integrity``: of the old and the new side."""
    return {
        "schema": "pacscan-diff/1",
        "integrity": [{"source": i.source, "state": i.state.value, "summary": i.summary, "problems": list(i.problems)}
                      for i in integrity],
        "has_new_failures": diff.has_new_failures,
        "counts": {c: len(diff.of(c)) for c in CATEGORIES},
        "tenants_added": list(diff.tenants_added),
        "tenants_removed": list(diff.tenants_removed),
        "notes": list(diff.notes),
        "changes": [_change_document(c) for c in diff.changes],
    }


def _change_document(c: Change) -> dict[str, Any]:
    return {
        "category": c.category, "tenant": c.tenant, "control_id": c.control_id,
        "resource": {"address": c.address, "file": c.file},
        "old_status": c.old_status.value if c.old_status else None,
        "new_status": c.new_status.value if c.new_status else None,
        "observed": [{"key": k, "old": old, "new": new} for k, old, new in c.values],
    }


def grouped(changes: Iterable[Change]) -> Mapping[str, Mapping[str, list[Change]]]:
    """tenant -> control id -> changes, in sorted order."""
    out: dict[str, dict[str, list[Change]]] = {}
    for c in sorted(changes, key=lambda c: (c.tenant, c.control_id, CATEGORIES.index(c.category), c.address)):
        out.setdefault(c.tenant, {}).setdefault(c.control_id, []).append(c)
    return out


def render_console(diff: EvidenceDiff, *, color: bool = False, width: int = 100,
                   integrity: Sequence[Integrity] = ()) -> str:
    """The diff as a Rich report, rendered to a string (plain text with ``color=False``); the integrity
    of each side (``integrity``) comes first."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color,
                      color_system="standard" if color else None, no_color=not color,
                      highlight=False, emoji=False, markup=False, _environ={})
    for side in integrity:
        style = "bold red" if side.tampered else "green" if side.state.value == "verified" else "bold yellow"
        console.print(Text(f"Integrity of {side.source}: {side.summary}", style=style))
        for problem in side.problems:
            console.print(Text(f"  {problem}", style="red"))
    for part in _console_parts(diff):
        console.print(part)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


_STYLES = {"newly_failing": "bold red", "fixed": "green", "status_changed": "bold yellow",
           "new": "cyan", "removed": "dim", "observed_changed": "magenta"}


def _console_parts(diff: EvidenceDiff) -> Iterable[Text]:
    counts = ", ".join(f"{len(diff.of(c))} {TITLES[c].lower()}" for c in CATEGORIES)
    yield Text.assemble(("Evidence diff: ", "bold"), counts)
    for name in diff.tenants_added:
        yield Text(f"Tenant added: {name}", style="cyan")
    for name in diff.tenants_removed:
        yield Text(f"Tenant removed: {name}", style="dim")
    for note in diff.notes:
        yield Text(f"Note: {note}", style="bold yellow")
    if not diff.changes:
        yield Text("No change in findings.", style="green")
    for tenant, controls in grouped(diff.changes).items():
        yield Text("")
        yield Text(f"Tenant {tenant}" if tenant != SINGLE_TENANT else "Scan", style="bold underline")
        for control_id, changes in controls.items():
            yield Text(f"  {control_id}", style="bold")
            for c in changes:
                yield from _change_lines(c)


def _change_lines(c: Change) -> Iterable[Text]:
    where = c.address + (f"  ({c.file})" if c.file else "")
    old = c.old_status.value.upper() if c.old_status else "-"
    new = c.new_status.value.upper() if c.new_status else "-"
    label = TITLES[c.category].upper()
    if c.category == "observed_changed":
        yield Text.assemble("    ", (label, _STYLES[c.category]), f"  {where}")
        for key, before, after in c.values:
            yield Text(f"      {key}: {_shown(before)} -> {_shown(after)}")
        return
    status = new if c.category == "new" else old if c.category == "removed" else f"{old} -> {new}"
    yield Text.assemble("    ", (label, _STYLES[c.category]), f"  {where}  [{status}]")


def _shown(value: Any) -> str:
    return ABSENT if value is ABSENT else compact_evidence(value)
