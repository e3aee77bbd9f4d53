"""Numbers formatted as Go's ``fmt`` formats Terraform's numbers (``big.Int`` for ``%d %b %o %x %X``, ``big.Float``
for ``%e %E %f %g %G`` and the ``%v`` of a number).

Terraform holds a number as a 512-bit binary float parsed from its decimal text; rounding to a precision is done on
that binary value's exact decimal expansion, as Go does, so ``format("%.2f", 2.675)`` rounds exactly as Terraform.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from .functions_base import dec

__all__ = ["Verb", "format_float", "format_integer", "shortest_g"]

_PRECISION_BITS = 512


@dataclass
class Verb:
    """A parsed formatting verb (``%-08.3[2]f``)."""

    raw: str
    offset: int
    mode: str = ""
    arg: int = 0
    zero: bool = False
    sharp: bool = False
    plus: bool = False
    minus: bool = False
    space: bool = False
    width: int | None = None
    prec: int | None = None


def _as_512_bits(value: Decimal) -> Decimal:
    """The exact decimal value of ``value`` rounded to a 512-bit mantissa (half to even)."""
    exact = Fraction(value)
    if exact == 0:
        return Decimal(0)
    top = abs(exact.numerator).bit_length() - exact.denominator.bit_length()
    if abs(exact) < Fraction(2) ** top:
        top -= 1
    shift = _PRECISION_BITS - 1 - top
    scaled = exact * (Fraction(2) ** shift)
    mantissa = round(scaled)  # half to even
    with localcontext() as context:
        context.prec = 2000
        if shift <= 0:
            return Decimal(mantissa * 2 ** (-shift))
        return Decimal(mantissa * 5**shift).scaleb(-shift)


def _digits(value: Decimal) -> tuple[str, int]:
    """(mantissa digits without leading or trailing zeros, exponent): ``|value| = 0.mant x 10^exp``."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).lstrip("0")
    if not text:
        return "", 0
    return text.rstrip("0"), len(text) + exponent


def _round(mant: str, exp: int, n: int) -> tuple[str, int]:
    """Go's ``decimal.round``: ``mant`` rounded half to even to ``n`` digits (nothing to do when n < 0)."""
    if n < 0 or n >= len(mant):
        return mant, exp
    exactly_half = mant[n] == "5" and n + 1 == len(mant)
    up = (n > 0 and int(mant[n - 1]) % 2 == 1) if exactly_half else mant[n] >= "5"
    if not up:
        return mant[:n].rstrip("0"), exp
    while n > 0 and mant[n - 1] == "9":
        n -= 1
    if n == 0:
        return "1", exp + 1
    return mant[:n - 1] + str(int(mant[n - 1]) + 1), exp


def _fmt_e(mant: str, exp: int, prec: int, upper: bool) -> str:
    head = (mant or "0")[0]
    if prec > 0:
        head += "." + mant[1:prec + 1].ljust(prec, "0")
    power = exp - 1 if mant else 0
    return f"{head}{'E' if upper else 'e'}{'-' if power < 0 else '+'}{abs(power):02d}"


def _fmt_f(mant: str, exp: int, prec: int) -> str:
    head = (mant[:exp].ljust(exp, "0")) if exp > 0 else "0"
    if prec <= 0:
        return head
    return head + "." + "".join(mant[exp + i] if 0 <= exp + i < len(mant) else "0" for i in range(prec))


def _body(value: Decimal, mode: str, prec: int | None) -> str:
    """The unsigned digits of ``value`` for ``%e %f %g`` (Go's ``big.Float.Append``)."""
    kind, upper = mode.lower(), mode.isupper()
    shortest = prec is None and kind == "g"
    if shortest:
        mant, exp = _digits(value.copy_abs())
        p = len(mant)
    else:
        p = 6 if prec is None else prec
        mant, exp = _digits(_as_512_bits(value).copy_abs())
        if kind == "g":
            p = p or 1
        mant, exp = _round(mant, exp, {"e": 1 + p, "f": exp + p}.get(kind, p))
    if kind == "e":
        return _fmt_e(mant, exp, p, upper)
    if kind == "f":
        return _fmt_f(mant, exp, p)
    eprec = len(mant) if p > len(mant) >= exp else p
    if shortest:
        eprec = 6
    if exp - 1 < -4 or exp - 1 >= eprec:
        return _fmt_e(mant, exp, min(p, len(mant)) - 1, upper)
    return _fmt_f(mant, exp, max((len(mant) if p > exp else p) - exp, 0))


def format_float(verb: Verb, value: int | float) -> str:
    """``%e %E %f %g %G`` of a number (and ``%v``, as ``%g``)."""
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, float) and abs(value) == float("inf"):
        body, negative = "Inf", value < 0
    else:
        number = dec(value)
        body, negative = _body(number, verb.mode if verb.mode != "v" else "g", verb.prec), number < 0
    sign = "-" if negative else "+" if verb.plus else " " if verb.space else ""
    pad = max((verb.width or 0) - len(sign) - len(body), 0)
    if verb.zero and body != "Inf":
        return sign + "0" * pad + body
    if verb.minus:
        return sign + body + " " * pad
    return " " * pad + sign + body


def shortest_g(value: int | float) -> str:
    """``big.Float.Text('g', -1)``."""
    return format_float(Verb("%v", 0, "g"), value)


_PREFIXES = {"b": "0b", "o": "0", "x": "0x", "X": "0X"}


def format_integer(verb: Verb, value: int) -> str:
    """``%d %b %o %x %X`` of an integer (Go's ``big.Int.Format``)."""
    base = {"d": 10, "b": 2, "o": 8, "x": 16, "X": 16}[verb.mode]
    digits = _to_base(abs(value), base)
    digits = digits.upper() if verb.mode == "X" else digits
    sign = "-" if value < 0 else "+" if verb.plus else " " if verb.space else ""
    prefix = _PREFIXES.get(verb.mode, "") if verb.sharp else ""
    zeros = 0
    if verb.prec is not None:
        if len(digits) < verb.prec:
            zeros = verb.prec - len(digits)
        elif digits == "0" and verb.prec == 0:
            return ""
    length = len(sign) + len(prefix) + zeros + len(digits)
    left = right = 0
    if verb.width is not None and length < verb.width:
        pad = verb.width - length
        if verb.minus:
            right = pad
        elif verb.zero and verb.prec is None:
            zeros = pad
        else:
            left = pad
    return " " * left + sign + prefix + "0" * zeros + digits + " " * right


def _to_base(value: int, base: int) -> str:
    if base == 10:
        return str(value)
    return format(value, {2: "b", 8: "o", 16: "x"}[base])
