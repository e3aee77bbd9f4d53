"""One resource as an input saw it: its kind, where it is, and its facts.

Terraform normalisers and cloud collectors produce the same :class:`Resource` for the same kind
(``aws.s3.bucket`` from ``aws_s3_bucket`` + its sub-resources, or from the S3 API), so one rule
judges both. A fact that is *not configured* is ``None`` where the kind's schema says what that
means; a fact that could *not be read* (access denied, throttled, API disabled) is named in
``errors`` with the reason (or is an ``Unknown(error=True)`` in place); a value that cannot be
*decided* is an :class:`~scanner.facts.values.Unknown`. A fact a live scan deliberately did *not
read* (no selected rule needs it: ``scanner/engine/plan.py``) is named in ``skipped``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.facts.values import Unknown


@dataclass(frozen=True)
class Resource:
    provider: str  # "aws" | "azure" | "gcp" | "dicom" | ...
    type: str  # the kind a rule names, e.g. "aws.s3.bucket"
    id: str  # the finding's address: ARN / Azure resource id / GCP resource name / Terraform address
    name: str
    account: str | None = None  # AWS account id / Azure subscription id / GCP project id
    region: str | None = None
    #: tags as read; Unknown (or a PartialDict) where they could not be seen
    tags: Mapping[str, Any] | Unknown = field(default_factory=dict)
    facts: Mapping[str, Any] = field(default_factory=dict)
    #: top-level fact key -> why it could not be read
    errors: Mapping[str, str] = field(default_factory=dict)
    #: top-level fact key -> where its value came from ("GetBucketVersioning",
    #: "aws_s3_bucket_versioning.pacs (storage.tf:40)")
    origins: Mapping[str, str] = field(default_factory=dict)
    #: which input produced it: "terraform", "terraform-plan", "aws", "azure", "gcp", ...
    source: str = ""
    #: the input's own type name where it differs from the kind ("aws_s3_bucket")
    native_type: str | None = None
    file: str | None = None
    line_range: tuple[int, int] | None = None
    #: other declarations folded into these facts: (address, "file:line") of Terraform sub-resources
    configured_by: tuple[tuple[str, str], ...] = ()
    #: top-level fact key -> how its value was arrived at (Terraform variables, tfvars lines, ...)
    trace: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: None when the resource certainly exists; Unknown when its count/for_each is not known
    exists: Unknown | None = None
    #: names the imaging-data scope may match (the resource name, and e.g. the bucket name)
    names: tuple[str, ...] = ()
    #: fact key (top-level, or a key below one) -> why it was deliberately not read ("not read: no
    #: selected rule needs it ..."); absent from ``facts``. A rule reading it is ``not_applicable``.
    skipped: Mapping[str, str] = field(default_factory=dict)

    @property
    def display_type(self) -> str:
        return self.native_type or self.type

    @property
    def scope_names(self) -> tuple[str, ...]:
        return self.names or (self.name,)


@dataclass(frozen=True)
class CollectionFailure:
    """A whole listing failed (e.g. DescribeSecurityGroups denied in a region): every rule over
    ``type`` in that account/region becomes an ``error`` finding with ``reason``."""

    provider: str
    type: str
    account: str
    region: str | None
    reason: str


@dataclass(frozen=True)
class Inventory:
    """Everything a collector produced for one scan."""

    resources: tuple[Resource, ...] = ()
    failures: tuple[CollectionFailure, ...] = ()
    #: who scanned: caller ARN / Azure principal / GCP service account, per account
    identities: Mapping[str, str] = field(default_factory=dict)
    #: API operations performed, "service:Operation" -> count (for least-privilege tests)
    calls: Mapping[str, int] = field(default_factory=dict)
    #: the same, per resource kind the calls were made for ("aws.s3.bucket" -> operation -> count);
    #: calls made for no one kind (identity, region listing) are only in ``calls``
    calls_by_kind: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    #: inputs besides the collector's own cloud that ran and judged something ("dicom-probe",
    #: "deid"): their findings judge the attestation controls that name them in ``probed_by``
    inputs: tuple[str, ...] = ()
    #: what was deliberately not read (objects past the sample, a listing cut short), one line each
    notes: tuple[str, ...] = ()
