"""Baselines, for adopting the gate on an existing estate.

``--create-baseline FILE`` records today's failures; ``--baseline FILE`` marks failures found
in it as ``baselined`` (reported, not failing the build) and lists baseline entries that no
longer fail as fixed.

An entry is control + resource address + file + check + digest of what failed
(:attr:`Finding.baseline_key`). Files are relative to the repository root of the scanned target
(:mod:`scanner.source_paths`), so the baseline matches from any working directory; no line
numbers, so reformatting and moving lines change nothing; the digest (the exposed ports, the
offending lifecycle rule, ...) makes a *new* failure on a baselined resource new. Files git knows
were renamed since the baseline was recorded (``git diff --find-renames`` from the commit it
names) are followed. A version 1 baseline (no check, no digest) still loads and matches on
control + address + file, with a warning to recreate it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.evidence.writer import write_atomic
from scanner.gate.since import head_commit
from scanner.models import Finding, ScanResult, Status

log = logging.getLogger("pacscan.gate")


class BaselineError(InputError):
    pass


BASELINE_VERSION = 2
_TEXT = {"type": "string"}
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["pacscan_baseline", "failures"],
    "properties": {
        "pacscan_baseline": {"enum": [1, BASELINE_VERSION]},
        "commit": {"type": ["string", "null"]},
        "failures": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["control_id", "address", "file"],
                "properties": {"control_id": _TEXT, "address": _TEXT, "file": _TEXT, "check_id": _TEXT,
                               "digest": _TEXT},
            },
        },
    },
    "if": {"properties": {"pacscan_baseline": {"const": BASELINE_VERSION}}},
    "then": {"properties": {"failures": {"items": {"required": ["check_id", "digest"]}}}},
}


@dataclass(frozen=True)
class Entry:
    control_id: str
    address: str
    file: str
    check_id: str | None = None  # None in a version 1 baseline
    digest: str | None = None

    def key(self, renames: Mapping[str, str]) -> str:
        file = renames.get(self.file, self.file)
        base = f"{self.control_id}|{self.address}|{file}"
        return base if self.check_id is None else f"{base}|{self.check_id}|{self.digest or ''}"


@dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...]
    version: int
    #: the commit the scanned repository was at when the baseline was recorded (renames are followed from it)
    commit: str | None = None

    def __len__(self) -> int:
        return len(self.entries)


def write_baseline(path: Path, result: ScanResult, commit: str | None = None) -> int:
    """Record ``result``'s failures; ``commit`` (default: the commit the scanned repository is at) is
    where renames are followed from."""
    if commit is None and result.root is not None:
        commit = head_commit(Path(result.root))
    failing = sorted({(f.control_id, f.resource.address, f.resource.file or "", f.check_id, f.digest)
                      for f in result.findings if f.status is Status.FAIL})
    doc = {
        "pacscan_baseline": BASELINE_VERSION,
        "created_at": result.finished_at,
        "catalog_sha256": result.catalog_sha256,
        "commit": commit,
        "failures": [{"control_id": c, "address": a, "file": f, "check_id": k, "digest": d}
                     for c, a, f, k, d in failing],
    }
    write_atomic(path, json.dumps(doc, indent=2) + "\n")
    return len(failing)


def load_baseline(path: Path) -> Baseline:
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
    version = int(doc["pacscan_baseline"])
    if version == 1:
        log.warning("%s is a version 1 baseline (no check, no digest): a new failure on a baselined resource is "
                    "hidden; recreate it with --create-baseline", path)
    entries = tuple(Entry(e["control_id"], e["address"], e["file"], e.get("check_id") if version > 1 else None,
                          e.get("digest") if version > 1 else None) for e in doc["failures"])
    return Baseline(entries, version, doc.get("commit"))


def apply_baseline(findings: Sequence[Finding], baseline: Baseline,
                   renames: Mapping[str, str] | None = None) -> tuple[list[Finding], tuple[str, ...]]:
    """Mark known failures; return (findings, baseline entries fixed since, as finding keys).
    ``renames`` maps a file's name when the baseline was recorded to its name now."""
    renames = renames or {}
    known = {e.key(renames): e for e in baseline.entries}
    out: list[Finding] = []
    failing: set[str] = set()
    for finding in findings:
        if finding.status is Status.FAIL:
            failing.add(finding.key if baseline.version == 1 else f"{finding.key}|{finding.check_id}")
            if (finding.key if baseline.version == 1 else finding.baseline_key) in known:
                finding = dataclasses.replace(finding, baselined=True)
        out.append(finding)
    # fixed: nothing of the entry's check fails on its resource any more (a changed failure is not fixed)
    fixed = sorted({_shown(e, renames) for e in known.values() if _shown(e, renames) not in failing})
    return out, tuple(fixed)


def _shown(entry: Entry, renames: Mapping[str, str]) -> str:
    """A fixed entry as the report lists it: the finding key, with the check when there is one."""
    file = renames.get(entry.file, entry.file)
    base = f"{entry.control_id}|{entry.address}|{file}"
    return base if entry.check_id is None else f"{base}|{entry.check_id}"
