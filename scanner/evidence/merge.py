"""Merge the shards of a sharded MSP run into one evidence directory.

Each ``--shard I/N`` run writes per-tenant evidence plus an ``index.json`` into its own
directory. Merging copies every tenant's evidence file byte for byte, unions the index entries
(a tenant in two shards is an error: which run is the record?) and writes one ``index.json``
listing every tenant exactly once, sorted by name. Nothing is written until every shard has
been read and checked, and the output directory must not already hold evidence.
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
class MergeResult:
    output: Path
    tenants: tuple[str, ...]
    files: tuple[str, ...]


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


def merge_shards(shards: Sequence[Path], output: Path) -> MergeResult:
    output = Path(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise EvidenceError("the merge output must be a new or empty directory", path=str(output))
    entries = collect_entries(shards)
    copied = []
    for item in entries:
        if item.file is not None and (item.shard / item.file).is_file():
            _copy(item.shard / item.file, output / item.file)
            copied.append(item.file)
    index = {"schema": INDEX_SCHEMA, "tenants": [dict(item.entry) for item in entries]}
    write_atomic(output / INDEX_NAME, json.dumps(index, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return MergeResult(output=output, tenants=tuple(e.name for e in entries), files=tuple(copied))


def _copy(source: Path, target: Path) -> None:
    try:
        text = source.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise EvidenceError(f"cannot read: {err}", path=str(source)) from err
    write_atomic(target, text)
