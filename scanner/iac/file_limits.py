"""How large a Terraform file pacscan parses: ``--max-file-size`` or ``PACSCAN_MAX_FILE_SIZE``.

Parsing holds a file's syntax tree in memory, 75 to 125 times the file's size (measured with the
HCL grammar: 1 MiB of resources ~105 MB peak, 4 MiB ~320 MB, 8 MiB of dense ``locals`` ~1 GB; a
40 MB file took 6.1 GB). A file over the limit is not read at all: it becomes one ``error`` finding
per control it leaves open ("file is 40.0 MiB, over the 4 MiB limit"), so memory stays bounded and the
gap is never silent. The default, 4 MiB, is far above hand-written Terraform (the largest files of
public modules are tens of kilobytes) and keeps the worst case near half a gigabyte.

Sizes are bytes, or a number with ``k``/``M``/``G`` (powers of 1024; ``KiB``/``MB`` spellings too).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
from collections.abc import Iterator, Mapping

from scanner.errors import InputError

__all__ = ["DEFAULT_MAX_FILE_BYTES", "ENV", "limit_given", "limited", "max_file_bytes", "parse_size", "too_large"]

DEFAULT_MAX_FILE_BYTES = 4 * 1024 * 1024
ENV = "PACSCAN_MAX_FILE_SIZE"
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$", re.IGNORECASE)
_OVERRIDE: contextvars.ContextVar[int | None] = contextvars.ContextVar("pacscan_max_file_bytes", default=None)


def parse_size(text: str) -> int:
    """``"4M"`` -> 4194304; raises ValueError for anything else than a positive size."""
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"not a size: {text!r} (bytes, or a number with k, M or G)")
    size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size < 1:
        raise ValueError(f"not a size: {text!r} (must be at least 1 byte)")
    return size


def limit_given(option: str | None, environ: Mapping[str, str] | None = None) -> int | None:
    """The limit ``--max-file-size`` (else ``PACSCAN_MAX_FILE_SIZE``) sets, None when neither is given;
    an input error naming the option or the variable when it is not a size."""
    env = os.environ if environ is None else environ
    given, name = (option, "--max-file-size") if option else (env.get(ENV), ENV)
    if not given:
        return None
    try:
        return parse_size(given)
    except ValueError as err:
        raise InputError(f"{name}: {err}") from None


def max_file_bytes() -> int:
    """The limit in force: the scan's (:func:`limited`), else ``PACSCAN_MAX_FILE_SIZE``, else the default."""
    override = _OVERRIDE.get()
    if override is not None:
        return override
    try:
        return parse_size(os.environ[ENV])
    except (KeyError, ValueError):
        return DEFAULT_MAX_FILE_BYTES


@contextlib.contextmanager
def limited(limit: int | None) -> Iterator[None]:
    """Within the block (and in processes forked from it), files over ``limit`` bytes are not parsed."""
    token = _OVERRIDE.set(limit)
    try:
        yield
    finally:
        _OVERRIDE.reset(token)


def too_large(size: int, limit: int | None = None) -> str | None:
    """Why a file of ``size`` bytes is not parsed, or None when it is within the limit."""
    limit = max_file_bytes() if limit is None else limit
    if size <= limit:
        return None
    return f"file is {_mib(size)}, over the {_mib(limit)} limit (--max-file-size / {ENV})"


def _mib(size: int) -> str:
    """``4 MiB``, ``40.1 MiB``, ``512 KiB``, ``100 bytes``."""
    for unit, name in ((1024 * 1024, "MiB"), (1024, "KiB")):
        if size >= unit:
            return f"{size // unit} {name}" if size % unit == 0 else f"{size / unit:.1f} {name}"
    return f"{size} bytes"
