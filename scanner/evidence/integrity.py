"""Can the evidence be trusted? One answer for the report's first lines.

A report rendered from evidence says, before anything else, whether the files are the ones the
scan wrote: ``verified`` (every file matches a manifest whose Ed25519 signature verifies under the
key the reader gave), ``signature-not-checked`` (files match a signed manifest, but no key was
given), ``unsigned`` (files match a manifest nobody signed: whoever could change the files could
rewrite it too), ``not-bundled`` (no manifest: nothing shows the files are unchanged) or
``tampered`` (a file changed, appeared or vanished; the manifest or signature is bad; or a key
was given and there is nothing it verifies). Built on :func:`scanner.evidence.verify.verify_bundle`,
so ``pacscan evidence verify`` and the report never disagree.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path

from scanner.evidence.bundle import MANIFEST_NAME, SIGNATURE_NAME, key_fingerprint, load_public_key


class IntegrityState(enum.StrEnum):
    VERIFIED = "verified"
    SIGNATURE_NOT_CHECKED = "signature-not-checked"
    UNSIGNED = "unsigned"
    NOT_BUNDLED = "not-bundled"
    TAMPERED = "tampered"
    #: the report was rendered without looking (a library caller that passed no integrity)
    NOT_CHECKED = "not-checked"


@dataclass(frozen=True)
class Integrity:
    """What is known about the evidence files at ``source``; ``problems`` are why it is tampered."""

    source: str
    state: IntegrityState
    summary: str
    problems: tuple[str, ...] = ()
    #: SHA-256 of the Ed25519 public key: the one that verified, else the one the manifest claims
    key_fingerprint: str | None = None
    manifest_created_at: str | None = None
    files_checked: int = 0

    @property
    def tampered(self) -> bool:
        return self.state is IntegrityState.TAMPERED


def check_integrity(source: Path, public_key: Path | None = None) -> Integrity:
    """Check the bundle ``source`` belongs to (the directory itself, or the directory of a file)."""
    source = Path(source)
    root = source if source.is_dir() else source.parent
    label = str(source)
    if not (root / MANIFEST_NAME).is_file():
        if public_key is not None:
            return Integrity(label, IntegrityState.TAMPERED, "TAMPERED OR UNVERIFIABLE: a public key was given "
                             f"but there is no {MANIFEST_NAME} to check it against",
                             problems=(f"no {MANIFEST_NAME}: the evidence cannot be shown to be authentic",))
        return Integrity(label, IntegrityState.NOT_BUNDLED, "Not bundled: there is no manifest, so nothing shows "
                         "these files are unchanged since the scan (`pacscan evidence bundle` makes one)")
    from scanner.evidence.verify import verify_bundle

    report = verify_bundle(root, public_key)
    created, claimed = _manifest_claims(root)
    if report.problems:
        return Integrity(label, IntegrityState.TAMPERED,
                         f"TAMPERED: {len(report.problems)} problem(s); this evidence is NOT what the scan wrote",
                         problems=report.problems, key_fingerprint=claimed, manifest_created_at=created,
                         files_checked=report.files_checked)
    files = f"{report.files_checked} file(s) match the manifest of {created or 'unknown date'}"
    if public_key is not None:
        given = key_fingerprint(load_public_key(public_key))
        return Integrity(label, IntegrityState.VERIFIED, f"Verified: {files}, signed by the key with SHA-256 {given}",
                         key_fingerprint=given, manifest_created_at=created, files_checked=report.files_checked)
    if (root / SIGNATURE_NAME).exists():
        return Integrity(label, IntegrityState.SIGNATURE_NOT_CHECKED,
                         f"Signature NOT checked: {files}, which says it is signed by the key with SHA-256 "
                         f"{claimed or '(not named)'}; give --public-key to check the signature",
                         key_fingerprint=claimed, manifest_created_at=created, files_checked=report.files_checked)
    return Integrity(label, IntegrityState.UNSIGNED, f"Unsigned: {files}, but nobody signed it, so whoever could "
                     "change the files could rewrite the manifest too", manifest_created_at=created,
                     files_checked=report.files_checked)


def _manifest_claims(root: Path) -> tuple[str | None, str | None]:
    """The manifest's creation time and the key it says signed it (unverified: for display only)."""
    try:
        manifest = json.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None, None
    if not isinstance(manifest, dict):
        return None, None
    created = manifest.get("created_at")
    signature = manifest.get("signature")
    claimed = signature.get("public_key_sha256") if isinstance(signature, dict) else None
    return (created if isinstance(created, str) else None), (claimed if isinstance(claimed, str) else None)
