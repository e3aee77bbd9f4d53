"""Functions that pick or combine elements: coalesce, coalescelist, one, sum, alltrue, anytrue, sort, range."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from scanner.facts.values import Unknown, first_unknown

from .functions_base import (
    Call,
    FunctionError,
    Param,
    Spec,
    UnknownResult,
    dec,
    exact,
    from_dec,
    give_up,
    is_number,
    unknown_from,
)
from .functions_lists import first_spread, require_list, spread_of
from .functions_types import BOOL, DYNAMIC, NUMBER, STRING, Ty, list_of, type_of, unify
from .functions_values import convert, equal, string_of, widen

__all__ = ["FUNCTIONS"]


def _coalesce(call: Call, *values: Any) -> Any:
    """``coalesce(a, b, ...)``: the first argument that is not null nor an empty string, all converted to their
    common type. Decided by a known argument when every argument before it is known (null or empty). An argument
    with unknown parts may still change the common type: to string (a number or bool result is then either itself
    or its string form) or, when a null is among the arguments and the unknown's type fits no other, to none at
    all (no conversion, and an empty string no longer skipped). A result those would change is an unknown whose
    ``candidates`` are the possible values, when they can be listed."""
    present = [v for v in values if first_unknown(v) is None]
    unseen = [u for u in map(first_unknown, values) if u is not None]
    common = unify([type_of(v) for v in present]) if present else DYNAMIC
    if common is None:
        if unseen:
            give_up(unseen[0], "coalesce: the arguments' common type depends on an unknown argument")
        raise call.error("all arguments must have the same type")
    _pos, decided = _first_coalesced(values, common)
    if not unseen:
        return decided
    if first_unknown(decided) is not None:
        return widen(decided, unseen[0], "coalesce")
    options = [decided]
    if isinstance(decided, bool) or is_number(decided):
        options.append(string_of(decided, "coalesce"))
    elif _has_scalars(decided):  # an unknown list(string) argument would turn ["x", 1] into ["x", "1"]
        options.append(_stringified(decided))
    if None in values:
        options.append(next(v for v in values if v is not None))
    unique = [o for i, o in enumerate(options) if not any(equal(o, p) for p in options[:i])]
    if len(unique) == 1:
        return decided
    raise UnknownResult(unknown_from(unseen[0], "coalesce: an unknown argument may change the result's type",
                                     candidates=tuple(unique)))


def _has_scalars(value: Any) -> bool:
    """A collection holding a number or a bool somewhere (which a string-typed unification would change)."""
    if isinstance(value, dict):
        return any(_has_scalars(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_scalars(v) for v in value)
    return isinstance(value, bool) or is_number(value)


def _stringified(value: Any) -> Any:
    """``value`` with every number and bool in it as its string form."""
    if isinstance(value, dict):
        return {k: _stringified(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringified(v) for v in value]
    if isinstance(value, bool) or is_number(value):
        return string_of(value, "coalesce")
    return value


def _first_coalesced(values: tuple[Any, ...], common: Ty) -> tuple[int, Any]:
    """The first argument (and its position) not null nor empty, converted to ``common``; an unknown argument
    reached first makes the result unknown."""
    for pos, value in enumerate(values, 1):
        if isinstance(value, Unknown):
            give_up(value, f"coalesce: argument {pos} is unknown")
        if first_unknown(value) is None:
            value = convert(value, common, f"coalesce: argument {pos}")
        if value is None or (common == STRING and isinstance(value, str) and value == ""):
            continue
        return pos, value
    raise FunctionError("coalesce: no non-null, non-empty-string arguments")


def _coalescelist(call: Call, *seqs: Any) -> Any:
    """``coalescelist(a, b, ...)``: the first non-empty list. Decided by a known non-empty list when every list
    before it is known (null or empty); a list whose only elements stand for unknown numbers of elements may be
    empty, so it makes the result unknown."""
    if not seqs:
        raise call.error("at least one argument is required")
    for seq in seqs:
        if isinstance(seq, Unknown):
            break
        if seq is not None:
            require_list(call, seq, "coalescelist arguments must be lists or tuples")
    for pos, seq in enumerate(seqs, 1):
        if isinstance(seq, Unknown):
            give_up(seq, f"coalescelist: argument {pos} is unknown")
        if seq is None or not seq:
            continue
        if all(isinstance(v, Unknown) and v.spread for v in seq):
            give_up(seq[0], f"coalescelist: argument {pos} may be empty")
        return seq
    raise call.error("no non-null arguments")


def _one(call: Call, seq: Any) -> Any:
    """``one(list)``: null for an empty list, the element of a one-element list, an error otherwise. Unknown when an
    element stands for an unknown number of elements."""
    items = require_list(call, seq, "must be a list, set, or tuple value with either zero or one elements")
    spread = first_spread(items)
    if spread is not None:
        give_up(items[spread], "one: the list has an unknown number of elements")
    if len(items) > 1:
        raise call.error("must be a list, set, or tuple value with either zero or one elements")
    return items[0] if items else None


def _sum(call: Call, seq: Any) -> int | float:
    """``sum(list)``: the sum of the numbers (strings are converted). Unknown when any element is unknown."""
    if isinstance(seq, dict) and not seq:
        raise call.error("cannot sum an empty list")
    items = require_list(call, seq, "argument must be list, set, or tuple" if isinstance(seq, dict)
                         else "cannot sum noniterable")
    if not items:
        raise call.error("cannot sum an empty list")
    total = Decimal(0)
    for item in items:
        if isinstance(item, Unknown):
            give_up(item, "sum: an element is unknown")
        if item is None or first_unknown(item) is not None or isinstance(item, list | dict | bool):
            raise call.error("argument must be list, set, or tuple of number values")
        with exact():
            total += dec(convert(item, NUMBER, "sum: an element"))
    return from_dec(total)


def _alltrue(call: Call, items: list[Any]) -> bool:
    """``alltrue(list)``: false when a known element is false (or null); else unknown when an element is unknown;
    else true."""
    if any(v is False or v is None for v in items):
        return False
    for item in items:
        if isinstance(item, Unknown):
            give_up(item, "alltrue: an element is unknown")
    return True


def _anytrue(call: Call, items: list[Any]) -> bool:
    """``anytrue(list)``: true when a known element is true; else unknown when an element is unknown; else false."""
    if any(v is True for v in items):
        return True
    for item in items:
        if isinstance(item, Unknown):
            give_up(item, "anytrue: an element is unknown")
    return False


def _sort(call: Call, items: list[Any]) -> list[Any]:
    """``sort(list)``: the strings in lexicographic order. Unknown elements may fall anywhere: the known elements
    are sorted, with an element standing for zero or more unknown elements in every gap."""
    for pos, item in enumerate(items):
        if item is None:
            raise call.error(f"given list element {pos} is null; a null string cannot be sorted")
    unseen = [v for v in items if isinstance(v, Unknown)]
    ordered = sorted(v for v in items if not isinstance(v, Unknown))
    if not unseen:
        return ordered
    gap = spread_of(unseen[0], "sort: where the unknown elements fall is unknown")
    out: list[Any] = [gap]
    for value in ordered:
        out += [value, gap]
    return out


def _range(call: Call, *args: int | float) -> list[int | float]:
    """``range(end)``, ``range(start, end)``, ``range(start, end, step)``: numbers from ``start`` towards ``end``
    (exclusive), at most 1024 of them."""
    bounds = [dec(a) for a in args]
    if len(bounds) == 1:
        start, end, step = Decimal(0), bounds[0], Decimal(-1 if bounds[0] < 0 else 1)
    elif len(bounds) == 2:
        start, end, step = bounds[0], bounds[1], Decimal(-1 if bounds[1] < bounds[0] else 1)
    elif len(bounds) == 3:
        start, end, step = bounds
    else:
        raise call.error("must have one, two, or three arguments")
    if step == 0:
        raise call.error("step must not be zero")
    if step < 0 and end > start:
        raise call.error("end must be less than start when step is negative")
    if step > 0 and end < start:
        raise call.error("end must be greater than start when step is positive")
    values: list[int | float] = []
    current = start
    while (current > end) if step < 0 else (current < end):
        if len(values) >= 1024:
            raise call.error("more than 1024 values were generated; either decrease the difference between start "
                             "and end or use a smaller step")
        values.append(from_dec(current))
        with exact():
            current += step
    return values


FUNCTIONS: dict[str, Spec] = {
    "coalesce": Spec(_coalesce, var=Param(null=True, unknown=True)),
    "coalescelist": Spec(_coalescelist, var=Param(null=True, unknown=True)),
    "one": Spec(_one, (Param(),)),
    "sum": Spec(_sum, (Param(),)),
    "alltrue": Spec(_alltrue, (Param(list_of(BOOL)),)),
    "anytrue": Spec(_anytrue, (Param(list_of(BOOL)),)),
    "sort": Spec(_sort, (Param(list_of(STRING)),)),
    "range": Spec(_range, var=Param(NUMBER)),
}
