"""fileset: the regular files under a folder whose path matches a glob pattern.

A port of the matcher Terraform uses (``github.com/bmatcuk/doublestar`` v1.1.5): ``*`` and ``?`` within one path
element, ``**`` for any number of folders, ``[a-z]``/``[^a-z]`` classes, ``{a,b}`` alternatives, ``\\`` escapes;
symbolic links are followed. More than 100,000 directory entries make the result unknown rather than wait.
"""

from __future__ import annotations

import os
import stat

from scanner.facts.values import Unknown

from .functions_base import Call, FunctionError, Param, Spec, UnknownResult
from .functions_files import go_clean
from .functions_types import STRING

__all__ = ["FUNCTIONS"]

_MAX_ENTRIES = 100_000


class _BadPattern(Exception):
    pass


def _index_unescaped(text: bytes, ch: bytes) -> int:
    """The index of ``ch`` in ``text`` not preceded by a backslash, or -1."""
    end = text.find(ch)
    if end > 0 and text[end - 1:end] == b"\\":
        rest = _index_unescaped(text[end + 1:], ch)
        return -1 if rest == -1 else end + 1 + rest
    return end


def _split(path: bytes, sep: bytes) -> list[bytes]:
    """``splitPathOnSeparator``: ``path`` split on unescaped ``sep``."""
    if sep not in path:
        return [path]
    parts: list[bytes] = []
    start, empty_end = 0, False
    while start < len(path):
        end = _index_unescaped(path[start:], sep)
        empty_end = end != -1
        end = len(path) if end == -1 else end + start
        parts.append(path[start:end])
        start = end + 1
    return [*parts, b""] if empty_end else parts


def _rune(text: bytes, at: int) -> tuple[str, int]:
    """Go's ``utf8.DecodeRune`` at ``at``: the character and its length in bytes (U+FFFD and 0 at the end)."""
    if at >= len(text):
        return "\ufffd", 0
    for size in (1, 2, 3, 4):
        try:
            return text[at:at + size].decode("utf-8"), size
        except UnicodeDecodeError:
            continue
    return "\ufffd", 1


def _class_matches(spec: str, ch: str) -> bool:
    """Whether ``ch`` is in the character class ``spec`` (the text between ``[`` and ``]``)."""
    runes, at, found = list(spec), 1 if spec.startswith("^") else 0, False
    while at < len(runes):
        low = runes[at]
        if low == "-":
            raise _BadPattern
        at += 1
        if low == "\\":
            if at >= len(runes):
                raise _BadPattern
            low, at = runes[at], at + 1
        high = low
        if at < len(runes) and runes[at] == "-":
            at += 1
            if at >= len(runes) or runes[at] == "-":
                raise _BadPattern
            high, at = runes[at], at + 1
            if high == "\\":
                if at >= len(runes):
                    raise _BadPattern
                high, at = runes[at], at + 1
        found = found or low <= ch <= high
    return found != spec.startswith("^")


def _match(pattern: bytes, name: bytes) -> bool:
    """``matchComponent``, byte for byte as Go runs it: whether one path element matches one pattern element (a
    ``*`` steps through the name by the length of the character where it started, as doublestar v1 does)."""
    if not pattern:
        return not name
    if not name and pattern != b"*":
        return False
    p = n = 0
    while p < len(pattern) and n < len(name):
        ch, p_size = _rune(pattern, p)
        name_ch, n_size = _rune(name, n)
        if ch == "\\":
            ch, p_size = _rune(pattern, p + p_size)
            if p_size == 0:
                raise _BadPattern
            if ch != name_ch:
                return False
            p, n = p + 1 + p_size, n + n_size
        elif ch == "*":
            p += p_size
            return p >= len(pattern) or any(_match(pattern[p:], name[i:]) for i in range(n, len(name), n_size))
        elif ch == "[":
            end = _index_unescaped(pattern[p + 1:], b"]")
            if end <= 0:
                raise _BadPattern
            if not _class_matches(pattern[p + 1:p + 1 + end].decode("utf-8", "replace"), name_ch):
                return False
            p, n = p + end + 2, n + n_size
        elif ch == "{":
            end = _index_unescaped(pattern[p + 1:], b"}")
            if end == -1:
                raise _BadPattern
            rest = pattern[p + 2 + end:]
            return any(_match(option + rest, name[n:]) for option in _split(pattern[p + 1:p + 1 + end], b","))
        elif ch in ("?", name_ch):
            p, n = p + p_size, n + n_size
        else:
            return False
    return (p >= len(pattern) and n >= len(name)) or (n >= len(name) and pattern[p:] == b"*") or pattern[p:] == b"**"


class _Globber:
    """``doGlob``: the paths matching pattern elements under a folder."""

    def __init__(self, call: Call) -> None:
        self.call = call
        self.entries = 0
        self.found: list[str] = []

    def _listing(self, folder: str) -> list[str]:
        try:
            names = os.listdir(folder)
        except OSError:
            return []
        self.entries += len(names)
        if self.entries > _MAX_ENTRIES:
            raise UnknownResult(Unknown(f"{self.call.name}: more than {_MAX_ENTRIES} directory entries to search"))
        return names

    def glob(self, base: str, parts: list[bytes]) -> None:
        fixed = next((i for i, part in enumerate(parts) if any(c in part for c in b"*?[{\\")), len(parts))
        if fixed:
            base = os.path.join(base, *map(os.fsdecode, parts[:fixed]))
        if not os.path.lexists(base):
            return
        if fixed >= len(parts):
            self.found.append(go_clean(base))
            return
        if not os.path.isdir(base):
            return
        names = self._listing(base)
        last = fixed + 1 >= len(parts)
        if parts[fixed] == b"**":
            for name in names:
                path = os.path.join(base, name)
                if os.path.isdir(path):
                    if last:
                        self.found.append(go_clean(path))
                    self.glob(path, parts[fixed:])
                elif last and os.path.exists(path):
                    self.found.append(go_clean(path))
            if last:
                return
            fixed += 1
            last = fixed + 1 >= len(parts)
        for name in names:
            if _match(parts[fixed], os.fsencode(name)):
                path = os.path.join(base, name)
                if last:
                    self.found.append(go_clean(path))
                else:
                    self.glob(path, parts[fixed + 1:])


def _fileset(call: Call, path: str, pattern: str) -> list[str]:
    """``fileset(path, pattern)``: the paths, relative to ``path`` (itself relative to the module folder), of
    the regular files matching ``pattern``, sorted (a set of strings)."""
    root = go_clean(path if os.path.isabs(path) else os.path.join(call.base_dir, path))
    full = go_clean(os.path.join(root, pattern))
    if not os.path.isabs(full):
        full = go_clean(os.path.join(os.getcwd(), full))
        root = go_clean(os.path.join(os.getcwd(), root))
    globber = _Globber(call)
    try:
        parts = _split(os.fsencode(full), b"/")
        globber.glob("/", parts[1:])
    except _BadPattern:
        raise FunctionError(f"fileset: failed to glob pattern {full}: syntax error in pattern") from None
    out: set[str] = set()
    for match in globber.found:
        try:
            mode = os.stat(match).st_mode
        except OSError as exc:
            raise call.error(f"failed to stat {match}: {exc.strerror}") from None
        if stat.S_ISREG(mode):
            out.add(os.path.relpath(match, root))
    return sorted(out)


FUNCTIONS: dict[str, Spec] = {"fileset": Spec(_fileset, (Param(STRING), Param(STRING)))}
