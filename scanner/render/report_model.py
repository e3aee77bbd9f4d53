"""What the compliance officer's report shows, as plain values for the templates.

Built from evidence documents by :mod:`scanner.render.report_build` (the per-control part) and
:mod:`scanner.render.report_summary` (the summary, scans, changes); rendered by the Jinja2
templates in ``scanner/render/templates``. Every string here is raw text: the templates escape it.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.evidence.integrity import Integrity

#: the status of a (control, tenant) cell when the tenant's scan failed or its document lacks the control
NOT_EVALUATED = "not-evaluated"


@dataclass(frozen=True)
class Observation:
    """One observed value, as text (``unknown: reason`` for a value that could not be seen)."""

    key: str
    value: str
    unknown: bool = False


@dataclass(frozen=True)
class CheckView:
    """One check's verdict on one resource, with everything it observed."""

    check_id: str
    status: str
    message: str
    observed: tuple[Observation, ...]
    details: tuple[str, ...] = ()
    #: other recorded evidence (configured by, origins, the reason a value is unknown, ...)
    other: tuple[Observation, ...] = ()


@dataclass(frozen=True)
class WaiverView:
    justification: str
    owner: str
    ticket: str
    expires: str
    origin: str


@dataclass(frozen=True)
class ResourceView:
    """One resource judged for one control (several checks roll up to the worst status)."""

    tenant: str
    address: str
    type: str
    provider: str | None
    location: str
    status: str
    in_scope_by: str | None
    checks: tuple[CheckView, ...]
    waivers: tuple[WaiverView, ...] = ()
    baselined: bool = False


@dataclass(frozen=True)
class FixView:
    """How to fix the failing resources of one provider (or one resource with its own fix)."""

    provider: str  # "AWS", "Azure", "GCP" or "" (provider-neutral)
    text: str
    terraform: str | None
    cli: str | None
    resources: tuple[str, ...]


@dataclass(frozen=True)
class ParameterView:
    name: str
    value: str


@dataclass(frozen=True)
class AttestationView:
    tenant: str
    control_id: str
    title: str
    citations: str
    status: str
    attested_by: str
    date: str
    evidence: str
    expires: str
    recorded_at: str
    message: str


@dataclass(frozen=True)
class ControlView:
    id: str
    title: str
    safeguard: str
    evaluation: str
    severity: str
    status: str
    citations: tuple[str, ...]
    parameters: tuple[ParameterView, ...]
    #: what the imaging_data scope selects, when the control reads it (else empty)
    scope_rule: str
    #: each (tenant, address) the scope put in, and by which tag or name
    scope: tuple[tuple[str, str, str], ...]
    resources: tuple[ResourceView, ...]
    fixes: tuple[FixView, ...]
    attestations: tuple[AttestationView, ...]
    #: (tenant, status) for every tenant: the family verdicts count these
    cells: tuple[tuple[str, str], ...] = ()
    #: tenants with no finding for this control although its status needs one explained
    silent: tuple[tuple[str, str], ...] = ()
    #: False for evidence written before controls recorded the parameters they read
    parameters_known: bool = True

    @property
    def automated(self) -> bool:
        """Judged from infrastructure: an automated control, or an attestation control that a
        probe or de-identification check judged in this scan (``judged_by`` in the evidence)."""
        return self.evaluation != "attestation"


@dataclass(frozen=True)
class Count:
    status: str
    count: int


@dataclass(frozen=True)
class FamilyVerdict:
    family: str
    verdict: str  # "Met", "Not met", ...
    status: str  # the badge that goes with the verdict
    counts: tuple[Count, ...]
    total: int
    explanation: str


@dataclass(frozen=True)
class RiskView:
    severity: str
    control_id: str
    title: str
    text: str
    resources: tuple[str, ...]


@dataclass(frozen=True)
class ChangeRow:
    category: str
    tenant: str
    control_id: str
    address: str
    old_status: str
    new_status: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangesView:
    previous: str
    previous_window: str
    integrity: Integrity | None
    counts: tuple[tuple[str, int], ...]
    rows: tuple[ChangeRow, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ScanView:
    """One tenant's (or one file's) scan: who scanned what, when, with which catalog and version."""

    label: str
    evaluated: bool
    reason: str
    scan_id: str
    window: str
    targets: tuple[str, ...]
    scanned_by: tuple[str, ...]
    catalog: str
    tool: str
    notes: tuple[str, ...]


@dataclass(frozen=True)
class FamilySection:
    family: str
    verdict: FamilyVerdict
    automated: tuple[ControlView, ...]
    attested: tuple[AttestationView, ...]
    missing: tuple[AttestationView, ...]


@dataclass(frozen=True)
class GateView:
    baseline: str
    baseline_recorded: str
    fixed: tuple[str, ...]
    expired_waivers: tuple[WaiverView, ...]
    stale_waivers: tuple[WaiverView, ...]
    unreasoned_skips: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    title: str
    tool: str
    subject: str
    multi_tenant: bool
    integrity: Integrity
    overall: FamilyVerdict
    families: tuple[FamilySection, ...]
    risks: tuple[RiskView, ...]
    attestation_gaps: tuple[RiskView, ...]
    changes: ChangesView | None
    scans: tuple[ScanView, ...]
    unevaluated: tuple[tuple[str, ResourceView], ...]
    failed_tenants: tuple[tuple[str, str], ...]
    gates: tuple[tuple[str, GateView], ...]
