"""Where objects come from: a local folder or file, an S3 prefix, a GCS prefix. One seam, three
implementations; each lists objects (bounded) and reads the first bytes of one (a ranged read).

A listing that fails raises :class:`ListingError` (the whole source becomes an error finding); a
read that fails raises :class:`ReadError` (that object's facts become errors). Both carry a reason
in words, never text an object could have shaped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scanner.errors import TargetError


class ListingError(Exception):
    """The objects of a source could not be listed; ``str(err)`` is the reason."""


class ReadError(Exception):
    """An object could not be read; ``str(err)`` is the reason."""


@dataclass(frozen=True)
class ObjectRef:
    location: str  # what the report shows: a path, s3://bucket/key, gs://bucket/name
    key: str  # what the source reads
    size: int


class ObjectSource(Protocol):
    @property
    def label(self) -> str: ...

    def objects(self) -> Iterator[ObjectRef]: ...

    def head(self, ref: ObjectRef, length: int) -> bytes: ...


@dataclass(frozen=True)
class LocalSource:
    """A file, or every regular file under a folder (hidden files and folders skipped, symbolic
    links not followed)."""

    root: Path

    @property
    def label(self) -> str:
        return str(self.root)

    def objects(self) -> Iterator[ObjectRef]:
        if self.root.is_file():
            yield ObjectRef(str(self.root), str(self.root), self.root.stat().st_size)
            return
        for folder, dirs, files in os.walk(self.root, onerror=self._unreadable):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                path = Path(folder) / name
                if name.startswith(".") or path.is_symlink() or not path.is_file():
                    continue
                yield ObjectRef(str(path), str(path), path.stat().st_size)

    @staticmethod
    def _unreadable(err: OSError) -> None:
        raise ListingError(f"cannot list {err.filename}: {err.strerror or type(err).__name__}")

    def head(self, ref: ObjectRef, length: int) -> bytes:
        try:
            with open(ref.key, "rb") as handle:
                return handle.read(length)
        except OSError as err:
            raise ReadError(f"cannot read: {err.strerror or type(err).__name__}") from None


def split_url(text: str) -> tuple[str, str, str]:
    """``s3://bucket/prefix`` -> ("s3", "bucket", "prefix"); a local path -> ("file", "", path)."""
    for scheme in ("s3", "gs"):
        if text.startswith(f"{scheme}://"):
            bucket, _, prefix = text[len(scheme) + 3:].partition("/")
            if not bucket:
                raise TargetError(f"{text}: no bucket name")
            return scheme, bucket, prefix
    if "://" in text:
        raise TargetError(f"{text}: only a local path, s3://bucket/prefix or gs://bucket/prefix")
    if not Path(text).exists():
        raise TargetError(f"{text}: no such file or folder")
    return "file", "", text
