"""One scan, end to end: catalog + inputs -> ScanResult. No output formatting here.

Every input file is loaded and validated before any scanning starts, so bad input costs
nothing and leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner import gate
from scanner.attestations import evaluate_attestations
from scanner.catalog import load_catalog
from scanner.config import effective_parameters
from scanner.iac import Progress, scan_terraform
from scanner.models import Finding, GateNotes, ScanResult, Waiver


@dataclass(frozen=True)
class IacRequest:
    targets: tuple[Path, ...]
    plans: tuple[Path, ...] = ()
    catalog: Path | None = None
    config: Path | None = None
    attestations: Path | None = None
    waivers: Path | None = None
    baseline: Path | None = None
    since: str | None = None
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def run_iac(request: IacRequest, progress: Progress | None = None) -> ScanResult:
    catalog = load_catalog(request.catalog)
    parameters = effective_parameters(catalog, request.config)
    attested = evaluate_attestations(catalog.controls, request.attestations, request.today)
    waivers: tuple[Waiver, ...] = ()
    if request.waivers is not None:
        waivers = gate.load_waivers(request.waivers, [c.id for c in catalog.controls])
    known = gate.load_baseline(request.baseline) if request.baseline is not None else None
    changed = gate.changed_files(request.since, Path.cwd()) if request.since else None
    started = _now()
    findings: Sequence[Finding] = scan_terraform(catalog, parameters, request.targets, request.plans, progress)
    findings, unreasoned = gate.apply_inline_skips(findings)
    findings, expired, stale = gate.apply_waivers([*findings, *attested], waivers, request.today)
    fixed: tuple[str, ...] = ()
    if known is not None:
        findings, fixed = gate.apply_baseline(findings, known)
    if changed is not None:
        findings = gate.limit_to_files(findings, changed)
    targets = [str(t) for t in request.targets] + [f"plan:{p}" for p in request.plans]
    return ScanResult(
        scan_id=str(uuid.uuid4()),
        started_at=started,
        finished_at=_now(),
        targets=tuple(targets),
        catalog_sha256=catalog.sha256,
        controls=catalog.controls,
        findings=tuple(findings),
        parameters=parameters,
        gate=GateNotes(
            baseline=str(request.baseline) if request.baseline else None,
            fixed=fixed, expired_waivers=expired, stale_waivers=stale, unreasoned_skips=unreasoned,
        ),
    )
