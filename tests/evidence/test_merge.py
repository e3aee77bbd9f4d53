"""merge: shards of a sharded MSP run become one directory with every tenant exactly once."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scanner.evidence.bundle import EvidenceError, load_evidence, write_bundle
from scanner.evidence.merge import merge_shards
from scanner.evidence.verify import verify_bundle

from . import META, cli, march_estate, scan, write_estate


def shards(tmp_path: Path) -> list[Path]:
    estate = march_estate()
    one = write_estate(tmp_path / "shard-1", {"bright-smiles": estate["bright-smiles"]})
    two = write_estate(tmp_path / "shard-2", {"oak-dental": estate["oak-dental"]},
                       failed={"pine-ortho": "AccessDenied on AssumeRole"})
    three = write_estate(tmp_path / "shard-3", {"elm-endo": scan([])})
    return [one, two, three]


def test_merge_covers_every_tenant_exactly_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parts = shards(tmp_path)
    out = tmp_path / "merged"
    assert cli(["evidence", "merge", *map(str, parts), "--output", str(out)]) == 0
    assert "3 shard(s)" in capsys.readouterr().out
    index = json.loads((out / "index.json").read_text())
    names = [t["name"] for t in index["tenants"]]
    assert names == ["bright-smiles", "elm-endo", "oak-dental", "pine-ortho"]
    assert sorted(p.name for p in out.iterdir()) == ["bright-smiles.json", "elm-endo.json", "index.json",
                                                     "oak-dental.json"]
    for shard in parts:
        for doc in shard.glob("*.json"):
            if doc.name != "index.json":
                assert (out / doc.name).read_bytes() == doc.read_bytes()
    failed = next(t for t in index["tenants"] if t["name"] == "pine-ortho")
    assert failed == {"name": "pine-ortho", "file": None, "status": "error",
                      "reason": "AccessDenied on AssumeRole", "identities": {}}
    loaded = load_evidence(out)
    assert [t.name for t in loaded.documents] == ["bright-smiles", "elm-endo", "oak-dental"]
    write_bundle(out, META)
    assert verify_bundle(out).intact


def test_tenant_in_two_shards_is_rejected(tmp_path: Path) -> None:
    parts = shards(tmp_path)
    again = write_estate(tmp_path / "shard-rerun", {"oak-dental": march_estate()["oak-dental"]})
    out = tmp_path / "merged"
    with pytest.raises(EvidenceError, match="tenant 'oak-dental' appears in two shards"):
        merge_shards([*parts, again], out)
    assert not out.exists()


def test_shard_without_index_or_with_unlisted_evidence_is_rejected(tmp_path: Path) -> None:
    bare = write_estate(tmp_path / "bare", {"oak-dental": march_estate()["oak-dental"]}, index=False)
    with pytest.raises(EvidenceError, match=re.escape("no index.json")):
        merge_shards([bare], tmp_path / "out")
    parts = shards(tmp_path)
    (parts[0] / "stray.json").write_text("{}")
    with pytest.raises(EvidenceError, match=re.escape("stray.json is not listed in index.json")):
        merge_shards(parts, tmp_path / "out")


def test_output_must_be_new_or_empty(tmp_path: Path) -> None:
    parts = shards(tmp_path)
    out = tmp_path / "merged"
    out.mkdir()
    (out / "old.json").write_text("{}")
    with pytest.raises(EvidenceError, match="new or empty directory"):
        merge_shards(parts, out)
