"""Evidence bundles: a manifest that makes an evidence directory tamper-evident.

An evidence DIR holds JSON evidence documents (one per tenant, ``<tenant>.json``, or a single
scan), optionally the MSP runner's ``index.json``, and anything else a team keeps beside them.
:func:`write_bundle` writes ``manifest.json`` listing the SHA-256 and size of *every* file in
the directory (so :mod:`scanner.evidence.verify` can report any change, addition or removal),
plus what a compliance officer asks first: which catalog judged the estate (one digest for all
documents, else the bundle is refused), which pacscan version, the scan window, and per tenant
the identity that scanned it. With an Ed25519 key the manifest is signed: ``manifest.json.sig``
holds the base64 raw signature over the exact manifest bytes.

This module also reads evidence directories for diff, merge and the HTML report
(:func:`load_evidence`), since they all see a directory the same way.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.errors import InputError
from scanner.evidence.writer import write_atomic
from scanner.render.base import ToolMeta

MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.json.sig"
INDEX_NAME = "index.json"
MANIFEST_FORMAT = "pacscan-manifest/1"
INDEX_SCHEMA = "pacscan-index/1"
#: files that describe the bundle rather than belong to it
BUNDLE_FILES = frozenset({MANIFEST_NAME, SIGNATURE_NAME})


class EvidenceError(InputError):
    """An evidence directory, document, index, manifest or key is unusable (exit code 2)."""


@dataclass(frozen=True)
class TenantEvidence:
    """One tenant's evidence: its document (None when the index records a failed scan)."""

    name: str
    path: str | None  # relative posix path inside the evidence DIR
    document: Mapping[str, Any] | None
    status: str = "ok"  # "ok" | "error" (from index.json)
    reason: str | None = None
    identities: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EvidenceSet:
    root: Path
    tenants: tuple[TenantEvidence, ...]
    index: Mapping[str, Any] | None = None

    @property
    def documents(self) -> tuple[TenantEvidence, ...]:
        return tuple(t for t in self.tenants if t.document is not None)


# --- reading ---------------------------------------------------------------------------------


def read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise EvidenceError(f"cannot read: {getattr(err, 'strerror', None) or err}", path=str(path)) from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise EvidenceError(f"not JSON: {err.msg}", path=str(path), line=err.lineno) from err


def load_document(path: Path) -> dict[str, Any]:
    """Read one evidence document and check the fields pacscan relies on (not the full schema,
    so documents from older or newer 1.x versions still load)."""
    doc = read_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("schema_version"), str):
        raise EvidenceError("not a pacscan evidence document (no schema_version)", path=str(path))
    problem = _document_problem(doc)
    if problem is not None:
        raise EvidenceError(f"not a pacscan evidence document: {problem}", path=str(path))
    return doc


def _document_problem(doc: Mapping[str, Any]) -> str | None:
    tool, scan = doc.get("tool"), doc.get("scan")
    if not isinstance(tool, dict) or not all(isinstance(tool.get(k), str) for k in ("name", "version")):
        return "tool.name / tool.version missing"
    if not isinstance(scan, dict):
        return "scan missing"
    for key in ("started_at", "finished_at", "catalog_sha256"):
        if not isinstance(scan.get(key), str):
            return f"scan.{key} missing"
    identities = scan.get("identities", {})
    if not isinstance(identities, dict) or not all(isinstance(v, str) for v in identities.values()):
        return "scan.identities is not an object of strings"
    for key in ("controls", "findings"):
        items = doc.get(key)
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            return f"{key} is not a list of objects"
    return None


def load_evidence(source: Path) -> EvidenceSet:
    """A directory (index.json if present, else every ``*.json`` document) or one document."""
    source = Path(source)
    if source.is_file():
        return EvidenceSet(root=source.parent, tenants=(_tenant_from_file(source.parent, source),))
    if not source.is_dir():
        raise EvidenceError("no such evidence file or directory", path=str(source))
    index_path = source / INDEX_NAME
    if index_path.is_file():
        index = read_index(index_path)
        tenants = _tenants_from_index(source, index)
        listed = {t.path for t in tenants}
        unlisted = [p.name for p in sorted(source.glob("*.json"))
                    if p.name not in {MANIFEST_NAME, INDEX_NAME} and p.name not in listed]
        if unlisted:
            raise EvidenceError(f"{', '.join(unlisted)} not listed in {INDEX_NAME}", path=str(source))
        return EvidenceSet(root=source, tenants=tenants, index=index)
    files = [p for p in sorted(source.glob("*.json")) if p.name not in {MANIFEST_NAME, INDEX_NAME}]
    if not files:
        raise EvidenceError("no evidence documents (*.json) found", path=str(source))
    return EvidenceSet(root=source, tenants=tuple(_tenant_from_file(source, p) for p in files))


