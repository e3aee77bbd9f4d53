"""MSP runs: ``pacscan cloud --tenants tenants.yaml`` scans many clients in one go.

Every input (catalog, --config, attestations, waivers, baseline, tenants.yaml) is validated
before any tenant is scanned. Tenants then run concurrently (``--tenant-concurrency``, default 4),
each on its own thread: its clouds and accounts are collected, evaluated with the tenant's
parameters (catalog defaults < --config < the tenant's ``parameters``) and combined into one
:class:`ScanResult` (findings concatenated, identities merged). Each tenant's evidence is written
to ``<evidence-dir>/<tenant>.json`` as soon as it finishes, and ``index.json`` once all are done.

A tenant whose scan cannot run (unknown profile, a role that cannot be assumed, a missing
environment variable, throttling beyond the retries, an unreachable endpoint) is recorded as
``status: error`` with the reason; the other tenants are unaffected. When an AWS Organization
member account fails but others were scanned, the tenant is ``error`` (its evidence is
incomplete) and the evidence of the accounts that were scanned is still written.

``--shard I/N`` (or ``auto``, from the job runner: :mod:`scanner.shard`) scans one slice of the
tenants; the slice's ``index.json`` records it under ``shard`` (index, count, how many tenants the
whole file lists and its SHA-256), so ``pacscan evidence merge`` can tell a complete set of shards.

Exit codes are not decided here: the CLI (:mod:`scanner.cli_msp`) reads the :class:`MspRun`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.catalog import Catalog
from scanner.collectors.base import Collector
from scanner.engine.evaluate import evaluate_inventory
from scanner.errors import OutputError, PacscanError
from scanner.evidence.bundle import INDEX_NAME, INDEX_SCHEMA, MANIFEST_NAME
from scanner.evidence.writer import write_atomic
from scanner.extras import require
from scanner.facts.resource import Inventory
from scanner.models import Finding, ScanResult
from scanner.msp_progress import LogProgress, RichProgress, TenantProgress
from scanner.render import JsonEvidenceRenderer, ToolMeta
from scanner.scan import Prepared, ScanInputs, api_calls_of, finish, now_utc, prepare, read_plan
from scanner.shard import Shard
from scanner.tenants import AwsAccess, Tenant, load_tenants

log = logging.getLogger("pacscan.msp")
META = ToolMeta(name="pacscan", version=__version__)


class TenantError(PacscanError):
    """One tenant (or one of its accounts) cannot be scanned; recorded in the index, never raised past
    the tenant's own worker."""


# --- one tenant ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TenantOutcome:
    tenant: Tenant
    result: ScanResult | None  # None: nothing could be scanned
    reason: str | None = None  # set: the tenant is in error
    file: str | None = None

    @property
    def status(self) -> str:
        return "error" if self.reason is not None else "ok"

    @property
    def identities(self) -> dict[str, str]:
        return dict(self.result.identities) if self.result is not None else {}

    @property
    def summary(self) -> str:
        if self.reason is not None:
            return f"error: {self.reason}"
        assert self.result is not None
        return f"ok: {len(self.result.findings)} findings from {len(self.result.identities)} account(s)"

    def index_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.tenant.name, "file": self.file, "status": self.status,
                                 "identities": self.identities}
        if self.reason is not None:
            entry["reason"] = self.reason
        if self.tenant.tags:
            entry["tags"] = dict(self.tenant.tags)
        return entry


@dataclass(frozen=True)
class Options:
    """Knobs for every tenant's collectors (tests shrink the AWS retry policy)."""

    api_concurrency: int = 8
    aws_retry: Any = None  # scanner.collectors.aws.session.RetryPolicy


@dataclass(frozen=True)
class SubTarget:
    label: str
    make: Callable[[Mapping[str, Any]], Collector]


