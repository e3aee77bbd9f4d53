"""One scan, end to end: catalog + inputs -> ScanResult. No output formatting here.

Every input file is loaded and validated before any scanning starts, so bad input costs
nothing and leaves nothing half-written. The Terraform scan and the live scans share the
same catalog, parameters, attestations and gate steps.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner import gate
from scanner.attestations import evaluate_attestations
from scanner.catalog import Catalog, load_catalog
from scanner.collectors.base import Collector
from scanner.config import effective_parameters
from scanner.engine.evaluate import evaluate_inventory
from scanner.engine.plan import ReadPlan
from scanner.facts.resource import Inventory
from scanner.iac import Progress, TerraformOptions, scan_terraform
from scanner.models import ApiCalls, Finding, GateNotes, KindCalls, ScanResult, ScanTarget, Waiver
from scanner.provenance import file_revision, git_revision, recorded_at
from scanner.selection import Selection
from scanner.source_paths import relative, scan_root


@dataclass(frozen=True)
class ScanInputs:
    """What every scan takes besides its targets."""

    catalog: Path | None = None
    config: Path | None = None
    attestations: Path | None = None
    waivers: Path | None = None
    baseline: Path | None = None
    since: str | None = None
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())
    #: --check / --skip-check
    selection: Selection = field(default_factory=Selection)


@dataclass(frozen=True)
class IacRequest:
    targets: tuple[Path, ...]
    plans: tuple[Path, ...] = ()
    inputs: ScanInputs = field(default_factory=ScanInputs)
    terraform: TerraformOptions = field(default_factory=TerraformOptions)


@dataclass(frozen=True)
class Prepared:
    catalog: Catalog
    parameters: dict[str, Any]
    attested: tuple[Finding, ...]
    waivers: tuple[Waiver, ...]
    baseline: gate.Baseline | None
    #: --since: files changed since the ref, relative to ``root``
    changed: frozenset[str] | None
    #: the repository root every path is relative to (:mod:`scanner.source_paths`); None for live scans
    root: Path | None = None
    #: what the selection (--check/--skip-check) left out, for the scan's notes
    notes: tuple[str, ...] = ()


def now_utc() -> str:
    """The current time as RFC 3339 UTC to the second (scan windows in the evidence)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def prepare(inputs: ScanInputs, root: Path | None = None) -> Prepared:
    """Load and validate every input file before anything is scanned. ``root`` is the repository
    root of a Terraform scan (``--since`` asks git there; waiver origins are shown relative to it)."""
    full = load_catalog(inputs.catalog)
    catalog, selected = inputs.selection.apply(full)  # input files are validated against the full catalog
    kept = {c.id for c in catalog.controls}
    parameters = effective_parameters(catalog, inputs.config)
    attested = tuple(f for f in evaluate_attestations(full.controls, inputs.attestations, inputs.today)
                     if f.control_id in kept)
    if root is not None:  # the attestation file, too, is named relative to the repository root
        attested = tuple(replace(f, resource=replace(f.resource, file=relative(f.resource.file, root)))
                         if f.resource.file else f for f in attested)
    waivers: tuple[Waiver, ...] = ()
    if inputs.waivers is not None:
        shown = relative(inputs.waivers, root) if root is not None else None
        loaded = gate.load_waivers(inputs.waivers, [c.id for c in full.controls], shown=shown)
        waivers = tuple(w for w in loaded if w.control_id in kept)  # a skipped control's waiver is not stale
    known = gate.load_baseline(inputs.baseline) if inputs.baseline is not None else None
    if known is not None and selected:  # what was not run is neither fixed nor new
        checks = {r.id for r in catalog.rules} | set(catalog.terraform_check_ids())
        known = replace(known, entries=tuple(e for e in known.entries if e.control_id in kept
                                             and (e.check_id is None or e.check_id in checks)))
    changed = None
    if inputs.since:
        if root is None:
            raise gate.GitError("--since is for Terraform scans (it compares files in a git repository)")
        changed = gate.changed_files(inputs.since, root)
    return Prepared(catalog, parameters, attested, waivers, known, changed, root, selected)


def finish(prepared: Prepared, inputs: ScanInputs, findings: Sequence[Finding], targets: Sequence[str],
           started: str, identities: Mapping[str, str] | None = None, notes: Sequence[str] = (),
           sources: Sequence[ScanTarget] = (), probes: Sequence[str] = (),
           api_calls: ApiCalls | None = None) -> ScanResult:
    """The gate steps shared by every scan: inline skips, waivers, baseline, changed files.

    ``probes`` are the inputs besides Terraform and the clouds that ran ("dicom-probe", "deid"):
    an attestation control naming one of them in ``probed_by`` is judged by their findings, and
    its attestation is not consulted."""
    catalog = prepared.catalog
    judged_by = {c.id: ran for c in catalog.controls
                 if (ran := tuple(p for p in catalog.probes_judging(c) if p in probes))}
    attested = [f for f in prepared.attested if f.control_id not in judged_by]
    findings, unreasoned = gate.apply_inline_skips(findings)
    findings, expired, stale = gate.apply_waivers([*findings, *attested], prepared.waivers, inputs.today)
    findings = one_per_check(findings)
    fixed: tuple[str, ...] = ()
    if prepared.baseline is not None:
        findings, fixed = gate.apply_baseline(findings, prepared.baseline, _renames(prepared, inputs))
    if prepared.changed is not None:
        findings = gate.limit_to_files(findings, prepared.changed)
    return ScanResult(
        scan_id=str(uuid.uuid4()),
        started_at=started,
        finished_at=now_utc(),
        targets=tuple(targets),
        catalog_sha256=prepared.catalog.sha256,
        controls=prepared.catalog.controls,
        findings=tuple(findings),
        parameters=prepared.parameters,
        gate=GateNotes(
            baseline=_shown(inputs.baseline, prepared.root) if inputs.baseline else None,
            fixed=fixed, expired_waivers=expired, stale_waivers=stale, unreasoned_skips=unreasoned,
            baseline_created_at=recorded_at(inputs.baseline) if inputs.baseline else None,
            baseline_commit=file_revision(inputs.baseline) if inputs.baseline else None,
        ),
        identities=dict(identities or {}),
        notes=(*prepared.notes, *notes),
        sources=tuple(sources) or tuple(ScanTarget(t) for t in targets),
        judged_by=judged_by,
        root=str(prepared.root) if prepared.root is not None else None,
        api_calls=api_calls,
    )