def _tenant_from_file(root: Path, path: Path) -> TenantEvidence:
    doc = load_document(path)
    return TenantEvidence(name=path.stem, path=path.relative_to(root).as_posix(), document=doc,
                          identities=dict(doc["scan"].get("identities", {})))


def read_index(path: Path) -> dict[str, Any]:
    """Read and check the MSP runner's index: {"schema", "tenants": [{"name", "file", "status",
    "reason"?, "identities"?}]}."""
    index = read_json(path)
    if not isinstance(index, dict) or index.get("schema") != INDEX_SCHEMA:
        raise EvidenceError(f'not a tenant index (expected "schema": "{INDEX_SCHEMA}")', path=str(path))
    tenants = index.get("tenants")
    if not isinstance(tenants, list):
        raise EvidenceError('"tenants" must be a list', path=str(path))
    seen: set[str] = set()
    for i, entry in enumerate(tenants):
        problem = _index_entry_problem(entry)
        if problem is not None:
            raise EvidenceError(f"tenants[{i}]: {problem}", path=str(path))
        if entry["name"] in seen:
            raise EvidenceError(f"tenant {entry['name']!r} is listed twice", path=str(path))
        seen.add(entry["name"])
    return index


def _index_entry_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
        return "each entry needs a non-empty name"
    if entry.get("status") not in ("ok", "error"):
        return f'{entry["name"]}: status must be "ok" or "error"'
    file = entry.get("file")
    if entry["status"] == "ok" and not isinstance(file, str):
        return f"{entry['name']}: an ok tenant needs its evidence file"
    if file is not None and (not isinstance(file, str) or not safe_relative(file)):
        return f"{entry['name']}: file must be a relative path inside the directory"
    identities = entry.get("identities", {})
    if not isinstance(identities, dict) or not all(isinstance(v, str) for v in identities.values()):
        return f"{entry['name']}: identities must map account to identity"
    return None


def _tenants_from_index(root: Path, index: Mapping[str, Any]) -> tuple[TenantEvidence, ...]:
    out = []
    for entry in index["tenants"]:
        file, doc = entry.get("file"), None
        if entry["status"] == "ok" or (file is not None and (root / file).is_file()):
            doc = load_document(root / file) if file is not None else None
        identities = {**(doc["scan"].get("identities", {}) if doc else {}), **entry.get("identities", {})}
        out.append(TenantEvidence(name=entry["name"], path=file, document=doc, status=entry["status"],
                                  reason=entry.get("reason"), identities=identities))
    return tuple(out)


def safe_relative(path: str) -> bool:
    """A relative posix path that stays inside its directory."""
    p = PurePosixPath(path)
    return bool(path) and not p.is_absolute() and ".." not in p.parts and "\\" not in path


