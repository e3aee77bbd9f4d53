"""Normalized cloud facts: what a collector observed about one resource, and what it could not read.

A fact that is *not configured* is recorded as ``None`` (evidence: "no lifecycle rule").
A fact that could *not be read* (access denied, throttled after retries, timeout, API disabled)
is recorded in ``errors`` under its top-level key with the reason; every rule that reads it is
then ``error``, never ``pass``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CloudResource:
    provider: str  # "aws" | "azure" | "gcp"
    type: str  # e.g. "aws.s3.bucket" (the `resource` a rule names)
    id: str  # ARN / Azure resource id / GCP resource name: the finding's address
    name: str
    account: str  # AWS account id / Azure subscription id / GCP project id
    region: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    facts: Mapping[str, Any] = field(default_factory=dict)
    #: top-level fact key -> why it could not be read
    errors: Mapping[str, str] = field(default_factory=dict)


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

    resources: tuple[CloudResource, ...] = ()
    failures: tuple[CollectionFailure, ...] = ()
    #: who scanned: caller ARN / Azure principal / GCP service account, per account
    identities: Mapping[str, str] = field(default_factory=dict)
    #: API operations performed, "service:Operation" -> count (for least-privilege tests)
    calls: Mapping[str, int] = field(default_factory=dict)
