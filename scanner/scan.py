"""One scan, end to end: catalog + inputs -> ScanResult. No output formatting here."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.attestations import evaluate_attestations
from scanner.catalog import load_catalog
from scanner.config import effective_parameters
from scanner.iac import Progress, scan_terraform
from scanner.models import ScanResult


@dataclass(frozen=True)
class IacRequest:
    targets: tuple[Path, ...]
    plans: tuple[Path, ...] = ()
    catalog: Path | None = None
    config: Path | None = None
    attestations: Path | None = None
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def run_iac(request: IacRequest, progress: Progress | None = None) -> ScanResult:
    """Validate every input first (nothing is scanned on bad input), then scan."""
    catalog = load_catalog(request.catalog)
    parameters = effective_parameters(catalog, request.config)
    attested = evaluate_attestations(catalog.controls, request.attestations, request.today)
    started = _now()
    findings = scan_terraform(catalog, parameters, request.targets, request.plans, progress)
    targets: Sequence[str] = [str(t) for t in request.targets] + [f"plan:{p}" for p in request.plans]
    return ScanResult(
        scan_id=str(uuid.uuid4()),
        started_at=started,
        finished_at=_now(),
        targets=tuple(targets),
        catalog_sha256=catalog.sha256,
        controls=catalog.controls,
        findings=tuple(findings) + attested,
        parameters=parameters,
    )
