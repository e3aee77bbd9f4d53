"""The report's first pages: verdict per safeguard family, top risks, what changed, who scanned what.

Verdicts are over (control, tenant) cells, worst first: any ``fail``/``missing``/``expired`` is
"Not met"; else anything ``error``/``unknown``/not evaluated is "Not fully evaluated" (never a
pass); else a ``waived`` failure is "Met with accepted exceptions"; else "Met"; a family with
nothing of its kind anywhere is "Nothing to judge".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.evidence.bundle import EvidenceSet, TenantEvidence
from scanner.evidence.diff import TITLES, EvidenceDiff
from scanner.evidence.integrity import Integrity
from scanner.models import Safeguard, Severity
from scanner.render.report_build import waiver_view
from scanner.render.report_model import (
    NOT_EVALUATED,
    AttestationView,
    ChangeRow,
    ChangesView,
    ControlView,
    Count,
    FamilySection,
    FamilyVerdict,
    GateView,
    RiskView,
    ScanView,
)
from scanner.render.report_values import ORDER, rank, shown

TOP_RISKS = 5
_VERDICTS = (  # (statuses that decide it, verdict, badge, explanation)
    (("fail", "missing", "expired"), "Not met", "fail", "failing, or without a current attestation"),
    (("error", "unknown", NOT_EVALUATED), "Not fully evaluated", "unknown", "could not be evaluated (never a pass)"),
    (("waived",), "Met with accepted exceptions", "waived", "waived on the record"),
    (("pass", "attested"), "Met", "pass", "pass or attested"),
)


def family_sections(views: Sequence[ControlView], multi: bool) -> tuple[FamilySection, ...]:
    families = [s.value for s in Safeguard]
    families += sorted({v.safeguard for v in views} - set(families))
    out = []
    for family in families:
        members = [v for v in views if v.safeguard == family]
        if not members:
            continue
        records = [a for v in members if not v.automated for a in _records(v)]
        out.append(FamilySection(
            family=family, verdict=verdict(family, members, multi),
            automated=tuple(sorted((v for v in members if v.automated), key=lambda v: rank(v.status))),
            attested=tuple(sorted((a for a in records if a.status != "missing"), key=lambda a: rank(a.status))),
            missing=tuple(a for a in records if a.status == "missing"),
        ))
    return tuple(out)


def _records(v: ControlView) -> list[AttestationView]:
    """An attestation control's records, plus a "nothing recorded" row for each tenant without one."""
    silent = [AttestationView(tenant=t, control_id=v.id, title=v.title, citations="; ".join(v.citations),
                              status="missing" if s == NOT_EVALUATED else s, attested_by="nobody", date="never",
                              evidence="no evidence pointer", expires="-", recorded_at="",
                              message="no attestation recorded")
              for t, s in v.silent]
    return [*v.attestations, *silent]


def verdict(family: str, members: Sequence[ControlView], multi: bool) -> FamilyVerdict:
    cells = [s for v in members for _, s in v.cells]
    tally = {s: cells.count(s) for s in ORDER if s in cells}
    unit = "control result(s) across tenants" if multi else "control(s)"
    counts = tuple(Count(s, n) for s, n in tally.items())
    for decisive, word, badge, why in _VERDICTS:
        n = sum(tally.get(s, 0) for s in decisive)
        if n:
            return FamilyVerdict(family, word, badge, counts, len(cells), f"{n} of {len(cells)} {unit} {why}")
    return FamilyVerdict(family, "Nothing to judge", "not_applicable", counts, len(cells),
                         f"none of the {len(cells)} {unit} found anything of its kind")


def top_risks(views: Sequence[ControlView], multi: bool) -> tuple[RiskView, ...]:
    """Failing automated controls, most severe and widest first, with the resources behind them."""
    risks = []
    for order, v in enumerate(views):
        failing = [r for r in v.resources if r.status == "fail"]
        if not v.automated or not failing:
            continue
        names = tuple(f"{r.address} ({r.tenant})" if multi else r.address for r in failing)
        text = (f"{v.title}. Not met on {len(failing)} of the {len(v.resources)} resource(s) checked "
                f"({'; '.join(v.citations[:1])})")
        risk = RiskView(v.severity, v.id, v.title, text, names)
        risks.append((_severity_rank(v.severity), len(failing), -order, risk))
    risks.sort(key=lambda r: (r[0], r[1], r[2]), reverse=True)
    return tuple(r[3] for r in risks)


def _severity_rank(severity: str) -> int:
    try:
        return Severity(severity).rank
    except ValueError:
        return 0


def attestation_gaps(sections: Sequence[FamilySection], multi: bool) -> tuple[RiskView, ...]:
    """Expired attestations one by one; missing ones as one line per family."""
    out = []
    for s in sections:
        for a in s.attested:
            if a.status == "expired":
                who = f" ({a.tenant})" if multi else ""
                out.append(RiskView("", a.control_id, a.title, f"{a.control_id}{who}: {a.title}: the attestation "
                                    f"expired on {a.expires} (attested by {a.attested_by} on {a.date})", ()))
    for s in sections:
        if s.missing:
            ids = tuple(dict.fromkeys(a.control_id for a in s.missing))
            out.append(RiskView("", "", s.family, f"{len(ids)} {s.family} requirement(s) have no attestation on "
                                "record: nobody has said who vouches for them, where the evidence is, or until when",
                                ids))
    return tuple(out)


