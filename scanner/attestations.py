"""Attestations: evidence for the controls infrastructure cannot show.

    attestations:
      - control: ADM-RISK-ANALYSIS
        attested_by: Dr. Jane Doe, Security Official
        date: 2026-03-01
        evidence: https://intranet.example/risk-analysis-2026.pdf
        expires: 2027-03-01

Each attestation control becomes one finding: ``attested`` (an entry whose expiry is in the
future), ``expired`` (its newest entry has expired) or ``missing`` (no entry, or no file).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scanner import yamlfile
from scanner.errors import AttestationError
from scanner.models import Control, Evaluation, Finding, ResourceRef, Source, Status

_DATE = {"type": "string", "format": "date"}
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["attestations"],
    "properties": {
        "attestations": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["control", "attested_by", "date", "evidence", "expires"],
                "properties": {
                    "control": {"type": "string", "minLength": 1},
                    "attested_by": {"type": "string", "minLength": 1},
                    "date": _DATE,
                    "evidence": {"type": "string", "minLength": 1},
                    "expires": _DATE,
                },
            },
        }
    },
}


def _parse_date(doc: yamlfile.Document, text: str, where: tuple[str | int, ...]) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise doc.error(f"{'.'.join(map(str, where))}: not a date (YYYY-MM-DD): {text!r}", where,
                        AttestationError) from None


def evaluate_attestations(controls: Iterable[Control], path: Path | None,
                          today: dt.date) -> tuple[Finding, ...]:
    wanted = [c for c in controls if c.evaluation is Evaluation.ATTESTATION]
    entries: dict[str, dict[str, Any]] = {}
    if path is not None:
        entries = _load(path, {c.id for c in controls}, {c.id for c in wanted})
    return tuple(_finding(c, entries.get(c.id), path, today) for c in wanted)


def _load(path: Path, known: set[str], attestable: set[str]) -> dict[str, dict[str, Any]]:
    doc = yamlfile.load(path, AttestationError)
    yamlfile.validate(doc, _SCHEMA, AttestationError)
    newest: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(doc.data["attestations"]):
        where: tuple[str | int, ...] = ("attestations", index)
        control = entry["control"]
        if control not in known:
            raise doc.error(f"attestations[{index}].control: unknown control {control}",
                            (*where, "control"), AttestationError)
        if control not in attestable:
            raise doc.error(f"attestations[{index}].control: {control} is evaluated from infrastructure, "
                            "not by attestation", (*where, "control"), AttestationError)
        date = _parse_date(doc, entry["date"], (*where, "date"))
        expires = _parse_date(doc, entry["expires"], (*where, "expires"))
        if expires < date:
            raise doc.error(f"attestations[{index}].expires: {expires} is before date {date}",
                            (*where, "expires"), AttestationError)
        parsed = {**entry, "date": date, "expires": expires, "line": doc.line_of(where)}
        if control not in newest or newest[control]["date"] <= date:
            newest[control] = parsed
    return newest


def _finding(control: Control, entry: dict[str, Any] | None, path: Path | None,
             today: dt.date) -> Finding:
    file = str(path) if path is not None else None
    if entry is None:
        reason = "no attestation file given" if path is None else "no attestation for this control"
        return Finding(control.id, Status.MISSING, control.severity, Source.ATTESTATION,
                       ResourceRef(f"attestation:{control.id}", "attestation", file),
                       "attestation", reason, {"attested": False}, control.remediation.text)
    status = Status.ATTESTED if entry["expires"] >= today else Status.EXPIRED
    line = entry["line"]
    message = (f"attested by {entry['attested_by']} on {entry['date']}" if status is Status.ATTESTED
               else f"attestation expired on {entry['expires']}")
    evidence = {
        "attested_by": entry["attested_by"],
        "date": entry["date"].isoformat(),
        "expires": entry["expires"].isoformat(),
        "evidence": entry["evidence"],
        "evaluated_on": today.isoformat(),
    }
    return Finding(control.id, status, control.severity, Source.ATTESTATION,
                   ResourceRef(f"attestation:{control.id}", "attestation", file,
                               (line, line) if line else None),
                   "attestation", message, evidence, control.remediation.text)
