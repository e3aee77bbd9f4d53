"""Terraform's operators on three-valued values, and lifting over unknown candidates.

Semantics (cty, as Terraform evaluates them):

* arithmetic converts both operands to numbers (``"1" + 1`` is 2); integers stay integers and
  a division with an integral result is an integer (``10 / 2`` is 5); ``%`` keeps the sign of
  the dividend (``-7 % 3`` is -1); a non-integral result is kept only when it is a short exact
  decimal (Terraform computes with 512-bit floats: ``1 / 3`` has no float64 twin, so it is
  unknown rather than subtly wrong);
* comparisons ``< <= > >=`` convert to numbers; ``==``/``!=`` never convert (``"1" == 1`` is
  false) and compare types too, so two equal collections are unknown here (a typed list is not
  equal to the same tuple in Terraform), while different ones are certainly not equal;
* ``&&``/``||`` convert to bool and short-circuit over unknowns: ``false && x`` is false and
  ``true || x`` true whatever ``x`` is;
* any other operation with an unknown operand is unknown; when the unknowns carry
  ``candidates`` the operation is applied to every combination (at most :data:`CANDIDATE_CAP`)
  and the results become the candidates (or the value, when they all agree).
"""

from __future__ import annotations

import itertools
import logging
import math
import os
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from scanner.facts.values import PartialDict, Unknown, first_unknown

CANDIDATE_CAP = 8
_MAX_DIGITS = 15


class EvalError(Exception):
    """An error Terraform itself would raise while evaluating (becomes an unknown, or makes
    ``try`` move on)."""


_log = logging.getLogger("scanner.iac.hcl")


def internal_error(what: str, err: Exception, origin: str | None) -> Unknown:
    """A failure of pacscan itself while evaluating ``what``: the value is unknown and the rest of
    the configuration is still evaluated (``PACSCAN_HCL_STRICT=1`` raises instead, for tests)."""
    if os.environ.get("PACSCAN_HCL_STRICT") == "1":
        raise err
    _log.warning("could not evaluate %s at %s", what, origin, exc_info=err)
    return Unknown(f"{what}: pacscan could not evaluate this ({type(err).__name__}: {err})", origin)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def derived(unknown: Unknown, reason: str | None = None) -> Unknown:
    """An unknown computed from ``unknown``: same cause, without its candidates, spread, partial
    value or symbol (those described the original value, not this one)."""
    return Unknown(reason or unknown.reason, unknown.origin, unknown.error)


# ---------------------------------------------------------------- numbers and strings


