"""Regular expressions as Terraform's (Go's RE2 syntax): regex, regexall, and the pattern form of replace.

Patterns are translated to Python's ``re`` for the common subset, keeping RE2's meanings: ``\\d \\w \\s \\b`` are
ASCII-only, ``$`` (without the ``m`` flag) and ``\\z`` match only at the very end, ``[[:alpha:]]`` classes, ``\\Q..\\E``
quoting, ``(?<name>..)`` groups and ``\\x{..}`` escapes work. What RE2 rejects (backreferences, lookaround) is a
:class:`FunctionError`; RE2 features Python lacks (``\\p{..}`` classes, the ``U`` flag, flags in mid-pattern) make the
result unknown rather than guessed.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.facts.values import Unknown

from .functions_base import Call, Param, Spec, UnknownResult
from .functions_types import STRING

__all__ = ["FUNCTIONS", "compile_re2", "go_expand", "matches", "replace_all"]

_WORD = "0-9A-Za-z_"
_CLASS_ESCAPES = {"d": "0-9", "w": _WORD, "s": "\\t\\n\\f\\r "}
_POSIX = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": _WORD, "xdigit": "0-9A-Fa-f",
}
_BOUNDARY = f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))"
_NOT_BOUNDARY = f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))"
_REJECTED = re.compile(r"\\[1-9]|\(\?[=!>]|\(\?<[=!]")
_UNSUPPORTED = re.compile(r"\\[pPC]|\(\?[a-zA-Z]*U")
_RE2_ERRORS = ("missing )", "unbalanced parenthesis", "unterminated character set", "nothing to repeat",
               "multiple repeat", "bad character range", "unknown extension", "missing ), unterminated name")


class _Translator:
    """One pass over an RE2 pattern, writing the equivalent Python pattern."""

    def __init__(self, pattern: str) -> None:
        self.src = pattern
        self.at = 0
        self.out: list[str] = []
        self.multiline = re.search(r"\(\?[a-z]*m", pattern) is not None

    def run(self) -> str:
        while self.at < len(self.src):
            ch = self.src[self.at]
            if ch == "\\":
                self.out.append(self._escape(in_class=False))
            elif ch == "[":
                self.out.append(self._char_class())
            elif ch == "$" and not self.multiline:
                self.out.append(r"\Z")
                self.at += 1
            elif self.src.startswith("(?<", self.at) and self.src[self.at + 3:self.at + 4] not in ("=", "!"):
                self.out.append("(?P<")
                self.at += 3
            else:
                self.out.append(ch)
                self.at += 1
        return "".join(self.out)

    def _escape(self, in_class: bool) -> str:
        letter = self.src[self.at + 1:self.at + 2]
        self.at += 2
        if letter in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[letter] if in_class else f"[{_CLASS_ESCAPES[letter]}]"
        if letter.lower() in _CLASS_ESCAPES and not in_class:
            return f"[^{_CLASS_ESCAPES[letter.lower()]}]"
        if letter in ("D", "W", "S"):
            raise _Unsupported("a negated class escape inside a character class")
        if letter == "z":
            return r"\Z"
        if letter == "Z":
            raise _Invalid("invalid escape sequence: \\Z")
        if letter == "b" and not in_class:
            return _BOUNDARY
        if letter == "B":
            return _NOT_BOUNDARY
        if letter == "Q":
            end = self.src.find("\\E", self.at)
            end = len(self.src) if end < 0 else end
            quoted, self.at = self.src[self.at:end], min(end + 2, len(self.src))
            return re.escape(quoted)
        if letter == "x" and self.src[self.at:self.at + 1] == "{":
            end = self.src.index("}", self.at)
            code, self.at = int(self.src[self.at + 1:end], 16), end + 1
            return re.escape(chr(code))
        return "\\" + letter

    def _char_class(self) -> str:
        parts = ["["]
        self.at += 1
        if self.src[self.at:self.at + 1] == "^":
            parts.append("^")
            self.at += 1
        if self.src[self.at:self.at + 1] == "]":
            parts.append("\\]")
            self.at += 1
        while self.at < len(self.src) and self.src[self.at] != "]":
            posix = re.match(r"\[:(\^?)([a-z]+):\]", self.src[self.at:])
            if posix:
                if posix[1] or posix[2] not in _POSIX:
                    raise _Unsupported(f"the character class {posix[0]}")
                parts.append(_POSIX[posix[2]])
                self.at += len(posix[0])
            elif self.src[self.at] == "\\":
                parts.append(self._escape(in_class=True))
            elif self.src[self.at] == "[":
                parts.append("\\[")
                self.at += 1
            else:
                parts.append(self.src[self.at])
                self.at += 1
        self.at += 1
        return "".join(parts) + "]"


class _Unsupported(Exception):
    pass


class _Invalid(Exception):
    pass


def compile_re2(call: Call, pattern: str) -> re.Pattern[str]:
    """``pattern`` (RE2 syntax) as a Python pattern with the same meaning."""
    if _REJECTED.search(pattern):
        raise call.error(f"invalid or unsupported Perl syntax in regular expression {pattern!r}")
    if _UNSUPPORTED.search(pattern):
        raise UnknownResult(Unknown(f"{call.name}: the pattern {pattern!r} uses RE2 syntax pacscan cannot evaluate"))
    try:
        return re.compile(_Translator(pattern).run())
    except _Invalid as exc:
        raise call.error(f"error parsing regexp: {exc}") from None
    except (_Unsupported, re.error, ValueError, IndexError) as exc:
        message = str(exc)
        if any(text in message for text in _RE2_ERRORS):
            raise call.error(f"error parsing regexp {pattern!r}: {message}") from None
        raise UnknownResult(Unknown(f"{call.name}: the pattern {pattern!r} is not supported ({message})")) from None


_GROUP_REF = re.compile(r"\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+)|(\$))")


def go_expand(template: str, match: re.Match[str]) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}`` and ``$$`` in a replacement (a group that
    does not exist or did not match is empty)."""

    def group(ref: re.Match[str]) -> str:
        if ref[3]:
            return "$"
        name = ref[1] or ref[2]
        try:
            return match.group(int(name) if name.isdigit() else name) or ""
        except IndexError:
            return ""

    return _GROUP_REF.sub(group, template)


