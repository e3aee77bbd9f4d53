"""Number functions: min, max, abs, ceil, floor, pow, log, signum, parseint. Arguments are converted to numbers
(``max("5", 3)`` is 5); an unknown argument makes the result unknown."""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR
from typing import Any

from scanner.facts.values import Unknown

from .functions_base import Call, Param, Spec, UnknownResult, dec, from_dec, whole
from .functions_types import NUMBER, friendly, type_of

__all__ = ["FUNCTIONS"]

Number = int | float
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _min(call: Call, *numbers: Number) -> Number:
    """``min(n...)``: the smallest number."""
    if not numbers:
        raise call.error("must pass at least one number")
    return min(numbers, key=dec)


def _max(call: Call, *numbers: Number) -> Number:
    """``max(n...)``: the largest number."""
    if not numbers:
        raise call.error("must pass at least one number")
    return max(numbers, key=dec)


def _round(value: Number, rounding: str) -> Number:
    if isinstance(value, float) and math.isinf(value):
        return value
    return from_dec(dec(value).to_integral_value(rounding=rounding))


def _ceil(call: Call, value: Number) -> Number:
    """``ceil(n)``: the smallest whole number not less than ``n``."""
    return _round(value, ROUND_CEILING)


def _floor(call: Call, value: Number) -> Number:
    """``floor(n)``: the largest whole number not greater than ``n``."""
    return _round(value, ROUND_FLOOR)


def _abs(call: Call, value: Number) -> Number:
    """``abs(n)``: ``n`` without its sign."""
    return abs(value)


def _float(call: Call, value: Number, what: str) -> float:
    try:
        return float(value)
    except OverflowError:
        raise call.error(f"{what}: value is too large for a 64-bit float") from None


def _pow(call: Call, base: Number, power: Number) -> Number:
    """``pow(n, p)``: ``n`` to the power ``p``, in 64-bit floating point as Terraform computes it."""
    x, y = _float(call, base, "num"), _float(call, power, "power")
    try:
        result = math.pow(x, y)
    except OverflowError:
        result = math.inf
    except ValueError:
        result = math.nan if not (x == 0 and y < 0) else math.inf
    if math.isnan(result):
        raise call.error("result is not a number")
    return result


def _log(call: Call, value: Number, base: Number) -> Number:
    """``log(n, base)``: the logarithm of ``n`` in ``base``, in 64-bit floating point as Terraform computes it."""
    x, b = _float(call, value, "num"), _float(call, base, "base")
    result = _ln(x) / _ln(b) if _ln(b) not in (0.0,) else _divide(_ln(x), _ln(b))
    if math.isnan(result):
        raise call.error("result is not a number")
    return result


def _ln(x: float) -> float:
    if x == 0:
        return -math.inf
    if x < 0 or math.isnan(x):
        return math.nan
    return math.log(x)


def _divide(a: float, b: float) -> float:
    if math.isnan(a) or a == 0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _signum(call: Call, value: Number) -> int:
    """``signum(n)``: -1, 0 or 1 (``n`` must be a whole number, as Terraform requires)."""
    number = whole(call, value, "num")
    return (number > 0) - (number < 0)


def _parseint(call: Call, text: Any, base: Number) -> int:
    """``parseint(str, base)``: ``str`` read as an integer in ``base`` (2 to 62; above 36, lowercase letters are
    10 to 35 and uppercase 36 to 61; an optional sign; no prefixes or underscores). ``str`` must be a string."""
    if not isinstance(text, str):
        raise call.error(f"first argument must be a string, not {friendly(type_of(text))}")
    radix = whole(call, base, "base")
    if not 2 <= radix <= 62:
        raise call.error("base must be a whole number between 2 and 62 inclusive")
    digits = text[1:] if text[:1] in "+-" else text
    if len(digits) > 4096:
        raise UnknownResult(Unknown(f"parseint: a number of {len(digits)} digits is not evaluated"))
    alphabet = _DIGITS[:radix] if radix > 36 else _DIGITS[:radix] + _DIGITS[36:36 + max(radix - 10, 0)]
    if not digits or any(ch not in alphabet for ch in digits):
        raise call.error(f"cannot parse {text!r} as a base {radix} integer")
    value = 0
    for ch in digits:
        value = value * radix + (_DIGITS.index(ch) if radix > 36 else int(ch, 36))
    return -value if text.startswith("-") else value


N = Param(NUMBER)
FUNCTIONS: dict[str, Spec] = {
    "min": Spec(_min, var=N),
    "max": Spec(_max, var=N),
    "abs": Spec(_abs, (N,)),
    "ceil": Spec(_ceil, (N,)),
    "floor": Spec(_floor, (N,)),
    "pow": Spec(_pow, (N, N)),
    "log": Spec(_log, (N, N)),
    "signum": Spec(_signum, (N,)),
    "parseint": Spec(_parseint, (Param(), N)),
}
