"""Bundle + verify: the manifest records every file, and any tampering is reported, one line each."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import stat
from pathlib import Path

import jsonschema
import pytest

from scanner.evidence.bundle import EvidenceError, build_manifest, generate_keypair, write_bundle
from scanner.evidence.verify import manifest_schema, verify_bundle

from . import META, cli, march_estate, scan, write_estate

NOW = dt.datetime(2025, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    return write_estate(tmp_path / "2025-03", march_estate(), failed={"pine-ortho": "AccessDenied on AssumeRole"})


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    return generate_keypair(tmp_path / "keys" / "officer")


def test_manifest_records_every_file_catalog_window_and_identities(estate: Path) -> None:
    write_bundle(estate, META, now=NOW)
    manifest = json.loads((estate / "manifest.json").read_text())
    jsonschema.Draft202012Validator(manifest_schema()).validate(manifest)
    assert manifest["created_at"] == "2025-03-02T08:00:00Z"
    assert manifest["tool"] == {"name": "pacscan", "version": "0.1.0"}
    assert [(f["path"], f["kind"], f["tenant"]) for f in manifest["files"]] == [
        ("bright-smiles.json", "evidence", "bright-smiles"), ("index.json", "index", None),
        ("oak-dental.json", "evidence", "oak-dental")]
    for entry in manifest["files"]:
        data = (estate / entry["path"]).read_bytes()
        assert entry["bytes"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["catalog_sha256"] == march_estate()["oak-dental"].catalog_sha256
    # earliest start is Oak's 09:30, latest finish Oak's 11:15
    assert manifest["scan_window"] == {"started_at": "2025-03-01T09:30:00Z", "finished_at": "2025-03-01T11:15:00Z"}
    tenants = {t["name"]: t for t in manifest["tenants"]}
    assert tenants["bright-smiles"]["identities"] == {
        "111111111111": "arn:aws:sts::111111111111:assumed-role/pacscan-audit/bright"}
    assert tenants["pine-ortho"]["status"] == "error"
    assert tenants["pine-ortho"]["reason"] == "AccessDenied on AssumeRole"
    assert manifest["signature"] is None


def test_identities_come_from_the_document_when_there_is_no_index(tmp_path: Path) -> None:
    root = write_estate(tmp_path / "e", march_estate(), index=False)
    manifest = build_manifest(root, META, now=NOW)
    assert {t["name"]: t["identities"] for t in manifest["tenants"]} == {
        "bright-smiles": {"111111111111": "arn:aws:sts::111111111111:assumed-role/pacscan-audit/bright"},
        "oak-dental": {"222222222222": "arn:aws:sts::222222222222:assumed-role/pacscan-audit/oak"},
    }


def test_unsigned_round_trip_is_intact(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["evidence", "bundle", str(estate)]) == 0
    assert cli(["evidence", "verify", str(estate)]) == 3, "intact, but nothing shows who wrote it"
    out = capsys.readouterr()
    assert "UNSIGNED:" in out.out and "OK" not in out.out and "3 file(s) match" in out.out
    assert "unsigned bundle" in out.err


def test_signed_round_trip_is_intact_and_the_private_key_is_private(
        estate: Path, keys: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    private, public = keys
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert cli(["evidence", "bundle", str(estate), "--sign-key", str(private)]) == 0
    signature = base64.b64decode((estate / "manifest.json.sig").read_text().strip(), validate=True)
    assert len(signature) == 64
    assert cli(["evidence", "verify", str(estate), "--public-key", str(public)]) == 0
    assert "signature good" in capsys.readouterr().err


def _problems(root: Path, public: Path | None = None) -> tuple[str, ...]:
    return verify_bundle(root, public).problems


def test_one_byte_change_is_reported(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_bundle(estate, META)
    path = estate / "oak-dental.json"
    data = bytearray(path.read_bytes())
    at = data.index(b'"pass"')
    data[at + 1:at + 5] = b"fail"  # the same size: only the hash can tell
    path.write_bytes(bytes(data))
    problems = _problems(estate)
    assert len(problems) == 1
    assert problems[0].startswith("changed: oak-dental.json")
    assert cli(["evidence", "verify", str(estate)]) == 1
    assert "TAMPERED: changed: oak-dental.json" in capsys.readouterr().out


def test_removed_file_is_reported(estate: Path) -> None:
    write_bundle(estate, META)
    (estate / "bright-smiles.json").unlink()
    assert _problems(estate) == ("removed: bright-smiles.json is listed in manifest.json but missing",)


def test_added_file_is_reported_even_in_a_subfolder(estate: Path) -> None:
    write_bundle(estate, META)
    (estate / "extra").mkdir()
    (estate / "extra" / "notes.txt").write_text("looks fine to me\n")
    (estate / "maple.json").write_text("{}\n")
    assert _problems(estate) == ("added: extra/notes.txt is not listed in manifest.json",
                                 "added: maple.json is not listed in manifest.json")


def test_signature_by_another_key_is_bad(estate: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    _, public = keys
    other_private, _ = generate_keypair(tmp_path / "keys" / "intruder")
    write_bundle(estate, META, sign_key=other_private)
    problems = _problems(estate, public)
    assert len(problems) == 1
    assert problems[0].startswith("bad signature:")
    assert "manifest names key sha256" in problems[0]
    assert cli(["evidence", "verify", str(estate), "--public-key", str(public)]) == 1


def test_edited_signed_manifest_is_caught_by_the_signature(estate: Path, keys: tuple[Path, Path]) -> None:
    private, public = keys
    write_bundle(estate, META, sign_key=private)
    path = estate / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["scan_window"]["started_at"] = "2025-02-01T00:00:00Z"  # still schema-valid, files untouched
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    problems = _problems(estate, public)
    assert len(problems) == 1 and problems[0].startswith("bad signature:")


def test_manifest_edited_to_hide_a_change_is_caught_by_the_signature(estate: Path, keys: tuple[Path, Path]) -> None:
    private, public = keys
    write_bundle(estate, META, sign_key=private)
    (estate / "oak-dental.json").write_text("{}\n")
    path = estate / "manifest.json"
    manifest = json.loads(path.read_text())
    entry = next(f for f in manifest["files"] if f["path"] == "oak-dental.json")
    entry["sha256"], entry["bytes"] = hashlib.sha256(b"{}\n").hexdigest(), 3
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    assert _problems(estate) == ()  # without a key the hashes alone cannot show it...
    problems = _problems(estate, public)  # ...with the key they can
    assert len(problems) == 1 and problems[0].startswith("bad signature:")


def test_broken_manifest_is_reported_as_altered(estate: Path) -> None:
    write_bundle(estate, META)
    path = estate / "manifest.json"
    path.write_text(path.read_text()[:-20])
    assert _problems(estate) == ("altered manifest: manifest.json is not valid JSON",)
    manifest = json.loads((write_bundle(estate, META).manifest_path).read_text())
    manifest["files"][0]["path"] = "../../etc/passwd"
    path.write_text(json.dumps(manifest))
    (problem,) = _problems(estate)
    assert problem.startswith("altered manifest:")


def test_missing_signature_with_a_key_is_unsigned(estate: Path, keys: tuple[Path, Path]) -> None:
    _, public = keys
    write_bundle(estate, META)
    assert _problems(estate, public) == (
        "unsigned: manifest.json.sig is missing, so the manifest cannot be shown to be authentic",)


def test_malformed_signature_file_is_bad(estate: Path, keys: tuple[Path, Path]) -> None:
    private, public = keys
    write_bundle(estate, META, sign_key=private)
    (estate / "manifest.json.sig").write_text("not base64 !!\n")
    (problem,) = _problems(estate, public)
    assert problem.startswith("bad signature:")


def test_rebundling_without_a_key_drops_the_stale_signature(estate: Path, keys: tuple[Path, Path]) -> None:
    private, _ = keys
    write_bundle(estate, META, sign_key=private)
    write_bundle(estate, META)
    assert not (estate / "manifest.json.sig").exists()


def test_no_manifest_and_unreadable_keys_are_input_errors(estate: Path, tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match=re.escape("no manifest.json")):
        verify_bundle(estate)
    assert cli_exit(["evidence", "verify", str(estate)]) == 2
    write_bundle(estate, META)
    not_a_key = tmp_path / "key.pem"
    not_a_key.write_text("hello\n")
    with pytest.raises(EvidenceError, match="not a PEM public key"):
        verify_bundle(estate, not_a_key)
    with pytest.raises(EvidenceError, match="cannot read key"):
        verify_bundle(estate, tmp_path / "missing.pem")
    with pytest.raises(EvidenceError, match="not a PEM private key"):
        write_bundle(estate, META, sign_key=not_a_key)


def cli_exit(argv: list[str]) -> int:
    """What the lead's CLI does with a PacscanError: its exit code."""
    from scanner.errors import PacscanError

    try:
        return cli(argv)
    except PacscanError as err:
        return err.exit_code