def matches(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Go's non-overlapping matches: an empty match right after the previous match is skipped."""
    found: list[re.Match[str]] = []
    for match in pattern.finditer(text):
        if match.start() == match.end() and found and found[-1].end() == match.start():
            continue
        found.append(match)
    return found


def replace_all(pattern: re.Pattern[str], text: str, template: str) -> str:
    """Go's ``ReplaceAllString``."""
    out: list[str] = []
    last = 0
    for match in matches(pattern, text):
        out += [text[last:match.start()], go_expand(template, match)]
        last = match.end()
    return "".join(out) + text[last:]


def _result(pattern: re.Pattern[str], match: re.Match[str]) -> Any:
    names = set(pattern.groupindex)
    if not pattern.groups:
        return match.group(0)
    if names:
        return {name: match.group(name) for name in names}
    return list(match.groups())


def _check_groups(call: Call, pattern: re.Pattern[str]) -> None:
    if pattern.groupindex and len(pattern.groupindex) != pattern.groups:
        raise call.error("invalid regexp pattern: cannot mix both named and unnamed capture groups")


def _regex(call: Call, pattern: str, text: str) -> Any:
    """``regex(pattern, str)``: the first match: a string, a list of the groups, or a map of the named groups
    (an unmatched group is null). An error when nothing matches."""
    compiled = compile_re2(call, pattern)
    _check_groups(call, compiled)
    found = matches(compiled, text)
    if not found:
        raise call.error("pattern did not match any part of the given string")
    return _result(compiled, found[0])


def _regexall(call: Call, pattern: str, text: str) -> list[Any]:
    """``regexall(pattern, str)``: every non-overlapping match, each as ``regex`` gives it."""
    compiled = compile_re2(call, pattern)
    _check_groups(call, compiled)
    return [_result(compiled, match) for match in matches(compiled, text)]


FUNCTIONS: dict[str, Spec] = {
    "regex": Spec(_regex, (Param(STRING), Param(STRING))),
    "regexall": Spec(_regexall, (Param(STRING), Param(STRING))),
}
