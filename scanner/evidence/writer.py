"""Write a report so that readers see the old file or the new one, never half of either.

The text goes to a temporary file beside the target (same filesystem), is flushed and fsynced,
then ``os.replace``\\ d over the target. On any failure, KeyboardInterrupt included, the
temporary file is removed and the target keeps its previous content.

A new file is created private (mode 0600, as ``tempfile.mkstemp`` makes it); replacing an
existing file keeps that file's permission bits.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from scanner.errors import OutputError


def write_atomic(path: Path, text: str) -> None:
    """Atomically replace ``path`` with ``text`` (UTF-8); raise :class:`OutputError` naming ``path``."""
    path = Path(path)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise OutputError(f"cannot write {path}: text is not encodable as UTF-8: {err.reason}") from err
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    if path.exists() and not path.is_file():
        # a device or pipe (/dev/null, /dev/stdout, a FIFO): stream into it; replacing it with a
        # regular file would destroy the device node
        _stream_into(path, data)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"cannot write {path}: cannot create {path.parent}: {_reason(err)}") from err
    _replace_with(path, data)
    _sync_directory(path.parent)


def _stream_into(path: Path, data: bytes) -> None:
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {_reason(err)}") from err


def _replace_with(path: Path, data: bytes) -> None:
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {_reason(err)}") from err
    try:
        with open(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            _keep_mode(path, fh.fileno())
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except BaseException as err:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        if isinstance(err, OSError):
            raise OutputError(f"cannot write {path}: {_reason(err)}") from err
        raise


def _keep_mode(path: Path, fd: int) -> None:
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    os.fchmod(fd, mode)


def _sync_directory(directory: Path) -> None:
    """Make the rename durable. Best effort: some filesystems cannot fsync a directory, and
    by now the new content is in place either way."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _reason(err: OSError) -> str:
    return err.strerror or str(err)