def scan_views(evidence: EvidenceSet, multi: bool) -> tuple[ScanView, ...]:
    return tuple(_scan_view(t, multi) for t in evidence.tenants)


def _scan_view(t: TenantEvidence, multi: bool) -> ScanView:
    label = t.name if multi else (t.path or t.name)
    if t.document is None:
        return ScanView(label, False, t.reason or "scan failed", "", "", (), (), "", "", ())
    doc = t.document
    scan: Mapping[str, Any] = doc["scan"]
    tool = doc.get("tool", {})
    return ScanView(
        label=label, evaluated=True, reason="", scan_id=str(scan.get("id", "")),
        window=f"{scan.get('started_at', '')} to {scan.get('finished_at', '')}",
        targets=tuple(str(x) for x in scan.get("targets", [])), scanned_by=_scanned_by(t),
        catalog=str(scan.get("catalog_sha256", "")), tool=f"{tool.get('name', '')} {tool.get('version', '')}".strip(),
        notes=tuple(str(n) for n in scan.get("notes", []) or ()),
    )


def _scanned_by(t: TenantEvidence) -> tuple[str, ...]:
    """Who and what: the cloud identities that scanned, and the git commit and author of each
    Terraform target; says so plainly when the evidence records neither."""
    lines = [f"cloud identity {identity} (account {account})" for account, identity in sorted(t.identities.items())]
    scan = (t.document or {}).get("scan", {})
    for source in scan.get("sources", []) or ():
        git = source.get("git") if isinstance(source, dict) else None
        if isinstance(git, dict):
            dirty = ", with uncommitted changes in the folder" if git.get("dirty") else ""
            lines.append(f"{source.get('target')}: git commit {str(git.get('commit', ''))[:12]} by "
                         f"{git.get('author')}, committed {git.get('committed_at')}{dirty}")
        elif isinstance(source, dict) and not t.identities:
            lines.append(f"{source.get('target')}: not a git checkout, so no commit or author is recorded")
    return tuple(lines) or ("not recorded: this evidence names no cloud identity and no git commit",)


def changes_view(diff: EvidenceDiff, previous: str, previous_evidence: EvidenceSet,
                 integrity: Integrity | None) -> ChangesView:
    docs = [t.document for t in previous_evidence.documents if t.document is not None]
    starts = sorted(str(d["scan"].get("started_at", "")) for d in docs)
    ends = sorted(str(d["scan"].get("finished_at", "")) for d in docs)
    window = f"{starts[0]} to {ends[-1]}" if starts else "no evaluated scan"
    rows = tuple(ChangeRow(
        category=TITLES[c.category], tenant=c.tenant, control_id=c.control_id, address=c.address,
        old_status=c.old_status.value if c.old_status else "-", new_status=c.new_status.value if c.new_status else "-",
        values=tuple(f"{k}: {shown(old)} -> {shown(new)}" for k, old, new in c.values)) for c in diff.changes)
    notes = (*diff.notes, *(f"tenant added: {n}" for n in diff.tenants_added),
             *(f"tenant removed: {n}" for n in diff.tenants_removed))
    return ChangesView(previous=previous, previous_window=window, integrity=integrity,
                       counts=tuple((TITLES[c], len(diff.of(c))) for c in TITLES), rows=rows, notes=notes)


def gate_views(evidence: EvidenceSet) -> tuple[tuple[str, GateView], ...]:
    out = []
    for t in evidence.documents:
        gate = (t.document or {}).get("gate") or {}
        view = GateView(
            baseline=str(gate.get("baseline") or ""), baseline_recorded=_baseline_recorded(gate),
            fixed=tuple(str(k) for k in gate.get("fixed", [])),
            expired_waivers=tuple(waiver_view(w) for w in gate.get("expired_waivers", []) if isinstance(w, dict)),
            stale_waivers=tuple(waiver_view(w) for w in gate.get("stale_waivers", []) if isinstance(w, dict)),
            unreasoned_skips=tuple(str(k) for k in gate.get("unreasoned_skips", [])))
        if view.baseline or view.expired_waivers or view.stale_waivers or view.unreasoned_skips:
            out.append((t.name, view))
    return tuple(out)


def _baseline_recorded(gate: Mapping[str, Any]) -> str:
    if not gate.get("baseline"):
        return ""
    created = f"recorded {gate['baseline_created_at']}" if gate.get("baseline_created_at") else "recording date unknown"
    commit = gate.get("baseline_commit")
    if isinstance(commit, dict):
        return (f"{created}; accepted into the repository by {commit.get('author')} on {commit.get('committed_at')} "
                f"(commit {str(commit.get('commit', ''))[:12]}); a baseline has no expiry: it stands until changed")
    return f"{created}; not in a git checkout, so who accepted it is not recorded; a baseline has no expiry"
