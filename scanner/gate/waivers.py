"""Accountable waivers (``waivers.yaml``) and Checkov inline skips.

    waivers:
      - control: NET-ADMIN
        resource: "aws_security_group.bastion*"     # Terraform address or cloud id; glob allowed
        justification: Break-glass bastion, SSH limited by an upstream firewall
        owner: it-security@clinic.example
        ticket: SEC-142
        expires: 2027-03-31
        file: "infra/network/*.tf"                   # optional: only findings in these files

A waiver turns matching failures into ``waived`` findings carrying the waiver. An expired
waiver no longer applies and is reported as expired; one that matches nothing is stale.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from scanner import yamlfile
from scanner.errors import InputError
from scanner.models import Finding, Status, Waiver


class WaiverError(InputError):
    pass


_TEXT = {"type": "string", "minLength": 1, "pattern": r"\S"}
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["waivers"],
    "properties": {
        "waivers": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["control", "resource", "justification", "expires"],
                "properties": {
                    "control": _TEXT,
                    "resource": _TEXT,
                    "justification": _TEXT,
                    "owner": _TEXT,
                    "ticket": _TEXT,
                    "expires": _TEXT,
                    "file": _TEXT,
                },
            },
        }
    },
}
NO_REASON = "No comment provided"  # what Checkov records for `#checkov:skip=ID` without a reason


def load_waivers(path: Path, control_ids: Iterable[str], shown: str | None = None) -> tuple[Waiver, ...]:
    """``shown`` is how the file is named in each waiver's origin (relative to the repository root)."""
    doc = yamlfile.load(path, WaiverError)
    yamlfile.validate(doc, _SCHEMA, WaiverError)
    known = set(control_ids)
    out: list[Waiver] = []
    for index, entry in enumerate(doc.data["waivers"]):
        where: tuple[str | int, ...] = ("waivers", index)
        if entry["control"] not in known:
            raise doc.error(f"waivers[{index}].control: unknown control {entry['control']}", (*where, "control"),
                            WaiverError)
        try:
            expires = dt.date.fromisoformat(entry["expires"])
        except ValueError:
            raise doc.error(f"waivers[{index}].expires: not a date (YYYY-MM-DD): {entry['expires']!r}",
                            (*where, "expires"), WaiverError) from None
        out.append(Waiver(
            control_id=entry["control"], resource=entry["resource"], justification=entry["justification"].strip(),
            owner=entry.get("owner"), ticket=entry.get("ticket"), expires=expires.isoformat(),
            origin=f"{shown or path}:{doc.line_of(where)}", file=entry.get("file"),
        ))
    return tuple(out)


def _matches(waiver: Waiver, finding: Finding) -> bool:
    if waiver.file is not None and not fnmatch.fnmatchcase(finding.resource.file or "", waiver.file):
        return False
    return waiver.control_id == finding.control_id and fnmatch.fnmatchcase(finding.resource.address, waiver.resource)


def apply_waivers(findings: Sequence[Finding], waivers: Sequence[Waiver],
                  today: dt.date) -> tuple[list[Finding], tuple[Waiver, ...], tuple[Waiver, ...]]:
    """Waive matching failures. Returns (findings, expired waivers, stale waivers)."""
    live = [w for w in waivers if w.expires is None or dt.date.fromisoformat(w.expires) >= today]
    expired = tuple(w for w in waivers if w not in live)
    used: set[Waiver] = set()
    out: list[Finding] = []
    for finding in findings:
        waiver = next((w for w in live if _matches(w, finding)), None)
        if waiver is not None and finding.status is Status.FAIL:
            used.add(waiver)
            finding = dataclasses.replace(finding, status=Status.WAIVED, waiver=waiver,
                                          message=f"{finding.message} (waived: {waiver.justification})")
        elif waiver is not None:
            used.add(waiver)  # it matches a resource that passes now: not stale, just not needed
        out.append(finding)
    stale = tuple(w for w in live if w not in used)
    return out, expired, stale


def apply_inline_skips(findings: Sequence[Finding]) -> tuple[list[Finding], tuple[str, ...]]:
    """Checkov skips arrive as `waived` findings: attach the skip as a waiver. A skip without a
    reason is not an accountable waiver: the check was not evaluated, so it is `unknown`."""
    out: list[Finding] = []
    unreasoned: list[str] = []
    for finding in findings:
        if finding.status is not Status.WAIVED or finding.waiver is not None:
            out.append(finding)
            continue
        reason = str(finding.evidence.get("skip_reason") or "").strip()
        if not reason or reason == NO_REASON:
            unreasoned.append(finding.key)
            out.append(dataclasses.replace(
                finding, status=Status.UNKNOWN,
                message=f"{finding.check_id} skipped inline without a reason: not evaluated and not waived"))
            continue
        waiver = Waiver(control_id=finding.control_id, resource=finding.resource.address, justification=reason,
                        owner=None, ticket=None, expires=None, origin="inline skip comment")
        out.append(dataclasses.replace(finding, waiver=waiver))
    return out, tuple(unreasoned)
