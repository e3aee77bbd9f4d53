"""String functions. Each needs every input it reads: an unknown input makes the result unknown, except where a
docstring says otherwise. Lengths and offsets count user-perceived characters (grapheme clusters), as Terraform's.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.facts.values import Unknown

from .functions_base import Call, Param, Spec, known, too_large, whole
from .functions_format import symbolic_text
from .functions_regex import compile_re2, replace_all
from .functions_text import go_lower, go_title, go_trimspace, go_upper, graphemes
from .functions_types import NUMBER, STRING, list_of

__all__ = ["FUNCTIONS"]


def _join(call: Call, sep: str, *lists: list[Any]) -> str:
    """``join(sep, list, ...)``: the strings of the lists joined with ``sep``. Unknown when an element is; when the
    only unknown element has a ``symbol`` (``aws_s3_bucket.b.arn``), the unknown result's symbol is the text with
    it in place (``${aws_s3_bucket.b.arn}/*``)."""
    if not lists:
        raise call.error("at least one list is required")
    symbolic = [v for items in lists for v in items if isinstance(v, Unknown) and v.symbol and not v.spread
                and not v.candidates]
    for pos, items in enumerate(lists, 2):
        if len(symbolic) != 1 or any(isinstance(v, Unknown) and v is not symbolic[0] for v in items):
            known(call, items, pos)
    parts: list[str | Unknown] = []
    for pos, items in enumerate(lists, 1):
        for at, item in enumerate(items):
            if item is None:
                where = f"element {at} of list {pos}" if len(lists) > 1 else f"element {at}"
                raise call.error(f"{where} is null; cannot concatenate null values")
            parts.append(item)
    pieces: list[str | Unknown] = []
    for part in parts:
        pieces += [sep, part] if pieces else [part]
    return symbolic_text(pieces, "join")


def _split(call: Call, sep: str, text: str) -> list[str]:
    """``split(sep, str)``: the parts of ``str`` between occurrences of ``sep`` (an empty ``sep``: every
    character)."""
    return list(text) if sep == "" else text.split(sep)


def _replace(call: Call, text: str, substr: str, replacement: str) -> str:
    """``replace(str, substr, replacement)``: every occurrence replaced; a ``substr`` written ``/.../`` is a regular
    expression (RE2 syntax, see :func:`.functions_regex.compile_re2`) and ``$1``/``${name}`` in the replacement
    refer to its groups."""
    if len(substr) > 1 and substr.startswith("/") and substr.endswith("/"):
        return replace_all(call, compile_re2(call, substr[1:-1]), text, replacement)
    return text.replace(substr, replacement)


def _substr(call: Call, text: str, offset: int | float, length: int | float) -> str:
    """``substr(str, offset, length)``: ``length`` characters from ``offset`` (negative: from the end; a negative
    length: to the end)."""
    start, count = whole(call, offset, "offset"), whole(call, length, "length")
    clusters = graphemes(text)
    if start < 0:
        start += len(clusters)
    elif count == 0:
        return ""
    rest = clusters[start:] if start > 0 else clusters
    return "".join(rest if count <= 0 else rest[:count])


def _indent(call: Call, spaces: int | float, text: str) -> str:
    """``indent(n, str)``: ``n`` spaces after every newline."""
    count = whole(call, spaces, "spaces")
    if count < 0:
        raise call.error("the number of spaces must not be negative")
    too_large(call, len(text) + count * text.count("\n"))
    return text.replace("\n", "\n" + " " * count)


def _startswith(call: Call, text: Any, prefix: str) -> bool:
    """``startswith(str, prefix)``: true for an empty ``prefix`` even when ``str`` is unknown."""
    if isinstance(text, Unknown):
        if prefix == "":
            return True
        known(call, text, 1)
    assert isinstance(text, str)
    return text.startswith(prefix)


def _simple(fn: Any, doc: str) -> Any:
    def impl(call: Call, *args: str) -> Any:
        return fn(*args)

    impl.__doc__ = doc
    return impl


_CHOMP = re.compile(r"(?:\r\n?|\n)*\Z")
S = Param(STRING)
FUNCTIONS: dict[str, Spec] = {
    "join": Spec(_join, (S,), Param(list_of(STRING))),
    "split": Spec(_split, (S, S)),
    "replace": Spec(_replace, (S, S, S)),
    "substr": Spec(_substr, (S, Param(NUMBER), Param(NUMBER))),
    "indent": Spec(_indent, (Param(NUMBER), S)),
    "startswith": Spec(_startswith, (Param(STRING, unknown=True), S)),
    "lower": Spec(_simple(go_lower, "``lower(str)``: lowercase (Go's simple case mapping)."), (S,)),
    "upper": Spec(_simple(go_upper, "``upper(str)``: uppercase (Go's simple case mapping)."), (S,)),
    "title": Spec(_simple(go_title, "``title(str)``: the first letter of every word in title case."), (S,)),
    "trimspace": Spec(_simple(go_trimspace, "``trimspace(str)``: without leading and trailing white space."), (S,)),
    "trim": Spec(_simple(lambda s, cut: s.strip(cut), "``trim(str, chars)``: without leading and trailing "
                         "``chars``."), (S, S)),
    "trimprefix": Spec(_simple(str.removeprefix, "``trimprefix(str, prefix)``: without ``prefix``."), (S, S)),
    "trimsuffix": Spec(_simple(str.removesuffix, "``trimsuffix(str, suffix)``: without ``suffix``."), (S, S)),
    "endswith": Spec(_simple(str.endswith, "``endswith(str, suffix)``: whether ``str`` ends with ``suffix``."),
                     (S, S)),
    "strcontains": Spec(_simple(lambda s, sub: sub in s, "``strcontains(str, substr)``: whether ``substr`` is in "
                                "``str``."), (S, S)),
    "strrev": Spec(_simple(lambda s: "".join(reversed(graphemes(s))), "``strrev(str)``: the characters in reverse "
                           "order."), (S,)),
    "chomp": Spec(_simple(lambda s: _CHOMP.sub("", s, count=1), "``chomp(str)``: without trailing newlines."), (S,)),
}
