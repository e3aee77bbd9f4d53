"""Regular expressions as Terraform's (Go's RE2 syntax): regex, regexall, and the pattern form of replace.

Patterns are translated to Python's ``re`` for the common subset, keeping RE2's meanings: ``\\d \\w \\s \\b`` are
ASCII-only, ``$`` (without the ``m`` flag) and ``\\z`` match only at the very end, ``[[:alpha:]]`` classes, ``\\Q..\\E``
quoting, ``(?<name>..)`` groups and ``\\x{..}`` escapes work. What RE2 rejects (backreferences, lookaround) is a
:class:`FunctionError`; RE2 features Python lacks (``\\p{..}`` classes, the ``U`` flag, flags in mid-pattern) make the
result unknown rather than guessed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping
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


Spans = tuple[tuple[int, int], ...]


def go_expand(template: str, text: str, spans: Spans, names: Mapping[str, int]) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}`` and ``$$`` in a replacement (a group that
    does not exist or did not match is empty)."""

    def group(ref: re.Match[str]) -> str:
        if ref[3]:
            return "$"
        name = ref[1] or ref[2]
        index = int(name) if name.isdigit() else names.get(name, len(spans))
        start, end = spans[index] if index < len(spans) else (-1, -1)
        return text[start:end] if start >= 0 else ""

    return _GROUP_REF.sub(group, template)


def _exponential(pattern: str) -> bool:
    """Whether a repeated group itself repeats something (``(a+)+``, ``(\\w+\\s?)*``): Python's backtracking engine
    may take exponential time on such a pattern, RE2 never does."""
    stack: list[bool] = []
    at = 0
    while at < len(pattern):
        ch = pattern[at]
        if ch == "\\":
            at += 2
            continue
        if ch == "(":
            stack.append(False)
        elif ch == ")" and stack:
            inner = stack.pop()
            repeated = pattern[at + 1:at + 2] in ("*", "+", "{")
            if inner and repeated:
                return True
            if stack and (inner or repeated):
                stack[-1] = True
        elif ch in "*+{" and stack:
            stack[-1] = True
        at += 1
    return False


_ISOLATED = ("import json, re, sys; d = json.load(sys.stdin); "
             "print(json.dumps([m.regs for m in re.finditer(d['p'], d['t'])]))")


def _isolated_spans(call: Call, pattern: re.Pattern[str], text: str) -> list[Spans]:
    """The matches of a pattern that may backtrack exponentially, found in a separate process given two seconds."""
    try:
        done = subprocess.run([sys.executable, "-c", _ISOLATED], input=json.dumps({"p": pattern.pattern, "t": text}),
                              capture_output=True, text=True, timeout=2, check=True)
    except subprocess.TimeoutExpired:
        raise UnknownResult(Unknown(f"{call.name}: matching takes too long with a backtracking engine")) from None
    return [tuple((int(a), int(b)) for a, b in regs) for regs in json.loads(done.stdout)]


def matches(call: Call, pattern: re.Pattern[str], text: str) -> list[Spans]:
    """Go's non-overlapping matches (an empty match right after the previous match is skipped), as the spans of
    the whole match and of each group ((-1, -1) for a group that did not match)."""
    if _exponential(pattern.pattern):
        every = _isolated_spans(call, pattern, text)
    else:
        every = [match.regs for match in pattern.finditer(text)]
    found: list[Spans] = []
    for spans in every:
        (start, end) = spans[0]
        if start == end and found and found[-1][0][1] == start:
            continue
        found.append(spans)
    return found


def replace_all(call: Call, pattern: re.Pattern[str], text: str, template: str) -> str:
    """Go's ``ReplaceAllString``."""
    out: list[str] = []
    last = 0
    for spans in matches(call, pattern, text):
        out += [text[last:spans[0][0]], go_expand(template, text, spans, pattern.groupindex)]
        last = spans[0][1]
    return "".join(out) + text[last:]


def _result(pattern: re.Pattern[str], text: str, spans: Spans) -> Any:
    def group(index: int) -> str | None:
        start, end = spans[index]
        return text[start:end] if start >= 0 else None

    if not pattern.groups:
        return group(0)
    if pattern.groupindex:
        return {name: group(index) for name, index in pattern.groupindex.items()}
    return [group(index) for index in range(1, pattern.groups + 1)]


def _check_groups(call: Call, pattern: re.Pattern[str]) -> None:
    if pattern.groupindex and len(pattern.groupindex) != pattern.groups:
        raise call.error("invalid regexp pattern: cannot mix both named and unnamed capture groups")


def _regex(call: Call, pattern: str, text: str) -> Any:
    """``regex(pattern, str)``: the first match: a string, a list of the groups, or a map of the named groups
    (an unmatched group is null). An error when nothing matches."""
    compiled = compile_re2(call, pattern)
    _check_groups(call, compiled)
    found = matches(call, compiled, text)
    if not found:
        raise call.error("pattern did not match any part of the given string")
    return _result(compiled, text, found[0])


def _regexall(call: Call, pattern: str, text: str) -> list[Any]:
    """``regexall(pattern, str)``: every non-overlapping match, each as ``regex`` gives it."""
    compiled = compile_re2(call, pattern)
    _check_groups(call, compiled)
    return [_result(compiled, text, spans) for spans in matches(call, compiled, text)]


FUNCTIONS: dict[str, Spec] = {
    "regex": Spec(_regex, (Param(STRING), Param(STRING))),
    "regexall": Spec(_regexall, (Param(STRING), Param(STRING))),
}
