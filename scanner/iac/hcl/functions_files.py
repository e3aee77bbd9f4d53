"""Filesystem and environment functions: file, fileexists, filebase64, filemd5, filesha1, filesha256, filesha512,
filebase64sha256, filebase64sha512, basename, dirname, abspath, pathexpand, timestamp, plantimestamp, uuid, bcrypt.

A path is read as Terraform reads it: relative to the module folder (``base_dir``) or absolute. What depends on the
machine Terraform runs on is unknown, never guessed: ``~`` (the user's home), ``abspath`` of a relative path (the
directory Terraform runs in), the time, random values. Only regular files are read, at most 64 MiB; a file that
cannot be read for lack of permission is an unknown marked ``error``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.facts.values import Unknown

from .functions_base import Call, Param, Spec, UnknownResult
from .functions_types import NUMBER, STRING

__all__ = ["FUNCTIONS", "go_clean"]

_MAX_BYTES = 64 * 1024 * 1024


def go_clean(path: str) -> str:
    """Go's ``filepath.Clean`` (Unix): the shortest equivalent path, lexically."""
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    return ("/" + cleaned) if rooted else (cleaned or ".")


def _unknown(call: Call, why: str, error: bool = False) -> UnknownResult:
    return UnknownResult(Unknown(f"{call.name}: {why}", error=error))


def _expand_home(call: Call, path: str) -> str:
    """Terraform expands ``~`` to the home directory of whoever runs it: that is unknown here."""
    if not path.startswith("~"):
        return path
    if len(path) > 1 and path[1] not in "/\\":
        raise call.error("failed to expand ~: cannot expand user-specific home dir")
    raise _unknown(call, f"{path!r} depends on the home directory of whoever runs Terraform")


def _resolve(call: Call, path: str) -> str:
    path = _expand_home(call, path)
    return go_clean(path if os.path.isabs(path) else os.path.join(call.base_dir, path))


def _stat(call: Call, path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise call.error(f"failed to stat {path}: not a directory") from None
    except PermissionError:
        raise _unknown(call, f"{path} could not be read (permission denied)", error=True) from None
    except OSError as exc:
        raise _unknown(call, f"{path} could not be read ({exc.strerror})", error=True) from None


def read_bytes(call: Call, given: str) -> bytes:
    """The contents of the file at ``given`` (relative to the module folder)."""
    path = _resolve(call, given)
    info = _stat(call, path)
    if info is None:
        raise call.error(f"no file exists at {given}; this function works only with files that are distributed as "
                         "part of the configuration source code")
    if stat.S_ISDIR(info.st_mode):
        raise call.error(f"failed to read file: read {path}: is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise _unknown(call, f"{path} is not a regular file (pacscan does not read it)")
    if info.st_size > _MAX_BYTES:
        raise _unknown(call, f"{path} is larger than {_MAX_BYTES // 1024 // 1024} MiB (pacscan does not read it)")
    try:
        return Path(path).read_bytes()
    except PermissionError:
        raise _unknown(call, f"{path} could not be read (permission denied)", error=True) from None
    except OSError as exc:
        raise _unknown(call, f"{path} could not be read ({exc.strerror})", error=True) from None


def _file(call: Call, path: str) -> str:
    """``file(path)``: the file's contents as UTF-8 text."""
    try:
        return read_bytes(call, path).decode("utf-8")
    except UnicodeDecodeError:
        raise call.error(f"contents of {path} are not valid UTF-8; use the filebase64 function to obtain the Base64 "
                         "encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file "
                         "hashing results instead") from None


def _fileexists(call: Call, path: str) -> bool:
    """``fileexists(path)``: whether a regular file exists there (a directory is an error, as in Terraform)."""
    resolved = _resolve(call, path)
    info = _stat(call, resolved)
    if info is None:
        return False
    if stat.S_ISREG(info.st_mode):
        return True
    kind = "a directory, not a file" if stat.S_ISDIR(info.st_mode) else "not a regular file"
    raise call.error(f"{resolved} is {kind}")


def _file_digest(algorithm: str | None, as_base64: bool) -> Callable[[Call, str], str]:
    def impl(call: Call, path: str) -> str:
        data = read_bytes(call, path)
        digest = hashlib.new(algorithm, data) if algorithm else None
        if digest is None:
            return base64.b64encode(data).decode()
        return base64.b64encode(digest.digest()).decode() if as_base64 else digest.hexdigest()

    impl.__doc__ = f"The file's {algorithm or 'contents'}{' digest' if algorithm else ''}, " + (
        "Base64 encoded." if as_base64 or not algorithm else "hex encoded.")
    return impl


def _basename(call: Call, path: str) -> str:
    """``basename(path)``: the last element of ``path`` (Go's ``filepath.Base``)."""
    if path == "":
        return "."
    stripped = path.rstrip("/")
    return "/" if stripped == "" else stripped.rsplit("/", 1)[-1]


def _dirname(call: Call, path: str) -> str:
    """``dirname(path)``: all but the last element of ``path``, cleaned (Go's ``filepath.Dir``)."""
    return go_clean(path[: path.rfind("/") + 1])


def _abspath(call: Call, path: str) -> str:
    """``abspath(path)``: an absolute path cleaned; a relative one depends on the directory Terraform runs in."""
    if not path.startswith("/"):
        raise _unknown(call, f"the absolute form of {path!r} depends on the directory Terraform runs in")
    return go_clean(path)


def _pathexpand(call: Call, path: str) -> str:
    """``pathexpand(path)``: unchanged unless it starts with ``~`` (then: unknown, the home directory)."""
    return _expand_home(call, path)


def _changing(why: str) -> Callable[..., Any]:
    def impl(call: Call, *args: Any) -> Any:
        raise _unknown(call, why)

    impl.__doc__ = f"Unknown: {why}."
    return impl


S = Param(STRING)
FUNCTIONS: dict[str, Spec] = {
    "file": Spec(_file, (S,)),
    "fileexists": Spec(_fileexists, (S,)),
    "filebase64": Spec(_file_digest(None, True), (S,)),
    **{f"file{name}": Spec(_file_digest(name, False), (S,)) for name in ("md5", "sha1", "sha256", "sha512")},
    **{f"filebase64{name}": Spec(_file_digest(name, True), (S,)) for name in ("sha256", "sha512")},
    "basename": Spec(_basename, (S,)),
    "dirname": Spec(_dirname, (S,)),
    "abspath": Spec(_abspath, (S,)),
    "pathexpand": Spec(_pathexpand, (S,)),
    "timestamp": Spec(_changing("the current time changes on every run")),
    "plantimestamp": Spec(_changing("the time of the plan is known only when the plan is made")),
    "uuid": Spec(_changing("a random UUID changes on every run")),
    "bcrypt": Spec(_changing("the hash has a random salt, which changes on every run"), (S,), Param(NUMBER)),
}
