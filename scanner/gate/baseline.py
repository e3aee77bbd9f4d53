"""Baselines, for adopting the gate on an existing estate.

``--create-baseline FILE`` records today's failures; ``--baseline FILE`` marks failures found
in it as ``baselined`` (reported, not failing the build) and lists baseline entries that no
longer fail as fixed. Entries are control + resource address + file path: stable under
reformatting and line moves, and two equal addresses in different folders stay apart.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.evidence.writer import write_atomic
from scanner.models import Finding, ScanResult, Status


class BaselineError(InputError):
    pass


BASELINE_VERSION = 1
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["pacscan_baseline", "failures"],
    "properties": {
        "pacscan_baseline": {"const": BASELINE_VERSION},
        "failures": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["control_id", "address", "file"],
                "properties": {"control_id": {"type": "string"}, "address": {"type": "string"},
                               "file": {"type": "string"}},
            },
        },
    },
}


def _key(entry: dict[str, str]) -> str:
    return f"{entry['control_id']}|{entry['address']}|{entry['file']}"


def write_baseline(path: Path, result: ScanResult) -> int:
    failures = sorted({(f.control_id, f.resource.address, f.resource.file or "")
                       for f in result.findings if f.status is Status.FAIL})
    doc = {
        "pacscan_baseline": BASELINE_VERSION,
        "created_at": result.finished_at,
        "catalog_sha256": result.catalog_sha256,
        "failures": [{"control_id": c, "address": a, "file": f} for c, a, f in failures],
    }
    write_atomic(path, json.dumps(doc, indent=2) + "\n")
    return len(failures)


def load_baseline(path: Path) -> frozenset[str]:
    import jsonschema

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BaselineError("baseline file not found (create it with --create-baseline)", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise BaselineError(f"cannot read baseline: {err}", path=str(path)) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise BaselineError(f"invalid JSON: {err.msg}", path=str(path), line=err.lineno) from None
    except RecursionError:
        raise BaselineError("invalid JSON: nested too deeply", path=str(path)) from None
    try:
        jsonschema.validate(doc, _SCHEMA)
    except jsonschema.ValidationError as err:
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise BaselineError(f"not a pacscan baseline: {where}: {err.message}", path=str(path)) from None
    return frozenset(_key(e) for e in doc["failures"])


def apply_baseline(findings: Sequence[Finding], known: frozenset[str]) -> tuple[list[Finding], tuple[str, ...]]:
    """Mark known failures; return (findings, baseline keys fixed since)."""
    out: list[Finding] = []
    failing: set[str] = set()
    for finding in findings:
        if finding.status is Status.FAIL:
            failing.add(finding.key)
            if finding.key in known:
                finding = dataclasses.replace(finding, baselined=True)
        out.append(finding)
    return out, tuple(sorted(known - failing))
