"""format and formatlist: printf-style formatting with Terraform's verbs (``%v %#v %t %d %b %o %x %X %e %E %f %g
%G %s %q %%``), flags (``space + - 0 #``), width, precision and explicit argument indexes (``%[2]s``)."""

from __future__ import annotations

from typing import Any

from scanner.facts.values import Unknown, first_unknown

from .functions_base import (
    MAX_SIZE,
    Call,
    FunctionError,
    Param,
    Spec,
    UnknownResult,
    give_up,
    is_number,
    unknown_from,
)
from .functions_encoding import json_text
from .functions_lists import first_spread
from .functions_numfmt import Verb, format_float, format_integer, shortest_g
from .functions_text import graphemes
from .functions_types import BOOL, NUMBER, STRING
from .functions_values import convert

__all__ = ["FUNCTIONS"]

_FLAGS = {"0": "zero", "#": "sharp", "-": "minus", "+": "plus", " ": "space"}


class _Scanner:
    """One pass over a format string (go-cty's format state machine)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def number(self) -> int | None:
        start = self.at
        while self.at < len(self.text) and self.text[self.at].isdigit() and self.text[self.at].isascii():
            self.at += 1
        return int(self.text[start:self.at]) if self.at > start else None

    def verb(self, next_arg: int) -> Verb:
        start = self.at
        self.at += 1
        verb = Verb("", start, arg=next_arg)
        while self._peek() in _FLAGS:
            setattr(verb, _FLAGS[self._peek()], True)
            self.at += 1
        if self._peek() in "123456789":
            verb.width = self.number()
        if self._peek() == ".":
            self.at += 1
            verb.prec = self.number() or 0
        if self._peek() == "[":
            self.at += 1
            if self._peek() not in "123456789":
                self._fail()
            verb.arg = self.number() or 0
            if self._peek() != "]":
                self._fail()
            self.at += 1
        if not (self._peek().isascii() and self._peek().isalpha()):
            self._fail()
        verb.mode = self._peek()
        self.at += 1
        verb.raw = self.text[start:self.at]
        return verb

    def _peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def _fail(self) -> None:
        if self.at >= len(self.text):
            raise FunctionError(f"invalid format string starting at offset {self.at}")
        raise FunctionError(f"unrecognized format character {self.text[self.at]!r} at offset {self.at}")


def _pad(verb: Verb, text: str) -> str:
    missing = (verb.width or 0) - len(graphemes(text))
    if missing <= 0:
        return text
    pad = ("0" if verb.zero else " ") * missing
    return text + pad if verb.minus else pad + text


def _as_is(verb: Verb, value: Any) -> str:
    if not verb.sharp and isinstance(value, str):
        return _pad(verb, value)
    if not verb.sharp and is_number(value):
        return _pad(verb, shortest_g(value))
    return _pad(verb, json_text(value))


def _string(verb: Verb, value: Any) -> str:
    text = convert(value, STRING, f"format: the value for {verb.raw!r} at {verb.offset}")
    if verb.prec:
        text = "".join(graphemes(text)[:verb.prec])
    return _pad(verb, json_text(text) if verb.mode == "q" else text)


def _number(verb: Verb, value: Any) -> str:
    number = convert(value, NUMBER, f"format: the value for {verb.raw!r} at {verb.offset}")
    if verb.mode in "bdoxX":
        if isinstance(number, float) and not number.is_integer():
            raise FunctionError(f"unsupported value for {verb.raw!r} at {verb.offset}: an integer is required")
        return format_integer(verb, int(number))
    return format_float(verb, number)


def _bool(verb: Verb, value: Any) -> str:
    return "true" if convert(value, BOOL, f"format: the value for {verb.raw!r} at {verb.offset}") else "false"


_MODES = {"v": _as_is, "t": _bool, "s": _string, "q": _string, **dict.fromkeys("bdoxXeEfgG", _number)}


def _symbolic(verb: Verb, value: Any) -> bool:
    """An unknown with a ``symbol`` formatted as plain text keeps being that symbol inside the result."""
    return (isinstance(value, Unknown) and value.symbol is not None and not value.candidates and not value.spread
            and verb.mode in "sv" and verb.width is None and verb.prec is None and not verb.sharp)


def _append(verb: Verb, args: list[Any]) -> str | Unknown:
    if verb.arg - 1 >= len(args):
        raise FunctionError(f"not enough arguments for {verb.raw!r} at {verb.offset}: need index {verb.arg} but "
                            f"have {len(args)} total")
    value = args[verb.arg - 1]
    handler = _MODES.get(verb.mode)
    if handler is None:
        raise FunctionError(f"unsupported format verb {verb.mode!r} in {verb.raw!r} at offset {verb.offset}")
    if value is None and verb.mode != "v":
        raise FunctionError(f"unsupported value for {verb.raw!r} at {verb.offset}: null value cannot be formatted")
    if _symbolic(verb, value):
        return value  # type: ignore[no-any-return]
    unknown = first_unknown(value)
    if unknown is not None:
        give_up(unknown, f"format: the value for {verb.raw!r} is unknown")
    return handler(verb, value)


def render(fmt: str, args: list[Any]) -> str:
    """``fmt`` with ``args`` formatted in (raises :class:`FunctionError` or :class:`UnknownResult`; an unknown
    with a ``symbol`` formatted with a plain ``%s`` or ``%v`` gives an unknown whose symbol is the whole text,
    ``format("%s/*", arn)``: ``${aws_s3_bucket.b.arn}/*``)."""
    out: list[str | Unknown] = []
    scanner = _Scanner(fmt)
    next_arg, highest = 1, 0
    while scanner.at < len(fmt):
        ch = fmt[scanner.at]
        if ch != "%" or fmt.startswith("%%", scanner.at):
            out.append(ch)
            scanner.at += 2 if ch == "%" else 1
            continue
        verb = scanner.verb(next_arg)
        if max(verb.width or 0, verb.prec or 0) > MAX_SIZE:
            raise UnknownResult(Unknown(f"format: {verb.raw!r} would make a text too large to evaluate"))
        highest = max(highest, verb.arg)
        out.append(_append(verb, args))
        next_arg = verb.arg + 1
    if highest < len(args):
        raise FunctionError("too many arguments; no verbs in format string" if highest == 0
                            else f"too many arguments; only {highest} used by format string")
    return symbolic_text(out, "format")


def symbolic_text(pieces: list[str | Unknown], name: str) -> str:
    """The pieces joined; with one symbolic unknown among them, an unknown naming the text by that symbol (as the
    evaluator names a template with one symbolic part); with several, unknown."""
    unseen = [p for p in pieces if isinstance(p, Unknown)]
    if not unseen:
        return "".join(p for p in pieces if isinstance(p, str))
    if len(unseen) > 1:
        give_up(unseen[0], f"{name}: more than one part is unknown")
    symbol = unseen[0].symbol or ""
    inner = symbol if "${" in symbol else "${" + symbol + "}"
    text = "".join(inner if isinstance(p, Unknown) else p for p in pieces)
    raise UnknownResult(unknown_from(unseen[0], f"{name}: part of the text is unknown", symbol=text))


def _format(call: Call, fmt: str, *args: Any) -> str:
    """``format(fmt, args...)``: unknown when an argument a verb formats is (partly) unknown."""
    try:
        return render(fmt, list(args))
    except FunctionError as exc:
        raise call.error(str(exc)) from None


def _formatlist(call: Call, fmt: str, *args: Any) -> list[Any]:
    """``formatlist(fmt, args...)``: ``format`` once per element of the list arguments (all of one length; other
    arguments repeat). Unknown when a list argument is unknown or has an unknown number of elements; a single
    iteration whose values are unknown gives an unknown element."""
    length: int | None = None
    for pos, arg in enumerate(args, 2):
        if isinstance(arg, Unknown):
            give_up(arg, f"formatlist: argument {pos} is unknown")
        if isinstance(arg, list):
            spread = first_spread(arg)
            if spread is not None:
                give_up(arg[spread], f"formatlist: argument {pos} has an unknown number of elements")
            if length is not None and len(arg) != length:
                raise call.error(f"argument {pos} has length {len(arg)}, which is inconsistent with the other lists "
                                 f"of length {length}")
            length = len(arg)
    results: list[Any] = []
    for index in range(1 if length is None else length):
        values = [arg[index] if isinstance(arg, list) else arg for arg in args]
        try:
            results.append(render(fmt, values))
        except UnknownResult as result:
            results.append(unknown_from(result.unknown, f"formatlist: element {index} is unknown",
                                        symbol=result.unknown.symbol))
        except FunctionError as exc:
            raise call.error(f"error on format iteration {index}: {exc}") from None
    return results


FUNCTIONS: dict[str, Spec] = {
    "format": Spec(_format, (Param(STRING),), Param(null=True, unknown=True)),
    "formatlist": Spec(_formatlist, (Param(STRING),), Param(null=True, unknown=True)),
}