def bundle_members(root: Path) -> Iterator[str]:
    """Every regular file under ``root`` (relative posix paths, sorted), bundle files excluded."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            rel = (Path(dirpath) / name).relative_to(root).as_posix()
            if rel not in BUNDLE_FILES:
                found.append(rel)
    return iter(sorted(found))


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# --- the manifest ----------------------------------------------------------------------------


def build_manifest(root: Path, meta: ToolMeta, *, now: dt.datetime | None = None,
                   public_key: Ed25519PublicKey | None = None) -> dict[str, Any]:
    """The manifest for ``root`` as plain JSON values (see ``schemas/manifest.schema.json``)."""
    evidence = load_evidence(root)
    docs = evidence.documents
    if not docs:
        raise EvidenceError("no tenant has an evidence document to bundle", path=str(root))
    by_path = {t.path: t for t in docs}
    created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    return {
        "format": MANIFEST_FORMAT,
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "tool": {"name": meta.name, "version": meta.version},
        "catalog_sha256": _one_catalog(root, docs),
        "scan_window": _scan_window(docs),
        "files": [_file_entry(root, rel, by_path.get(rel)) for rel in bundle_members(root)],
        "tenants": [_tenant_entry(t) for t in evidence.tenants],
        "signature": None if public_key is None else {
            "algorithm": "ed25519", "file": SIGNATURE_NAME, "public_key_sha256": key_fingerprint(public_key)},
    }


def _one_catalog(root: Path, docs: Sequence[TenantEvidence]) -> str:
    digests: dict[str, list[str]] = {}
    for t in docs:
        assert t.document is not None
        digests.setdefault(t.document["scan"]["catalog_sha256"], []).append(t.path or t.name)
    if len(digests) != 1:
        detail = "; ".join(f"{d[:12]}: {', '.join(paths)}" for d, paths in sorted(digests.items()))
        raise EvidenceError(f"evidence was produced with different catalogs ({detail}); "
                            "rescan with one catalog before bundling", path=str(root))
    return next(iter(digests))


def _scan_window(docs: Sequence[TenantEvidence]) -> dict[str, str]:
    starts = [_timestamp(t, "started_at") for t in docs]
    ends = [_timestamp(t, "finished_at") for t in docs]
    return {"started_at": min(starts)[1], "finished_at": max(ends)[1]}


def _timestamp(t: TenantEvidence, key: str) -> tuple[dt.datetime, str]:
    assert t.document is not None
    text = t.document["scan"][key]
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError as err:
        raise EvidenceError(f"scan.{key} is not an RFC 3339 time: {text!r}", path=t.path) from err
    if parsed.tzinfo is None:
        raise EvidenceError(f"scan.{key} has no time zone: {text!r}", path=t.path)
    return parsed, text


def _file_entry(root: Path, rel: str, tenant: TenantEvidence | None) -> dict[str, Any]:
    sha, size = file_digest(root / rel)
    kind = "evidence" if tenant is not None else ("index" if rel == INDEX_NAME else "other")
    return {"path": rel, "sha256": sha, "bytes": size, "kind": kind,
            "tenant": tenant.name if tenant is not None else None}


def _tenant_entry(t: TenantEvidence) -> dict[str, Any]:
    doc = t.document
    return {
        "name": t.name,
        "file": t.path if doc is not None else None,
        "status": t.status,
        "reason": t.reason,
        "scan_id": doc["scan"].get("id") if doc is not None else None,
        "tool_version": doc["tool"]["version"] if doc is not None else None,
        "identities": dict(sorted(t.identities.items())),
    }


def manifest_text(manifest: Mapping[str, Any]) -> str:
    """The exact manifest text (ASCII, so the signed bytes do not depend on an encoder)."""
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


@dataclass(frozen=True)
class BundleResult:
    manifest_path: Path
    signature_path: Path | None
    files: int
    tenants: int


def write_bundle(root: Path, meta: ToolMeta, *, sign_key: Path | None = None,
                 now: dt.datetime | None = None) -> BundleResult:
    """Write ``manifest.json`` (and ``manifest.json.sig`` with a key) into ``root``."""
    root = Path(root)
    private = load_private_key(sign_key) if sign_key is not None else None
    manifest = build_manifest(root, meta, now=now, public_key=private.public_key() if private else None)
    text = manifest_text(manifest)
    sig_path = root / SIGNATURE_NAME
    write_atomic(root / MANIFEST_NAME, text)
    if private is not None:
        write_atomic(sig_path, base64.b64encode(private.sign(text.encode("ascii"))).decode("ascii") + "\n")
    elif sig_path.exists():
        sig_path.unlink()  # a stale signature over an older manifest would only read as tampering
    return BundleResult(manifest_path=root / MANIFEST_NAME, signature_path=sig_path if private else None,
                        files=len(manifest["files"]), tenants=len(manifest["tenants"]))


# --- keys ------------------------------------------------------------------------------------


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read_key(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError as err:
        raise EvidenceError("the signing key is encrypted; give an unencrypted PKCS8 PEM key",
                            path=str(path)) from err
    except (ValueError, UnsupportedAlgorithm) as err:
        raise EvidenceError("not a PEM private key", path=str(path)) from err
    if not isinstance(key, Ed25519PrivateKey):
        raise EvidenceError("the signing key is not an Ed25519 key", path=str(path))
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = _read_key(path)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as err:
        raise EvidenceError("not a PEM public key", path=str(path)) from err
    if not isinstance(key, Ed25519PublicKey):
        raise EvidenceError("the public key is not an Ed25519 key", path=str(path))
    return key


def _read_key(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise EvidenceError(f"cannot read key: {err.strerror or err}", path=str(path)) from err


def key_fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def generate_keypair(prefix: Path) -> tuple[Path, Path]:
    """Write ``PREFIX.key.pem`` (PKCS8, mode 0600) and ``PREFIX.pub.pem``; never overwrite."""
    private_path = Path(f"{prefix}.key.pem")
    public_path = Path(f"{prefix}.pub.pem")
    for path in (private_path, public_path):
        if path.exists():
            raise EvidenceError("already exists; refusing to overwrite a key", path=str(path))
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    write_atomic(private_path, private_pem.decode("ascii"))  # created 0600 by the writer
    os.chmod(private_path, 0o600)
    write_atomic(public_path, public_pem.decode("ascii"))
    os.chmod(public_path, 0o644)
    return private_path, public_path
