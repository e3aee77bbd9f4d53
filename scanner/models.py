"""The values that flow through pacscan: controls in, findings out.

Everything here is a frozen dataclass: parsed and validated at the edges (catalog loader,
Checkov adapter, collectors), immutable afterwards.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NewType

ControlId = NewType("ControlId", str)
CheckId = NewType("CheckId", str)

#: JSON-compatible observed values attached to a finding.
Evidence = Mapping[str, Any]


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class Status(enum.StrEnum):
    """The verdict of one finding.

    ``pass``/``fail`` come from an evaluated setting; ``error`` means the setting could not be read
    (denied, throttled, unreachable, unparseable) and ``unknown`` that it cannot be decided (known
    only after apply, a variable with no value): neither is ever a pass. ``not_applicable`` means
    the rule does not apply to the resource (object-lock retention on a bucket without object
    lock), or, for a control, that nothing of the kinds it judges was found. ``attested``/``missing``/``expired``
    come from the attestation file for controls infrastructure cannot show; ``waived`` is a
    failure someone accepted on the record (an inline Checkov skip with a reason, or a waiver).
    """

    PASS = "pass"
    FAIL = "fail"
    WAIVED = "waived"
    ERROR = "error"
    UNKNOWN = "unknown"
    ATTESTED = "attested"
    MISSING = "missing"
    EXPIRED = "expired"
    NOT_APPLICABLE = "not_applicable"

    @property
    def is_failure(self) -> bool:
        """A gap the owner must fix (as opposed to one the scanner could not judge)."""
        return self in (Status.FAIL, Status.MISSING, Status.EXPIRED)

    @property
    def is_unevaluated(self) -> bool:
        return self in (Status.ERROR, Status.UNKNOWN)

    @property
    def rank(self) -> int:
        """Worse is higher: used to roll findings up into a control status."""
        return _STATUS_RANK[self]


_STATUS_RANK = {
    Status.NOT_APPLICABLE: -1,
    Status.PASS: 0,
    Status.ATTESTED: 0,
    Status.WAIVED: 1,
    Status.UNKNOWN: 2,
    Status.ERROR: 3,
    Status.EXPIRED: 4,
    Status.MISSING: 4,
    Status.FAIL: 5,
}


class Safeguard(enum.StrEnum):
    TECHNICAL = "technical"
    ADMINISTRATIVE = "administrative"
    PHYSICAL = "physical"
    PRIVACY = "privacy"
    BREACH = "breach"


class Evaluation(enum.StrEnum):
    """How a control is judged: from infrastructure (automated) or from an attestation."""

    AUTOMATED = "automated"
    ATTESTATION = "attestation"


class Source(enum.StrEnum):
    TERRAFORM = "terraform"
    TERRAFORM_PLAN = "terraform-plan"
    AWS = "aws"
    AZURE = "azure"
    GCP = "gcp"
    ATTESTATION = "attestation"
    #: ``pacscan probe dicom``: what a DICOM endpoint accepts from the network
    DICOM_PROBE = "dicom-probe"
    #: ``pacscan deid`` (and ``cloud --deid-sample``): image headers and EXIF of sampled objects
    DEID = "deid"


@dataclass(frozen=True)
class Citation:
    section: str  # e.g. "45 CFR 164.312(a)(2)(iv)"
    title: str
    specification: str  # "required" | "addressable" | "standard"


#: the cloud providers a resource, a rule and a provider-specific fix can belong to
PROVIDERS = ("aws", "azure", "gcp")


#: Terraform provider prefix of a resource type -> provider
_TERRAFORM_PROVIDERS = {"aws": "aws", "azurerm": "azure", "azuread": "azure", "azapi": "azure", "google": "gcp"}


def provider_of(source: str, resource_type: str) -> str | None:
    """The cloud provider of a finding's resource: the live source itself, else the Terraform type's
    provider prefix (``aws_s3_bucket``) or the resource kind's (``aws.s3.bucket``); None for an
    attestation or a type no provider owns."""
    if source in PROVIDERS:
        return source
    for separator in ("_", "."):
        prefix = resource_type.split(separator, 1)[0]
        if prefix in _TERRAFORM_PROVIDERS and separator in resource_type:
            return _TERRAFORM_PROVIDERS[prefix]
    return None


@dataclass(frozen=True)
class ProviderFix:
    """One provider's fix for a control: shown only beside that provider's resources."""

    provider: str  # one of PROVIDERS
    text: str
    terraform: str | None = None
    cli: str | None = None


@dataclass(frozen=True)
class Remediation:
    """``text`` is provider-neutral; ``providers`` hold each provider's own fix (AWS advice is never
    shown for an Azure storage account)."""

    text: str
    terraform: str | None = None
    cli: str | None = None
    providers: tuple[ProviderFix, ...] = ()

    def for_provider(self, provider: str | None) -> ProviderFix:
        """The fix for ``provider``'s resources; the provider-neutral text when it has none."""
        for fix in self.providers:
            if fix.provider == provider:
                return fix
        return ProviderFix(provider="", text=self.text, terraform=self.terraform, cli=self.cli)


