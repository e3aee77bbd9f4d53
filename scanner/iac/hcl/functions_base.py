"""Shared machinery of the Terraform function library: errors, unknown results, signatures, numbers.

An implementation receives its arguments already converted to its parameters' types (as Terraform's
function machinery does) and either returns a value, raises :class:`FunctionError` (Terraform would
reject the call) or raises :class:`UnknownResult` (the result depends on something nobody can see).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from pathlib import Path
from typing import Any, NoReturn

from scanner.facts.values import PartialDict, Unknown, first_unknown

from .functions_types import DYNAMIC, Ty

__all__ = [
    "MAX_SIZE",
    "Call",
    "FunctionError",
    "Param",
    "Spec",
    "UnknownResult",
    "dec",
    "exact",
    "from_dec",
    "give_up",
    "is_number",
    "known",
    "norm_number",
    "num_text",
    "parse_decimal",
    "too_large",
    "unknown_from",
    "whole",
]


class FunctionError(Exception):
    """A call Terraform itself would reject (wrong arity or argument types, invalid values such as a bad CIDR)."""


class UnknownResult(Exception):
    """Raised by an implementation: the call's result is this unknown."""

    def __init__(self, unknown: Unknown) -> None:
        super().__init__(unknown.reason)
        self.unknown = unknown


@dataclass(frozen=True, slots=True)
class Call:
    """The function being called, for messages and the filesystem functions."""

    name: str
    base_dir: Path

    def error(self, message: str) -> FunctionError:
        return FunctionError(f"{self.name}: {message}")


@dataclass(frozen=True, slots=True)
class Param:
    """A parameter: the type its argument is converted to, and whether null or unknown reach the implementation
    (an unknown argument a parameter does not accept makes the whole result unknown, as in Terraform)."""

    ty: Ty = DYNAMIC
    null: bool = False
    unknown: bool = False


@dataclass(frozen=True, slots=True)
class Spec:
    """A function: its implementation ``impl(call, *args)``, fixed parameters and optional variadic parameter."""

    impl: Callable[..., Any]
    params: tuple[Param, ...] = ()
    var: Param | None = None

    def param(self, index: int) -> Param:
        if index < len(self.params):
            return self.params[index]
        assert self.var is not None
        return self.var

    def arity_error(self, count: int) -> str | None:
        fixed = len(self.params)
        if count == fixed or (self.var is not None and count > fixed):
            return None
        wanted = f"at least {fixed}" if self.var is not None else f"exactly {fixed}"
        return f"takes {wanted} argument{'s' if fixed != 1 else ''}, got {count}"


#: results larger than this (characters, elements) are unknown rather than built: a hostile configuration must not
#: make the scanner allocate without bound
MAX_SIZE = 16 * 1024 * 1024


def too_large(call: Call, size: int) -> None:
    """Unknown when a result would be larger than :data:`MAX_SIZE`."""
    if size > MAX_SIZE:
        raise UnknownResult(Unknown(f"{call.name}: the result would be too large to evaluate ({size} items)"))


def unknown_from(source: Unknown, text: str, **fields: Any) -> Unknown:
    """An unknown result described by ``text`` (``concat: argument 1 is unknown``) with the reason of the input
    that decided it; it keeps the input's origin and whether it could not be read."""
    return Unknown(f"{text} ({source.reason})", origin=source.origin, error=source.error, **fields)


def give_up(source: Unknown, text: str) -> NoReturn:
    raise UnknownResult(unknown_from(source, text))


def known(call: Call, value: Any, pos: int) -> Any:
    """``value`` when nothing in it is unknown; otherwise the call's result is unknown."""
    unknown = first_unknown(value)
    if unknown is None:
        return value
    whole_arg = unknown is value or (isinstance(value, PartialDict) and unknown is value.rest and not value)
    what = f"argument {pos}" if whole_arg else f"part of argument {pos}"
    give_up(unknown, f"{call.name}: {what} is unknown")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def dec(value: int | float) -> Decimal:
    """A number as a decimal: a float by its shortest representation (Terraform parses ``0.1`` as decimal)."""
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def exact() -> AbstractContextManager[Context]:
    """Decimal arithmetic precise enough for any number a configuration holds (Terraform's are 512-bit)."""
    context = Context(prec=5000)
    return localcontext(context)


def from_dec(value: Decimal) -> int | float:
    """A decimal as an int when integral (beyond 4096 digits, a float: such numbers are infinite to us)."""
    if value.is_finite() and value.adjusted() <= 4096 and value == value.to_integral_value():
        return int(value)
    return float(value)


def norm_number(value: int | float) -> int | float:
    """Integral floats become ints, by their shortest decimal representation (as Terraform prints them)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(Decimal(repr(value)))
    return value


def num_text(value: int | float) -> str:
    """A number as Terraform writes it in a string: no exponent, no trailing ``.0``."""
    if isinstance(value, int):
        return str(value)
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return format(dec(norm_number(value)), "f")


_NUMBER = re.compile(r"[+-]?(?:(?P<mant>\d+\.?\d*|\.\d+)(?:(?P<kind>[eEpP])(?P<exp>[+-]?\d+))?|[iI]nf)")


def parse_decimal(text: str) -> int | float | None:
    """A number literal as Terraform's string-to-number conversion (Go's ``big.Float.Parse``, base 10) accepts
    it (``12``, ``-1.5e3``, ``.5``, ``1p3`` with a binary exponent, ``Inf``), or None."""
    match = _NUMBER.fullmatch(text)
    if match is None:
        return None
    negative = text.startswith("-")
    if match["mant"] is None:
        return -math.inf if negative else math.inf
    with localcontext() as context:
        context.prec = 600
        value = Decimal(match["mant"])
        if match["kind"] in ("p", "P"):
            value *= Decimal(2) ** int(match["exp"])
        elif match["kind"]:
            value = value.scaleb(int(match["exp"]))
        return from_dec(-value if negative else value)


def whole(call: Call, value: int | float, what: str) -> int:
    """``value`` as an integer, as Terraform's conversion to a Go int requires (whole, within 64 bits)."""
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise call.error(f"{what}: value must be a whole number, between {-(2**63)} and {2**63 - 1}")
        value = int(value)
    if not -(2**63) <= value < 2**63:
        raise call.error(f"{what}: value must be a whole number, between {-(2**63)} and {2**63 - 1}")
    return value
