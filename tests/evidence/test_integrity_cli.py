"""Issue 14, "Evidence integrity gaps", as a compliance officer and an MSP engineer hit them through
`pacscan evidence ...`: a tampered bundle rendered or compared, a folder re-signed by another key
verified without a pinned key, and shard 1 of 2 merged alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.evidence.bundle import generate_keypair

from . import march_estate, scan, write_estate

SHARD = {"origin": "--shard", "tenants_listed": 3, "tenants_file_sha256": "ab" * 32}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["evidence", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def signed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path, Path]:
    """A March bundle signed by the officer's key; (bundle, private key, public key)."""
    estate = write_estate(tmp_path / "2025-03", march_estate())
    private, public = generate_keypair(tmp_path / "keys" / "officer")
    assert run(capsys, "bundle", str(estate), "--sign-key", str(private))[0] == 0
    return estate, private, public


def tamper(bundle: Path) -> None:
    path = bundle / "oak-dental.json"
    data = bytearray(path.read_bytes())
    at = data.index(b'"pass"')
    data[at + 1:at + 5] = b"fail"
    path.write_bytes(bytes(data))


def test_verify_without_a_pinned_key_says_unpinned_and_never_ok(signed: tuple[Path, Path, Path], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    bundle, _, public = signed
    intruder, _ = generate_keypair(tmp_path / "keys" / "intruder")
    tamper(bundle)
    assert run(capsys, "bundle", str(bundle), "--sign-key", str(intruder))[0] == 0  # re-signed by another key
    code, out, _ = run(capsys, "verify", str(bundle))
    assert code == 3 and "OK" not in out
    assert out.startswith(f"UNPINNED: {bundle}:") and "NOT verified" in out and "--public-key" in out
    code, out, _ = run(capsys, "verify", str(bundle), "--public-key", str(public))
    assert code == 1 and "TAMPERED: bad signature" in out, "the pinned key exposes the re-signing"


def test_verify_with_the_pinned_key_is_ok_and_unsigned_is_not(tmp_path: Path, signed: tuple[Path, Path, Path],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    bundle, _, public = signed
    code, out, _ = run(capsys, "verify", str(bundle), "--public-key", str(public))
    assert code == 0 and out.startswith(f"OK: {bundle}: Verified:")
    unsigned = write_estate(tmp_path / "unsigned", march_estate())
    run(capsys, "bundle", str(unsigned))
    code, out, _ = run(capsys, "verify", str(unsigned))
    assert code == 3 and out.startswith("UNSIGNED:") and "OK" not in out


def test_html_of_a_tampered_bundle_says_so_first_and_exits_1(signed: tuple[Path, Path, Path], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    bundle, _, public = signed
    report = tmp_path / "report.html"
    code, _, err = run(capsys, "html", str(bundle), "--output", str(report), "--public-key", str(public))
    assert code == 0 and err.splitlines()[0] == f"pacscan: {bundle}: " + err.splitlines()[0].split(": ", 2)[2]
    assert "Verified" in err.splitlines()[0], "the integrity is said even when it is good"
    tamper(bundle)
    code, _, err = run(capsys, "html", str(bundle), "--output", str(report), "--public-key", str(public))
    assert code == 1 and "TAMPERED" in err.splitlines()[0]
    page = report.read_text()
    assert "TAMPERED" in page[: page.index("Executive summary")]


def test_diff_verifies_both_sides_and_shows_it_first(signed: tuple[Path, Path, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    bundle, private, public = signed
    april = write_estate(tmp_path / "2025-04", march_estate())
    run(capsys, "bundle", str(april), "--sign-key", str(private))
    code, out, _ = run(capsys, "diff", str(bundle), str(april), "--public-key", str(public), "--no-color")
    assert code == 0 and out.splitlines()[0].startswith(f"Integrity of {bundle}: Verified")
    tamper(april)
    code, out, err = run(capsys, "diff", str(bundle), str(april), "--public-key", str(public), "--no-color")
    assert code == 1
    assert f"Integrity of {april}: TAMPERED" in out and "changed: oak-dental.json" in out
    assert out.index(f"Integrity of {april}: TAMPERED") < out.index("Evidence diff:"), "said first"
    assert f"pacscan: {april}: TAMPERED" in err
    code, out, _ = run(capsys, "diff", str(bundle), str(april), "--format", "json")
    doc: dict[str, Any] = json.loads(out)
    assert code == 1 and [i["state"] for i in doc["integrity"]] == ["signature-not-checked", "tampered"]


def shards(tmp_path: Path, *indexes: int, count: int = 2) -> list[Path]:
    estate = march_estate()
    tenants = [{"bright-smiles": estate["bright-smiles"]}, {"oak-dental": estate["oak-dental"], "elm": scan([])}]
    out = []
    for i in indexes:
        root = write_estate(tmp_path / f"shard-{i}", tenants[i - 1])
        index = json.loads((root / "index.json").read_text())
        index["shard"] = {"index": i, "count": count, **SHARD}
        (root / "index.json").write_text(json.dumps(index))
        out.append(root)
    return out


def test_merge_of_shard_1_of_2_is_refused_unless_accepted_and_then_marked(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    [one] = shards(tmp_path, 1)
    code, _, err = run(capsys, "merge", str(one), "--output", str(tmp_path / "merged"))
    assert code == 2 and not (tmp_path / "merged").exists()
    assert "incomplete set of shards: shard 2/2 missing" in err and "--allow-incomplete" in err
    code, _, err = run(capsys, "merge", str(one), "--output", str(tmp_path / "merged"), "--allow-incomplete")
    assert code == 0 and "INCOMPLETE: shard 2/2 missing" in err
    record = json.loads((tmp_path / "merged" / "index.json").read_text())["shards"]
    assert record == {"count": 2, "merged": [1], "missing": [2], "complete": False, "problems": []}
    whole = write_estate(tmp_path / "whole", march_estate())
    code, out, _ = run(capsys, "diff", str(whole), str(tmp_path / "merged"), "--no-color")
    assert "new: an INCOMPLETE set of shards was merged (missing: 2/2)" in out


def test_merge_of_every_slice_records_a_complete_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parts = shards(tmp_path, 1, 2)
    code, _, err = run(capsys, "merge", *map(str, parts), "--output", str(tmp_path / "merged"))
    assert code == 0 and "INCOMPLETE" not in err
    index = json.loads((tmp_path / "merged" / "index.json").read_text())
    assert index["shards"] == {"count": 2, "merged": [1, 2], "missing": [], "complete": True, "problems": []}
    assert [t["name"] for t in index["tenants"]] == ["bright-smiles", "elm", "oak-dental"]


def test_merge_of_slices_of_two_runs_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one, two = shards(tmp_path, 1, 2)
    index = json.loads((two / "index.json").read_text())
    index["shard"]["tenants_file_sha256"] = "cd" * 32
    (two / "index.json").write_text(json.dumps(index))
    code, _, err = run(capsys, "merge", str(one), str(two), "--output", str(tmp_path / "merged"))
    assert code == 2 and "different tenants files" in err
