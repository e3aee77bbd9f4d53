"""Findings read back from a pacscan JSON evidence document (an earlier scan, either side)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.evidence.bundle import EvidenceError, load_document
from scanner.models import ControlId, Finding, ResourceRef, Severity, Source, Status


def load_findings(path: Path) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    """The findings and scan targets of one evidence document."""
    doc = load_document(path)
    raw = doc.get("findings")
    if not isinstance(raw, list):
        raise EvidenceError("not a pacscan evidence document: no findings list", path=str(path))
    try:
        findings = tuple(_finding(item) for item in raw)
    except (KeyError, TypeError, ValueError) as err:
        raise EvidenceError(f"malformed finding: {err}", path=str(path)) from err
    targets = doc.get("scan", {}).get("targets") or []
    return findings, tuple(str(t) for t in targets)


def _finding(item: Mapping[str, Any]) -> Finding:
    ref = item["resource"]
    lines = ref.get("line_range")
    return Finding(
        control_id=ControlId(str(item["control_id"])),
        status=Status(item["status"]),
        severity=Severity(item["severity"]),
        source=Source(item["source"]),
        resource=ResourceRef(address=str(ref["address"]), type=str(ref["type"]), file=ref.get("file"),
                             line_range=(int(lines[0]), int(lines[1])) if lines else None,
                             account=ref.get("account"), region=ref.get("region")),
        check_id=str(item["check_id"]),
        message=str(item.get("message", "")),
        evidence=dict(item.get("evidence") or {}),
    )
