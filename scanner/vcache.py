"""Remember which files already passed validation, by content hash.

Validating the catalog against its JSON Schema costs more than reading it, and did so on every
run for files that rarely change. A file whose exact bytes passed validation, under this pacscan
version and this exact schema, is not validated again: the result could only be the same.
Failures are never recorded, so a bad file is reported every time.

Markers are empty files named by the hash, under ``$PACSCAN_CACHE_DIR``, else
``$XDG_CACHE_HOME/pacscan``, else ``~/.cache/pacscan``. ``PACSCAN_NO_CACHE=1`` turns this
off. A cache folder that cannot be read or written is ignored: validation simply runs.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from scanner import __version__

_SUBDIR = "validated"


def cache_dir() -> Path | None:
    """Where markers live; None when caching is off."""
    if os.environ.get("PACSCAN_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("PACSCAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "pacscan"
    home = os.environ.get("HOME")
    return Path(home) / ".cache" / "pacscan" if home else None


def key(kind: str, schema: bytes, content: bytes) -> str:
    """The marker name for ``content`` validated as ``kind`` against ``schema``."""
    digest = hashlib.sha256()
    for part in (b"pacscan", __version__.encode(), kind.encode(), schema, content):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def seen(marker: str) -> bool:
    """True when content with this marker passed validation before."""
    root = cache_dir()
    if root is None:
        return False
    try:
        return (root / _SUBDIR / marker).is_file()
    except OSError:
        return False


def remember(marker: str) -> None:
    """Record a pass; best effort (a read-only or missing home is not an error)."""
    root = cache_dir()
    if root is None:
        return
    try:
        folder = root / _SUBDIR
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        (folder / marker).touch()
    except OSError:
        return
