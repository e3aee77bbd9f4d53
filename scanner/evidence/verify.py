"""Check an evidence bundle against its manifest (and signature).

Every problem is one line: a changed, added or removed file; a manifest that no longer parses
or matches its schema; a signature that is missing ("unsigned"), malformed or does not verify
under the given public key. A directory with no manifest, or a key that cannot be read, is an
input error (:class:`~scanner.evidence.bundle.EvidenceError`), not a verdict.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.exceptions
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from scanner.evidence.bundle import (
    MANIFEST_NAME,
    SIGNATURE_NAME,
    EvidenceError,
    bundle_members,
    file_digest,
    key_fingerprint,
    load_public_key,
    safe_relative,
)


@dataclass(frozen=True)
class VerifyReport:
    """``problems`` empty means intact; ``notes`` say what was (and was not) checked."""

    problems: tuple[str, ...]
    notes: tuple[str, ...]
    files_checked: int

    @property
    def intact(self) -> bool:
        return not self.problems


@functools.cache
def manifest_schema() -> dict[str, Any]:
    text = resources.files("scanner").joinpath("schemas/manifest.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def verify_bundle(root: Path, public_key: Path | None = None) -> VerifyReport:
    root = Path(root)
    manifest_path = root / MANIFEST_NAME
    if not manifest_path.is_file():
        raise EvidenceError(f"no {MANIFEST_NAME}: run `pacscan evidence bundle` first", path=str(root))
    key = load_public_key(public_key) if public_key is not None else None
    try:
        data = manifest_path.read_bytes()
    except OSError as err:
        raise EvidenceError(f"cannot read: {err.strerror or err}", path=str(manifest_path)) from err
    problems: list[str] = []
    notes: list[str] = []
    if key is not None:
        problems.extend(_signature_problems(root, data, key, notes))
    elif (root / SIGNATURE_NAME).exists():
        notes.append(f"{SIGNATURE_NAME} present but NOT checked: give --public-key to check it")
    else:
        notes.append("unsigned bundle: files are checked against the manifest only")
    manifest, problem = _parse_manifest(data)
    if manifest is None:
        return VerifyReport(problems=(*problems, problem or ""), notes=tuple(notes), files_checked=0)
    problems.extend(_file_problems(root, manifest["files"]))
    return VerifyReport(problems=tuple(problems), notes=tuple(notes), files_checked=len(manifest["files"]))


def _signature_problems(root: Path, data: bytes, key: Ed25519PublicKey, notes: list[str]) -> list[str]:
    sig_path = root / SIGNATURE_NAME
    if not sig_path.is_file():
        return [f"unsigned: {SIGNATURE_NAME} is missing, so the manifest cannot be shown to be authentic"]
    try:
        signature = base64.b64decode(sig_path.read_bytes().strip(), validate=True)
    except (OSError, binascii.Error):
        return [f"bad signature: {SIGNATURE_NAME} is not a base64 Ed25519 signature"]
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return [f"bad signature: {MANIFEST_NAME} was altered after signing, or signed with another key"
                f"{_claimed_key_note(data, key)}"]
    notes.append(f"signature good (Ed25519 key sha256 {key_fingerprint(key)[:16]})")
    return []


def _claimed_key_note(data: bytes, key: Ed25519PublicKey) -> str:
    """Which key the (unverified) manifest says signed it, when that differs from the given key."""
    try:
        claimed = json.loads(data)["signature"]["public_key_sha256"]
    except (ValueError, KeyError, TypeError):
        return ""
    given = key_fingerprint(key)
    if not isinstance(claimed, str) or claimed == given:
        return ""
    return f" (manifest names key sha256 {claimed[:16]}, given key is {given[:16]})"


def _parse_manifest(data: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        manifest = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None, f"altered manifest: {MANIFEST_NAME} is not valid JSON"
    validator = jsonschema.Draft202012Validator(manifest_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(manifest))
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        return None, (f"altered manifest: {MANIFEST_NAME} does not match its schema at "
                      f"{where.lstrip('.') or '(top level)'}: {error.message}")
    paths = [f["path"] for f in manifest["files"]]
    if len(set(paths)) != len(paths) or not all(safe_relative(p) for p in paths):
        return None, f"altered manifest: {MANIFEST_NAME} lists a path twice or outside the directory"
    return manifest, None


def _file_problems(root: Path, files: list[dict[str, Any]]) -> list[str]:
    problems = []
    listed = {f["path"] for f in files}
    for entry in files:
        path = root / entry["path"]
        if not path.is_file():
            problems.append(f"removed: {entry['path']} is listed in {MANIFEST_NAME} but missing")
            continue
        try:
            sha, size = file_digest(path)
        except OSError as err:
            problems.append(f"unreadable: {entry['path']}: {err.strerror or err}")
            continue
        if sha != entry["sha256"] or size != entry["bytes"]:
            problems.append(f"changed: {entry['path']} (sha256 {sha[:16]}, {size} bytes; manifest has "
                            f"{entry['sha256'][:16]}, {entry['bytes']} bytes)")
    problems.extend(f"added: {rel} is not listed in {MANIFEST_NAME}"
                    for rel in bundle_members(root) if rel not in listed)
    return problems