def normal_number(value: Fraction | int | float) -> int | float:
    """A number as Terraform holds it: integral values as ints; others only as short exact
    decimals (else :class:`EvalError`-free unknown is the caller's choice: see ``exact``)."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return int(value)
        return float(value)
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return int(value)
    return value


def exact(value: Fraction) -> bool:
    """True when ``value`` is a decimal of at most 15 significant digits (so a float64 holds it
    and prints it exactly as Terraform's 512-bit arithmetic would)."""
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        return False
    digits = Decimal(value.numerator) / Decimal(value.denominator)
    return len(digits.normalize().as_tuple().digits) <= _MAX_DIGITS


def fmt_number(value: int | float) -> str:
    """A number as Terraform writes it in a string: no exponent, no trailing zeros."""
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def parse_number(text: str) -> int | float:
    """A string converted to a number (cty accepts decimal and exponent forms only)."""
    if not text or text.strip() != text or text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise EvalError(f"cannot convert {text!r} to number: a number is required")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise EvalError(f"cannot convert {text!r} to number: a number is required") from None
    return normal_number(Fraction(number))


def to_number(value: Any) -> int | float:
    if is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        return parse_number(value)
    raise EvalError(f"a number is required, not {type_name(value)}")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise EvalError(f"a bool is required, not {type_name(value)}")


def to_str(value: Any) -> str:
    """A primitive value as a string (template interpolation, string conversion)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return fmt_number(value)
    if value is None:
        raise EvalError("the value is null: cannot include a null value in a string")
    raise EvalError(f"cannot include a {type_name(value)} value in a string: a string is required")


# ---------------------------------------------------------------- operators (known operands)


def arith(op: str, a: Any, b: Any) -> Any:
    x, y = to_number(a), to_number(b)
    if isinstance(x, int) and isinstance(y, int) and op in "+-*":
        return x + y if op == "+" else x - y if op == "-" else x * y
    fx, fy = _fraction(x), _fraction(y)
    if op in "/%" and fy == 0:
        raise EvalError("division by zero")
    if op == "+":
        result = fx + fy
    elif op == "-":
        result = fx - fy
    elif op == "*":
        result = fx * fy
    elif op == "/":
        result = fx / fy
    else:
        quotient = fx / fy
        result = fx - fy * (math.floor(quotient) if quotient >= 0 else math.ceil(quotient))
    if not exact(result):
        return Unknown(f"{fmt_number(x)} {op} {fmt_number(y)} has no exact short decimal form "
                       "(Terraform computes it with 512-bit floats)")
    return normal_number(result)


def _fraction(x: int | float) -> Fraction:
    return Fraction(x) if isinstance(x, int) else Fraction(Decimal(repr(x)))


def compare(op: str, a: Any, b: Any) -> bool:
    x, y = _fraction(to_number(a)), _fraction(to_number(b))
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def equal(a: Any, b: Any) -> bool | Unknown:
    """Terraform's ``==`` (no conversion; type and value). Two equal collections are unknown:
    Terraform also compares their types (a ``list(string)`` variable never equals ``[]``)."""
    for side in (a, b):
        if isinstance(side, Unknown):
            return derived(side)
    if a is None or b is None:
        return a is None and b is None
    if type_name(a) != type_name(b):
        return False
    if is_number(a):
        return bool(_fraction(a) == _fraction(b))
    if not isinstance(a, list | tuple | dict):
        return bool(a == b)
    if not same_shape(a, b):
        return False
    unknown = first_unknown(a) or first_unknown(b)
    if unknown is not None:
        return derived(unknown)
    return Unknown("comparing two equal collections: Terraform compares their types too (a typed list is not "
                   "equal to the same tuple), which are not tracked")


def same_shape(a: Any, b: Any) -> bool:
    """False when two known-or-partly-known values certainly differ."""
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return True
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if any(isinstance(x, Unknown) and x.spread for x in (*a, *b)):
            return True
        return len(a) == len(b) and all(same_shape(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        if isinstance(a, PartialDict) or isinstance(b, PartialDict):
            return all(same_shape(a[k], b[k]) for k in a.keys() & b.keys())
        return a.keys() == b.keys() and all(same_shape(a[k], b[k]) for k in a)
    if type_name(a) != type_name(b):
        return False
    if is_number(a):
        return _fraction(a) == _fraction(b)
    return bool(a == b)


# ---------------------------------------------------------------- lifting over candidates


def value_key(value: Any) -> Any:
    """A hashable stand-in for a value, to tell candidates apart."""
    if isinstance(value, Unknown):
        return ("?", value.reason, value.spread)
    if isinstance(value, dict):
        rest = value_key(value.rest) if isinstance(value, PartialDict) else None
        return ("{", tuple(sorted((k, value_key(v)) for k, v in value.items())), rest)
    if isinstance(value, list | tuple):
        return ("[", tuple(value_key(v) for v in value))
    if is_number(value):
        return ("n", _fraction(value))
    return (type_name(value), value)


def collapse(results: Sequence[Any], fallback: Unknown) -> Any:
    """Candidate results as one value: the value when all agree, else an unknown listing them;
    a result that is itself wholly unknown (without candidates) makes the whole plain unknown."""
    flat: list[Any] = []
    for result in results:
        if isinstance(result, Unknown):
            if not result.candidates:
                return derived(result) if result.reason else fallback
            flat += result.candidates
        else:
            flat.append(result)
    unique: dict[Any, Any] = {}
    for value in flat:
        unique.setdefault(value_key(value), value)
    if len(unique) == 1:
        return next(iter(unique.values()))
    if len(unique) > CANDIDATE_CAP:
        return derived(fallback)
    return Unknown(fallback.reason, fallback.origin, fallback.error, candidates=tuple(unique.values()))


def lift(fn: Callable[..., Any], args: Sequence[Any]) -> Any:
    """``fn(*args)`` where some arguments may be wholly unknown: per candidate combination, or
    unknown. ``fn`` sees only non-``Unknown`` top-level arguments."""
    unknown_args = [a for a in args if isinstance(a, Unknown)]
    if not unknown_args:
        return fn(*args)
    first = unknown_args[0]
    if not all(u.candidates for u in unknown_args):
        return derived(next(u for u in unknown_args if not u.candidates))
    options = [a.candidates if isinstance(a, Unknown) else (a,) for a in args]
    if math.prod(len(o) for o in options) > CANDIDATE_CAP:
        return derived(first)
    results = []
    for combo in itertools.product(*options):
        try:
            results.append(lift(fn, combo))
        except EvalError:
            return derived(first)
    return collapse(results, first)