def one_per_check(findings: Sequence[Finding]) -> list[Finding]:
    """One verdict per (control, check, resource): should an input report one twice (two folders
    declaring the same address in the same file cannot; a Checkov graph check can), the worst stays."""
    kept: dict[tuple[str, ...], Finding] = {}
    for finding in findings:
        seen = kept.get(finding.identity)
        if seen is None or finding.status.rank > seen.status.rank:
            kept[finding.identity] = finding
    return list(kept.values())


def _renames(prepared: Prepared, inputs: ScanInputs) -> dict[str, str]:
    """Files renamed since the baseline was recorded: from the commit it names, else from the commit
    that last changed the baseline file."""
    if prepared.root is None or prepared.baseline is None or inputs.baseline is None:
        return {}
    since = prepared.baseline.commit
    if since is None:
        revision = file_revision(inputs.baseline)
        since = revision.commit if revision is not None else None
    return gate.renamed_files(since, prepared.root) if since else {}


def _shown(path: Path, root: Path | None) -> str:
    return relative(path, root) if root is not None else str(path)


def run_iac(request: IacRequest, progress: Progress | None = None) -> ScanResult:
    root = scan_root([*request.targets, *request.plans])
    prepared = prepare(request.inputs, root)
    started = now_utc()
    scan = scan_terraform(prepared.catalog, prepared.parameters, request.targets, request.plans, progress,
                          request.terraform, root=root)
    targets = [str(t) for t in request.targets] + [f"plan:{p}" for p in request.plans]
    paths = [*request.targets, *request.plans]
    sources = [ScanTarget(label, git_revision(path)) for label, path in zip(targets, paths, strict=True)]
    return finish(prepared, request.inputs, scan.findings, targets, started, notes=scan.notes, sources=sources)


CollectorFactory = Callable[[Mapping[str, Any]], Collector]


def run_cloud(make_collector: CollectorFactory, target: str, inputs: ScanInputs,
              progress: Progress | None = None) -> ScanResult:
    """A live scan: the collector is built from the effective parameters (it may need them,
    e.g. to know which buckets hold imaging data) after every input file validated."""
    prepared = prepare(inputs)
    started = now_utc()
    collector = make_collector(prepared.parameters)
    plan = read_plan(prepared.catalog, prepared.parameters, collector.provider)
    inventory = collector.collect(progress, plan)
    findings = evaluate_inventory(prepared.catalog, prepared.parameters, inventory, collector.provider, plan.rules)
    for probe in _probe_providers(inventory, collector.provider):  # e.g. --deid-sample's image objects
        findings += evaluate_inventory(prepared.catalog, prepared.parameters, inventory, probe)
    return finish(prepared, inputs, findings, [target], started, inventory.identities, inventory.notes,
                  probes=inventory.inputs, api_calls=api_calls_of(inventory))


def read_plan(catalog: Catalog, parameters: Mapping[str, Any], provider: str) -> ReadPlan:
    """What a live scan of ``provider`` reads: the facts the catalog's rules for it need."""
    return ReadPlan.for_rules(catalog, catalog.rules_for(provider), parameters, provider)


def api_calls_of(*inventories: Inventory) -> ApiCalls:
    """The requests the collectors made, per operation and per resource kind, for the evidence."""
    by_operation: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = {}
    resources: Counter[str] = Counter()
    for inventory in inventories:
        by_operation.update(inventory.calls)
        for kind, calls in inventory.calls_by_kind.items():
            by_kind.setdefault(kind, Counter()).update(calls)
        resources.update(r.type for r in inventory.resources)
    kinds = {kind: KindCalls(requests=sum(by_kind.get(kind, Counter()).values()), resources=resources[kind],
                             by_operation=dict(sorted(by_kind.get(kind, Counter()).items())))
             for kind in sorted(set(by_kind) | set(resources))}
    return ApiCalls(by_operation=dict(sorted(by_operation.items())), by_kind=kinds)


def _probe_providers(inventory: Inventory, provider: str) -> list[str]:
    """Kind prefixes of the resources a collector produced besides its own ("imaging" for the
    image objects ``--deid-sample`` read), in order of appearance."""
    seen = {r.type.split(".", 1)[0]: None for r in inventory.resources}
    seen.update({f.type.split(".", 1)[0]: None for f in inventory.failures})
    return [p for p in seen if p != provider]