def test_keygen_refuses_to_overwrite(keys: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="refusing to overwrite"):
        generate_keypair(tmp_path / "keys" / "officer")


def test_evidence_from_two_catalogs_is_refused(tmp_path: Path) -> None:
    estate = march_estate()
    estate["elm-endo"] = scan([], catalog="0" * 64)
    root = write_estate(tmp_path / "mixed", estate)
    with pytest.raises(EvidenceError, match="different catalogs"):
        write_bundle(root, META)
    assert not (root / "manifest.json").exists()


def test_unlisted_document_and_non_evidence_json_are_refused(estate: Path, tmp_path: Path) -> None:
    (estate / "stray.json").write_text(json.dumps({"schema_version": "1.1"}))
    with pytest.raises(EvidenceError, match=re.escape("stray.json not listed in index.json")):
        write_bundle(estate, META)
    solo = tmp_path / "solo"
    solo.mkdir()
    (solo / "results.json").write_text(json.dumps({"runs": []}))
    with pytest.raises(EvidenceError, match="not a pacscan evidence document"):
        write_bundle(solo, META)


def test_keygen_command_writes_a_usable_pair(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    estate = write_estate(tmp_path / "e", march_estate())
    prefix = tmp_path / "officer"
    assert cli(["evidence", "keygen", str(prefix)]) == 0
    assert "mode 0600" in capsys.readouterr().out
    private, public = Path(f"{prefix}.key.pem"), Path(f"{prefix}.pub.pem")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert cli(["evidence", "bundle", str(estate), "--sign-key", str(private)]) == 0
    manifest = json.loads((estate / "manifest.json").read_text())
    assert manifest["signature"]["algorithm"] == "ed25519"
    assert verify_bundle(estate, public).intact