@dataclass(frozen=True)
class Control:
    id: ControlId
    title: str
    safeguard: Safeguard
    evaluation: Evaluation
    citations: tuple[Citation, ...]
    severity: Severity
    rationale: str
    remediation: Remediation
    references: tuple[str, ...] = ()
    #: Checkov ids (built-in or ours in policies/) that evaluate this control on Terraform.
    terraform_checks: tuple[CheckId, ...] = ()
    #: attestation controls only: inputs ("dicom-probe", "deid") whose findings judge the control
    #: in a scan where they ran, instead of the attestation
    probed_by: tuple[str, ...] = ()
    #: catalog parameters the control's rules read (thresholds, port lists, the imaging-data scope)
    parameters: tuple[str, ...] = ()

    @property
    def citation_refs(self) -> tuple[str, ...]:
        return tuple(c.section for c in self.citations)


@dataclass(frozen=True)
class ResourceRef:
    """Where a finding is: a Terraform address and file, or a cloud id / ARN."""

    address: str
    type: str
    file: str | None = None
    line_range: tuple[int, int] | None = None
    account: str | None = None
    region: str | None = None
    #: files of the declarations folded into this resource (a Terraform bucket's versioning resource)
    configured_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class Waiver:
    """An accepted failure, on the record: who accepted it, why, until when."""

    control_id: str
    resource: str  # address glob
    justification: str
    owner: str | None
    ticket: str | None
    expires: str | None  # ISO date; None only for inline Checkov skips
    origin: str  # "waivers.yaml:12" or "inline skip comment"
    #: a glob over the finding's file (relative to the repository root); None: any file
    file: str | None = None


@dataclass(frozen=True)
class Finding:
    control_id: ControlId
    status: Status
    severity: Severity
    source: Source
    resource: ResourceRef
    check_id: str
    message: str
    evidence: Evidence = field(default_factory=dict)
    remediation: str = ""
    waiver: Waiver | None = None
    #: a failure already recorded in the --baseline file (reported, but does not fail the gate)
    baselined: bool = False
    #: of a failure: what failed, digested (:mod:`scanner.engine.witness`); "" when not known
    digest: str = ""

    @property
    def key(self) -> str:
        """Identity across runs: control + resource address + file (no line numbers, so it is
        stable under reformatting and moves; the file, relative to the repository root, keeps equal
        addresses in two folders apart)."""
        return f"{self.control_id}|{self.resource.address}|{self.resource.file or ''}"

    @property
    def identity(self) -> tuple[str, ...]:
        """One verdict per (control, check, resource): no two findings of a scan share it."""
        r = self.resource
        return (self.control_id, self.check_id, r.address, r.file or "", r.account or "", r.region or "")

    @property
    def baseline_key(self) -> str:
        """What a baseline records of a failure: its key, the check and the digest of what failed,
        so a new failure on a baselined resource (another port opened) is new."""
        return f"{self.key}|{self.check_id}|{self.digest}"


