"""Set functions: setunion, setintersection, setsubtract, setproduct.

Arguments are converted to sets (duplicates removed, Terraform's order). An unknown set element may equal a known
one: it stands for zero or one element and is listed last (see :func:`.functions_values.set_elements`).
"""

from __future__ import annotations

import math
from typing import Any

from scanner.facts.values import Unknown, first_unknown

from .functions_base import Call, Param, Spec, known, too_large
from .functions_lists import spread_of, unknown_among
from .functions_types import DYNAMIC, Ty, list_of, set_of, type_of, unify
from .functions_values import convert, equal, identity, set_elements

__all__ = ["FUNCTIONS"]


def _common(call: Call, sets: tuple[list[Any], ...]) -> tuple[list[list[Any]], Ty]:
    """The sets converted to their common element type."""
    types = []
    for items in sets:
        present = [type_of(v) for v in items if first_unknown(v) is None]
        if present:
            types.append(unify(present) or DYNAMIC)
    common = unify(types) if types else DYNAMIC
    if common is None:
        raise call.error("given sets must all have compatible element types")
    converted = [convert(items, set_of(common), f"{call.name}: argument {pos}") for pos, items in enumerate(sets, 1)]
    return converted, common


class _Members:
    """A set's known elements by identity, and its partly unknown ones (which might equal anything)."""

    def __init__(self, items: list[Any]) -> None:
        self.known = {identity(v) for v in items if first_unknown(v) is None}
        self.unseen = [v for v in items if first_unknown(v) is not None]

    def has(self, value: Any) -> bool | None:
        """Whether the known ``value`` is a member: None when an unknown element might be it."""
        if identity(value) in self.known:
            return True
        return None if any(equal(value, v) is None for v in self.unseen) else False


def _setunion(call: Call, *sets: list[Any]) -> list[Any]:
    """``setunion(a, b, ...)``: every element of every set (unknown elements stay, as zero or one element)."""
    converted, common = _common(call, sets)
    return set_elements([item for items in converted for item in items], call.name, common)


def _verdict(item: Any, others: list[_Members], in_all: bool) -> bool | None:
    """Whether a known ``item`` is kept: in every other set (``in_all``) or in none; None when unknown."""
    if first_unknown(item) is not None:
        return None
    found = [other.has(item) for other in others]
    if (not in_all) in found:
        return False
    return None if None in found else True


def _filter(call: Call, first: list[Any], others: list[list[Any]], in_all: bool, what: str) -> list[Any]:
    """The elements of ``first`` in every other set (``in_all``) or in none; the elements an unknown element
    decides become one element standing for zero or more of them."""
    kept: list[Any] = []
    undecided: Unknown | None = None
    members = [_Members(other) for other in others]
    for item in first:
        verdict = _verdict(item, members, in_all)
        if verdict is None and undecided is None:
            undecided = unknown_among(item, *others)
        elif verdict:
            kept.append(item)
    if undecided is not None:
        kept.append(spread_of(undecided, f"{call.name}: {what}"))
    return kept


def _setintersection(call: Call, *sets: list[Any]) -> list[Any]:
    """``setintersection(a, b, ...)``: the elements in every set. A known element another set may hold only as an
    unknown element, or an unknown element, becomes part of one element standing for zero or more elements."""
    converted, common = _common(call, sets)
    kept = _filter(call, converted[0], converted[1:], True, "whether some elements are in every set is unknown")
    return set_elements(kept, call.name, common)


def _setsubtract(call: Call, a: list[Any], b: list[Any]) -> list[Any]:
    """``setsubtract(a, b)``: the elements of ``a`` not in ``b``; a known element ``b`` may hold as an unknown
    element, or an unknown element of ``a``, becomes part of one element standing for zero or more elements."""
    converted, common = _common(call, (a, b))
    kept = _filter(call, converted[0], converted[1:], False, "whether some elements are in the other set is unknown")
    return set_elements(kept, call.name, common)


def _setproduct(call: Call, *seqs: list[Any]) -> list[Any]:
    """``setproduct(a, b, ...)``: every combination of one element of each, in order. Values carry no set/list
    distinction, so arguments are taken as lists (for sets Terraform orders the combinations by hash instead; the
    combinations are the same). Empty when an argument is empty, else unknown when any part is unknown."""
    if len(seqs) < 2:
        raise call.error("at least two arguments are required")
    if any(not items for items in seqs):
        return []
    for pos, items in enumerate(seqs, 1):
        known(call, items, pos)
    too_large(call, math.prod(len(items) for items in seqs))
    product: list[list[Any]] = [[]]
    for items in seqs:
        product = [[*combo, item] for combo in product for item in items]
    return product


SET = Param(set_of(DYNAMIC))
FUNCTIONS: dict[str, Spec] = {
    "setunion": Spec(_setunion, (SET,), SET),
    "setintersection": Spec(_setintersection, (SET,), SET),
    "setsubtract": Spec(_setsubtract, (SET, SET)),
    "setproduct": Spec(_setproduct, var=Param(list_of(DYNAMIC))),
}