def _env(name: str, what: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise TenantError(f"{what} environment variable {name} is not set")
    return value


def _aws_targets(tenant: Tenant, access: AwsAccess, options: Options) -> Iterator[SubTarget]:
    from scanner.collectors.aws.session import AwsTarget

    external_id = access.external_id
    if access.external_id_env is not None:
        external_id = _env(access.external_id_env, "AWS external id")
    base = AwsTarget(profile=access.profile, role_arn=access.role_arn, external_id=external_id,
                     regions=access.regions, session_name=f"pacscan-{tenant.name}"[:64], label=tenant.name)
    if access.organizations is None:
        yield SubTarget(f"aws:{access.role_arn or access.profile or 'default credentials'}",
                        _aws_factory(base, options))
        return
    org = access.organizations
    for account in _member_accounts(base, options):
        if account in org.skip_accounts:
            continue
        # member roles are assumed with the tenant's base credentials (profile / default chain)
        member = dataclasses.replace(base, role_arn=f"arn:aws:iam::{account}:role/{org.role_name}")
        yield SubTarget(f"aws:{account}", _aws_factory(member, options))


def _aws_factory(target: Any, options: Options) -> Callable[[Mapping[str, Any]], Collector]:
    def make(parameters: Mapping[str, Any]) -> Collector:
        from scanner.collectors.aws.collector import AwsCollector

        return AwsCollector(target, parameters=parameters, concurrency=options.api_concurrency,
                            retry=options.aws_retry)

    return make


def _member_accounts(base: Any, options: Options) -> list[str]:
    """ACTIVE accounts of the organization, listed with the tenant's (management) credentials."""
    from botocore.exceptions import BotoCoreError, ClientError

    from scanner.collectors.aws.errors import reason
    from scanner.collectors.aws.session import AwsSession

    session = AwsSession(base, options.aws_retry)
    try:
        pages = session.client("organizations").get_paginator("list_accounts").paginate()
        accounts = sorted(a["Id"] for page in pages for a in page["Accounts"] if a.get("Status") == "ACTIVE")
    except (BotoCoreError, ClientError) as err:
        raise TenantError(f"AWS Organizations: cannot list accounts: {reason(err)}") from None
    if not accounts:
        raise TenantError("AWS Organizations: no ACTIVE member account")
    return accounts


def _azure_target(tenant: Tenant, options: Options) -> SubTarget:
    from scanner.collectors.azure.credentials import AzureTarget

    access = tenant.azure
    assert access is not None
    target = AzureTarget(tenant=access.tenant, subscriptions=access.subscriptions,
                         client_id_env=access.client_id_env, client_secret_env=access.client_secret_env,
                         certificate_path_env=access.certificate_path_env,
                         certificate_password_env=access.certificate_password_env, label=tenant.name)

    def make(_parameters: Mapping[str, Any]) -> Collector:
        from scanner.collectors.azure.collector import AzureCollector

        return AzureCollector(target, concurrency=options.api_concurrency)

    return SubTarget(f"azure:{access.tenant or 'default tenant'}", make)


def _gcp_target(tenant: Tenant, options: Options) -> SubTarget:
    from scanner.collectors.gcp.credentials import GcpProject

    access = tenant.gcp
    assert access is not None
    key_file = Path(_env(access.key_file_env, "GCP key file")) if access.key_file_env else None
    projects = [GcpProject(p, key_file) for p in access.projects]

    def make(_parameters: Mapping[str, Any]) -> Collector:
        from scanner.collectors.gcp.collector import GcpCollector

        return GcpCollector(projects, workers=options.api_concurrency)

    return SubTarget(f"gcp:{','.join(access.projects)}", make)


def _sub_targets(tenant: Tenant, options: Options) -> Iterator[SubTarget]:
    if tenant.aws is not None:
        yield from _aws_targets(tenant, tenant.aws, options)
    if tenant.azure is not None:
        yield _azure_target(tenant, options)
    if tenant.gcp is not None:
        yield _gcp_target(tenant, options)


@dataclass(frozen=True)
class _Collected:
    findings: tuple[Finding, ...] = ()
    targets: tuple[str, ...] = ()
    identities: tuple[tuple[str, str], ...] = ()
    failures: tuple[str, ...] = ()
    inventories: tuple[Inventory, ...] = ()


def _collect(tenant: Tenant, catalog: Catalog, parameters: Mapping[str, Any], options: Options,
             say: Callable[[str], None]) -> _Collected:
    findings: list[Finding] = []
    targets: list[str] = []
    identities: dict[str, str] = {}
    failures: list[str] = []
    inventories: list[Inventory] = []
    try:
        for sub in _sub_targets(tenant, options):
            try:
                collector = sub.make(parameters)
                reads = read_plan(catalog, parameters, collector.provider)
                inventory = collector.collect(say, reads)
            except PacscanError as err:  # CollectorError / TenantError: this account only
                failures.append(f"{sub.label}: {err}")
                continue
            findings += evaluate_inventory(catalog, parameters, inventory, collector.provider, reads.rules)
            targets.append(sub.label)
            identities.update(inventory.identities)
            inventories.append(inventory)
    except PacscanError as err:  # discovery or credentials references: the whole tenant
        failures.append(str(err))
    return _Collected(tuple(findings), tuple(targets), tuple(identities.items()), tuple(failures),
                      tuple(inventories))


def scan_tenant(tenant: Tenant, prepared: Prepared, inputs: ScanInputs, options: Options,
                progress: TenantProgress) -> TenantOutcome:
    """Scan one tenant; every failure becomes the outcome's reason, never an exception."""
    progress.start(tenant.name)
    mine = dataclasses.replace(prepared, parameters={**prepared.parameters, **tenant.parameters})
    if tenant.attested is not None:  # the client's own attestations.yaml replaces --attestations
        mine = dataclasses.replace(mine, attested=tenant.attested)
    started = now_utc()
    try:
        got = _collect(tenant, mine.catalog, mine.parameters, options,
                       lambda message: progress.update(tenant.name, message))
    except Exception as err:  # the tenant's isolation boundary: an unexpected SDK/library error
        log.debug("tenant %s: unexpected error", tenant.name, exc_info=True)
        failure = TenantError(f"unexpected {type(err).__name__}: {err}")
        got = _Collected(failures=(str(failure),))
    if not got.targets and not got.failures:
        got = _Collected(failures=("nothing was scanned: no account, subscription or project left",))
    reason = "; ".join(got.failures) or None
    result = None
    if got.targets:
        result = finish(mine, inputs, got.findings, got.targets, started, dict(got.identities),
                        api_calls=api_calls_of(*got.inventories))
    outcome = TenantOutcome(tenant, result, reason)
    progress.finish(tenant.name, outcome)
    return outcome


# --- the run -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MspRequest:
    tenants_file: Path
    evidence_dir: Path
    inputs: ScanInputs = dataclasses.field(default_factory=ScanInputs)
    shard: Shard | None = None
    tenant_concurrency: int = 4
    options: Options = dataclasses.field(default_factory=Options)


@dataclass(frozen=True)
class MspRun:
    evidence_dir: Path
    outcomes: tuple[TenantOutcome, ...]  # sorted by tenant name

    @property
    def failed(self) -> tuple[TenantOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "error")


@dataclass(frozen=True)
class Plan:
    """What a run will scan, decided before anything is scanned."""

    prepared: Prepared
    tenants: tuple[Tenant, ...]  # this shard's, in file order
    listed: int  # tenants in the whole file (every shard)
    tenants_sha256: str  # of the tenants file: shards of one run read the same file


def plan(request: MspRequest) -> Plan:
    """Validate every input and pick this shard's tenants; nothing is scanned or written."""
    prepared = prepare(request.inputs)
    everyone = load_tenants(request.tenants_file, prepared.catalog, request.inputs.today)
    tenants = request.shard.select(everyone) if request.shard is not None else everyone
    for cloud in sorted({c for t in tenants for c in t.clouds} - {"aws"}):  # boto3 comes with Checkov
        require(cloud, f"tenants with {cloud}:")
    check_evidence_dir(request.evidence_dir, [t.name for t in tenants])
    digest = hashlib.sha256(request.tenants_file.read_bytes()).hexdigest()
    return Plan(prepared, tenants, len(everyone), digest)


def run_msp(request: MspRequest, progress: TenantProgress | None = None) -> MspRun:
    return execute(request, plan(request), progress or LogProgress())


def execute(request: MspRequest, planned: Plan, view: TenantProgress) -> MspRun:
    renderer = JsonEvidenceRenderer()

    def one(tenant: Tenant) -> TenantOutcome:
        outcome = scan_tenant(tenant, planned.prepared, request.inputs, request.options, view)
        return _write_tenant(request.evidence_dir, outcome, renderer)

    with ThreadPoolExecutor(max_workers=max(1, request.tenant_concurrency),
                            thread_name_prefix="pacscan-tenant") as pool:
        outcomes = sorted(pool.map(one, planned.tenants), key=lambda o: o.tenant.name)
    index: dict[str, Any] = {"schema": INDEX_SCHEMA, "tenants": [o.index_entry() for o in outcomes]}
    if request.shard is not None:
        index["shard"] = shard_record(request.shard, planned)
    request.evidence_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(request.evidence_dir / INDEX_NAME, json.dumps(index, indent=2, sort_keys=True) + "\n")
    return MspRun(request.evidence_dir, tuple(outcomes))


def shard_record(shard: Shard, planned: Plan) -> dict[str, Any]:
    """``index.json``'s ``shard``: which slice this is, and of what, so a merge can tell whether
    it holds every slice of one run (same count, same tenants file, indexes 1..count)."""
    return {"index": shard.index, "count": shard.count, "origin": shard.origin,
            "tenants_listed": planned.listed, "tenants_file_sha256": planned.tenants_sha256}


def _write_tenant(root: Path, outcome: TenantOutcome, renderer: JsonEvidenceRenderer) -> TenantOutcome:
    if outcome.result is None:
        return outcome
    name = f"{outcome.tenant.name}.json"
    root.mkdir(parents=True, exist_ok=True)
    write_atomic(root / name, renderer.render(outcome.result, META))
    return dataclasses.replace(outcome, file=name)


def check_evidence_dir(root: Path, tenants: Sequence[str]) -> None:
    """Refuse, before scanning, a directory whose other evidence would be mixed with this run's."""
    if root.exists() and not root.is_dir():
        raise OutputError(f"--evidence-dir {root} is not a directory")
    if not root.is_dir():
        return
    if (root / MANIFEST_NAME).exists():
        raise OutputError(f"--evidence-dir {root} holds a bundled run ({MANIFEST_NAME}); choose a new directory")
    ours = {f"{t}.json" for t in tenants} | {INDEX_NAME}
    stray = sorted(p.name for p in root.glob("*.json") if p.name not in ours)
    if stray:
        raise OutputError(f"--evidence-dir {root} holds other evidence ({', '.join(stray[:5])}); "
                          "choose a new directory")


def default_evidence_dir(inputs: ScanInputs, shard: Shard | None) -> Path:
    suffix = f"-shard-{shard.index}-of-{shard.count}" if shard is not None else ""
    return Path("reports") / f"{inputs.today.isoformat()}-msp{suffix}"


__all__ = [
    "LogProgress",
    "MspRequest",
    "MspRun",
    "Options",
    "Plan",
    "RichProgress",
    "Shard",
    "TenantError",
    "TenantOutcome",
    "check_evidence_dir",
    "default_evidence_dir",
    "execute",
    "plan",
    "run_msp",
    "scan_tenant",
    "shard_record",
]
