"""Inline skip comments on Terraform resources, for findings judged by pacscan's rules.

Checkov records ``#checkov:skip=ID:reason`` on the checks it runs; a rule of ``rules/<provider>``
is not a Checkov check, so its findings read the same comments here. A comment inside a resource's
block skips the findings on that resource whose rule id or control id is ``ID``
(``#checkov:skip=AWS-SG-DICOM:vendor VPN``, ``#pacscan:skip=NET-DICOM:...``). A skipped finding is
``waived`` with the reason in ``skip_reason``, exactly as a Checkov skip arrives, so the gate's
accounting applies: a reason makes it an inline waiver, no reason makes it ``unknown`` and is listed
as an unreasoned skip.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from scanner.facts.resource import Resource
from scanner.models import Finding, Status

_SKIP = re.compile(r"(?:#|//)\s*(?:checkov|pacscan):skip=([A-Za-z0-9_-]+)(?::([^\n]*))?")


def skip_comments(resource: Resource, lines: Mapping[str, Sequence[str]]) -> dict[str, str | None]:
    """ID -> reason (None when not given) of the skip comments inside the resource's block."""
    if not resource.file or not resource.line_range:
        return {}
    text = lines.get(resource.file, ())
    first, last = resource.line_range
    out: dict[str, str | None] = {}
    for line in text[max(first - 1, 0):last]:
        for match in _SKIP.finditer(line):
            reason = (match.group(2) or "").strip()
            out[match.group(1)] = reason or None
    return out


def apply_skip_comments(findings: Iterable[Finding], resources: Iterable[Resource]) -> list[Finding]:
    by_address = {r.id: r for r in resources if r.file and r.line_range}
    lines: dict[str, list[str]] = {}
    for resource in by_address.values():
        if resource.file is not None and resource.file not in lines:
            try:
                lines[resource.file] = Path(resource.file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                lines[resource.file] = []
    out: list[Finding] = []
    for finding in findings:
        judged = by_address.get(finding.resource.address)
        skips = skip_comments(judged, lines) if judged is not None else {}
        key = next((k for k in (finding.check_id, finding.control_id) if k in skips), None)
        if key is None or finding.status is Status.NOT_APPLICABLE:
            out.append(finding)
            continue
        reason = skips[key]
        evidence = {**finding.evidence, "skip_reason": reason}
        out.append(dataclasses.replace(finding, status=Status.WAIVED, evidence=evidence,
                                       message=f"{finding.message} (skipped inline: {reason or 'no reason given'})"))
    return out