@dataclass(frozen=True)
class GateNotes:
    """What the CI gate (baseline, waivers) adds to a scan result."""

    baseline: str | None = None
    #: baseline entries (finding keys) that no longer fail: fixed since the baseline
    fixed: tuple[str, ...] = ()
    expired_waivers: tuple[Waiver, ...] = ()
    stale_waivers: tuple[Waiver, ...] = ()
    #: inline skips without a reason (finding keys)
    unreasoned_skips: tuple[str, ...] = ()
    #: when the baseline was recorded (its ``created_at``), and the commit that last changed it:
    #: who accepted the failures it lists, and when (None: not in a git checkout)
    baseline_created_at: str | None = None
    baseline_commit: GitRevision | None = None


@dataclass(frozen=True)
class ControlSummary:
    control: Control
    status: Status
    counts: Mapping[Status, int]


@dataclass(frozen=True)
class GitRevision:
    """The commit a scanned folder was checked out at: who wrote what was scanned, and which version."""

    commit: str
    author: str  # "Name <email>" of the commit's author
    committed_at: str  # RFC 3339
    #: uncommitted or untracked changes under the target when it was scanned
    dirty: bool


@dataclass(frozen=True)
class ScanTarget:
    """One scanned target (as listed in ``ScanResult.targets``) and where it came from."""

    target: str
    #: the git checkout a Terraform folder or plan file lives in (None: not a git checkout)
    git: GitRevision | None = None


@dataclass(frozen=True)
class KindCalls:
    """The API requests a live scan made for one resource kind, and how many resources it found."""

    requests: int
    resources: int
    by_operation: Mapping[str, int] = field(default_factory=dict)

    @property
    def per_resource(self) -> float | None:
        return round(self.requests / self.resources, 2) if self.resources else None


@dataclass(frozen=True)
class ApiCalls:
    """The API requests a live scan made: per operation (``service:Operation``) and per resource kind
    (calls made for no one kind, such as the identity and region lookups, count only per operation)."""

    by_operation: Mapping[str, int] = field(default_factory=dict)
    by_kind: Mapping[str, KindCalls] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())


@dataclass(frozen=True)
class ScanResult:
    scan_id: str
    started_at: str  # RFC 3339, UTC
    finished_at: str
    targets: tuple[str, ...]
    catalog_sha256: str
    controls: tuple[Control, ...]
    findings: tuple[Finding, ...]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    gate: GateNotes = field(default_factory=GateNotes)
    #: live scans: account / subscription / project -> the identity that scanned it
    identities: Mapping[str, str] = field(default_factory=dict)
    #: what was deliberately not read (hidden folders, override files), one line each
    notes: tuple[str, ...] = ()
    #: attestation controls judged in this scan by an input they name in ``probed_by`` -> those
    #: inputs; their attestation was not consulted
    judged_by: Mapping[ControlId, tuple[str, ...]] = field(default_factory=dict)
    #: each target with its provenance (the git commit and author of a Terraform folder)
    sources: tuple[ScanTarget, ...] = ()
    #: the absolute folder every file path in the findings is relative to: the scanned target's
    #: repository root (None for live scans, whose findings name no file)
    root: str | None = None
    #: live scans: the API requests made (None for a Terraform scan)
    api_calls: ApiCalls | None = None

    def findings_for(self, control_id: ControlId) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.control_id == control_id)

    def summaries(self) -> tuple[ControlSummary, ...]:
        """Roll findings up per control, in catalog order. An automated control with no finding is
        ``not_applicable``: nothing of the kinds its rules judge was found (whatever could not be
        read or parsed is an ``error`` finding, so it is never silently empty); an attestation
        control with none is ``missing``, unless a probe judged it in this scan (``judged_by``)
        and found nothing of its kinds: then it is ``not_applicable`` too."""
        out = []
        for control in self.controls:
            found = self.findings_for(control.id)
            counts: dict[Status, int] = {s: 0 for s in Status}
            for f in found:
                counts[f.status] += 1
            if found:
                status = max((f.status for f in found), key=lambda s: s.rank)
            elif control.evaluation is Evaluation.ATTESTATION and control.id not in self.judged_by:
                status = Status.MISSING
            else:
                status = Status.NOT_APPLICABLE
            out.append(ControlSummary(control=control, status=status, counts=counts))
        return tuple(out)
