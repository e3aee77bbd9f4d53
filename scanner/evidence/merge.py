"""Merge the shards of a sharded MSP run into one evidence directory.

Each ``--shard I/N`` run writes per-tenant evidence plus an ``index.json`` into its own
directory; the index records the slice under ``shard`` (index, count, how many tenants the
tenants file lists and its SHA-256). Merging copies every tenant's evidence file byte for byte,
unions the index entries (a tenant in two shards is an error: which run is the record?) and writes
one ``index.json`` listing every tenant exactly once, sorted by name, with ``shards``: the count,
the slices merged, the ones missing and whether the set is complete.

An incomplete set (shard 1 of 2 alone, shards of different runs or counts, fewer tenants than the
tenants file lists) is refused, naming what is missing; with ``allow_incomplete`` it is merged and
marked ``complete: false`` with what is missing, and the command says so loudly. Directories with no
``shard`` (runs without ``--shard``) merge as complete runs of their own. Nothing is written until
every shard has been read and checked, and the output directory must not already hold evidence.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.evidence.bundle import (
    INDEX_NAME,
    INDEX_SCHEMA,
    MANIFEST_NAME,
    EvidenceError,
    load_document,
    read_index,
)
from scanner.evidence.writer import write_atomic


@dataclass(frozen=True)
class ShardEntry:
    shard: Path
    entry: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.entry["name"])

    @property
    def file(self) -> str | None:
        file = self.entry.get("file")
        return str(file) if file is not None else None


@dataclass(frozen=True)
class ShardSet:
    """What the merged shards are of: ``count`` slices of one tenants file; ``missing`` the slices
    not given and ``problems`` anything else that makes the set incomplete."""

    count: int | None
    merged: tuple[int, ...]
    missing: tuple[int, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing and not self.problems

    def record(self) -> dict[str, Any]:
        return {"count": self.count, "merged": list(self.merged), "missing": list(self.missing),
                "complete": self.complete, "problems": list(self.problems)}

    def describe(self) -> str:
        parts = [f"shard {', '.join(f'{i}/{self.count}' for i in self.missing)} missing"] if self.missing else []
        return "; ".join([*parts, *self.problems])


@dataclass(frozen=True)
class MergeResult:
    output: Path
    tenants: tuple[str, ...]
    files: tuple[str, ...]
    shards: ShardSet | None = None


def collect_entries(shards: Sequence[Path]) -> tuple[ShardEntry, ...]:
    """Every shard's index entries; a tenant or file claimed twice is an error naming both shards."""
    if not shards:
        raise EvidenceError("give at least one shard directory to merge")
    owners: dict[str, ShardEntry] = {}
    files: dict[str, ShardEntry] = {}
    for shard in shards:
        for item in _shard_entries(Path(shard)):
            if item.name in owners:
                raise EvidenceError(f"tenant {item.name!r} appears in two shards: {owners[item.name].shard} "
                                    f"and {item.shard}; keep one run per tenant", path=str(item.shard))
            owners[item.name] = item
            if item.file is not None and item.file in files:
                raise EvidenceError(f"{item.file} is claimed by tenants {files[item.file].name!r} and "
                                    f"{item.name!r}", path=str(item.shard))
            if item.file is not None:
                files[item.file] = item
    return tuple(sorted(owners.values(), key=lambda e: e.name))


def _shard_entries(shard: Path) -> list[ShardEntry]:
    if not shard.is_dir():
        raise EvidenceError("not a shard directory", path=str(shard))
    index_path = shard / INDEX_NAME
    if not index_path.is_file():
        raise EvidenceError(f"no {INDEX_NAME}: not the output of a --shard run", path=str(shard))
    entries = [ShardEntry(shard, e) for e in read_index(index_path)["tenants"]]
    listed = {e.file for e in entries}
    for path in sorted(shard.glob("*.json")):
        if path.name not in {INDEX_NAME, MANIFEST_NAME} and path.name not in listed:
            raise EvidenceError(f"{path.name} is not listed in {INDEX_NAME}", path=str(shard))
    for e in entries:
        if e.file is not None and (e.entry["status"] == "ok" or (shard / e.file).is_file()):
            load_document(shard / e.file)  # fails early, naming the file, on anything unreadable
    return entries


def shard_set(shards: Sequence[Path], tenants: int) -> ShardSet | None:
    """Which slices of which run ``shards`` are (None: none of them is a ``--shard`` run)."""
    records = {Path(shard): read_index(Path(shard) / INDEX_NAME).get("shard") for shard in shards}
    sliced = {shard: r for shard, r in records.items() if isinstance(r, dict)}
    if not sliced:
        return None
    problems = [f"{shard} is not a --shard run (its index.json records no shard)"
                for shard in records if shard not in sliced]
    counts = {r.get("count") for r in sliced.values()}
    files = {r.get("tenants_file_sha256") for r in sliced.values()}
    if len(counts) != 1 or not all(isinstance(c, int) and c >= 1 for c in counts):
        problems.append(f"the shards are slices of different counts ({', '.join(sorted(map(str, counts)))})")
    if len(files) != 1:
        problems.append("the shards read different tenants files (tenants_file_sha256 differs): not one run")
    count = max((c for c in counts if isinstance(c, int)), default=None)
    merged = sorted(int(r["index"]) for r in sliced.values() if isinstance(r.get("index"), int))
    if len(set(merged)) != len(merged):
        problems.append(f"a slice is given twice ({', '.join(map(str, merged))})")
    missing = tuple(i for i in range(1, (count or 0) + 1) if i not in merged)
    listed = {r.get("tenants_listed") for r in sliced.values()}
    if not missing and len(listed) == 1 and isinstance(next(iter(listed)), int) and next(iter(listed)) != tenants:
        problems.append(f"the tenants file lists {next(iter(listed))} tenants, the shards hold {tenants}")
    return ShardSet(count=count, merged=tuple(sorted(set(merged))), missing=missing, problems=tuple(problems))


def merge_shards(shards: Sequence[Path], output: Path, *, allow_incomplete: bool = False) -> MergeResult:
    output = Path(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise EvidenceError("the merge output must be a new or empty directory", path=str(output))
    entries = collect_entries(shards)
    found = shard_set(shards, len(entries))
    if found is not None and not found.complete and not allow_incomplete:
        raise EvidenceError(f"incomplete set of shards: {found.describe()}; merge every slice of the run, or pass "
                            "--allow-incomplete to merge these and mark the result incomplete")
    copied = []
    for item in entries:
        if item.file is not None and (item.shard / item.file).is_file():
            _copy(item.shard / item.file, output / item.file)
            copied.append(item.file)
    index: dict[str, Any] = {"schema": INDEX_SCHEMA, "tenants": [dict(item.entry) for item in entries]}
    if found is not None:
        index["shards"] = found.record()
    write_atomic(output / INDEX_NAME, json.dumps(index, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return MergeResult(output=output, tenants=tuple(e.name for e in entries), files=tuple(copied), shards=found)


def _copy(source: Path, target: Path) -> None:
    try:
        text = source.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise EvidenceError(f"cannot read: {err}", path=str(source)) from err
    write_atomic(target, text)
