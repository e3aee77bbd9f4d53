"""List functions: concat, flatten, compact, distinct, length, contains, element, index, reverse, slice, chunklist.

A list element that is an :class:`Unknown` stands for exactly one unseen element, or, with ``spread=True``, for
zero or more. Known elements keep their places wherever Terraform's result would keep them.
"""

from __future__ import annotations

from typing import Any

from scanner.facts.values import PartialDict, Unknown, first_unknown

from .functions_base import Call, Param, Spec, give_up, unknown_from, whole
from .functions_text import graphemes
from .functions_types import DYNAMIC, NUMBER, STRING, list_of
from .functions_values import equal, identity

__all__ = ["FUNCTIONS", "first_spread", "require_list", "spread_of", "unknown_among"]


def require_list(call: Call, value: Any, what: str = "argument must be a list, set or tuple") -> list[Any]:
    if not isinstance(value, list):
        raise call.error(what)
    return value


def first_spread(items: list[Any]) -> int | None:
    """The index of the first element that stands for zero or more elements, if any."""
    return next((i for i, v in enumerate(items) if isinstance(v, Unknown) and v.spread), None)


def unknown_among(*values: Any) -> Unknown:
    """The first unknown in ``values`` (one of them is known to hold one)."""
    found = next((u for u in map(first_unknown, values) if u is not None), None)
    assert found is not None
    return found


def spread_of(source: Unknown, text: str) -> Unknown:
    return unknown_from(source, text, spread=True)


def _concat(call: Call, *seqs: Any) -> list[Any]:
    """``concat(a, b, ...)``: the elements of every list in order. An unknown list argument becomes one element
    standing for its unseen elements (``Unknown(spread=True)``) at its position; unknown elements stay as they are.
    """
    if not seqs:
        raise call.error("at least one argument is required")
    out: list[Any] = []
    for pos, seq in enumerate(seqs, 1):
        if isinstance(seq, Unknown):
            out.append(spread_of(seq, f"concat: argument {pos} is unknown"))
        else:
            out.extend(require_list(call, seq, f"all arguments must be lists or tuples; argument {pos} is not"))
    return out


def _flatten(call: Call, seq: Any) -> list[Any]:
    """``flatten(list)``: nested lists replaced by their elements, recursively. An unknown element may itself be a
    list, so it becomes an element standing for zero or more elements; the known structure is kept."""
    out: list[Any] = []
    for item in require_list(call, seq, "can only flatten lists, sets and tuples"):
        if isinstance(item, list):
            out.extend(_flatten(call, item))
        elif isinstance(item, Unknown) and not item.spread:
            out.append(spread_of(item, "flatten: an element is unknown (it may be a list)"))
        else:
            out.append(item)
    return out


def _compact(call: Call, items: list[Any]) -> list[Any]:
    """``compact(list)``: the list of strings without null and empty elements. An unknown element may be empty,
    so it stands for zero or one element; known elements are kept in order."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, Unknown):
            out.append(item if item.spread else spread_of(item, "compact: an element is unknown (it may be empty)"))
        elif item not in (None, ""):
            out.append(item)
    return out


def _distinct(call: Call, items: list[Any]) -> list[Any]:
    """``distinct(list)``: the first occurrence of each value. Known duplicates of earlier known elements are
    dropped; an unknown element may duplicate another, so it stands for zero or one element. When an unknown
    element turns out to equal a later known one, Terraform lists that value at the unknown's place: membership
    is exact, the order of the elements after the first unknown one is not."""
    out: list[Any] = []
    seen: set[Any] = set()
    for item in items:
        source = first_unknown(item)
        if source is not None:
            out.append(item if isinstance(item, Unknown) and item.spread
                       else spread_of(source, "distinct: an element is unknown (it may be a duplicate)"))
        elif identity(item) not in seen:
            seen.add(identity(item))
            out.append(item)
    return out


def _length(call: Call, value: Any) -> int:
    """``length(x)``: the number of elements, attributes, or characters (grapheme clusters) of a string. Known
    unless an element stands for an unknown number of elements or a mapping has unseen keys; an unknown element
    counts as one."""
    if isinstance(value, str):
        return len(graphemes(value))
    if isinstance(value, PartialDict):
        give_up(value.rest, "length: argument 1 may have more keys")
    if isinstance(value, dict):
        return len(value)
    index = first_spread(require_list(call, value, "argument must be a string, a collection type, or a structural "
                                                   "type"))
    if index is not None:
        give_up(value[index], "length: argument 1 has an unknown number of elements")
    return len(value)


def _contains(call: Call, seq: Any, value: Any) -> bool:
    """``contains(list, value)``: true when a known element equals ``value``; otherwise unknown when an element is
    unknown, else false."""
    undecided = None
    for item in require_list(call, seq, "argument must be list, tuple, or set"):
        same = equal(item, value)
        if same:
            return True
        if same is None and undecided is None:
            undecided = unknown_among(item, value)
    if undecided is not None:
        give_up(undecided, "contains: an element is unknown")
    return False


def _element(call: Call, seq: Any, index: int | float) -> Any:
    """``element(list, index)``: the element at ``index`` modulo the length (negative indexes count from the end).
    Known when the list's length is known, or when ``index`` falls within the known elements before the first
    element standing for an unknown number of elements."""
    items = require_list(call, seq, "cannot read elements from a value that is not a list or tuple")
    at = whole(call, index, "invalid index")
    if not items:
        raise call.error("cannot use element function with an empty list")
    spread = first_spread(items)
    if spread is None:
        return items[at % len(items)]
    minimum = sum(1 for v in items if not (isinstance(v, Unknown) and v.spread))
    if 0 <= at < min(spread, minimum):
        return items[at]
    give_up(items[spread], "element: the list has an unknown number of elements")


def _index(call: Call, seq: Any, value: Any) -> int:
    """``index(list, value)``: the index of the first element equal to ``value``. Unknown once an unknown element
    (or one standing for an unknown number of elements) comes before the match."""
    items = require_list(call, seq, "argument must be a list or tuple")
    if not items:
        raise call.error("cannot search an empty list")
    for at, item in enumerate(items):
        same = equal(item, value)
        if same is None:
            give_up(unknown_among(item, value), "index: an element is unknown")
        if same:
            return at
    raise call.error("item not found")


def _reverse(call: Call, seq: Any) -> list[Any]:
    """``reverse(list)``: the elements in reverse order (unknown elements move with their places)."""
    return list(reversed(require_list(call, seq, "can only reverse list or tuple values")))


def _slice(call: Call, seq: Any, start: int | float, end: int | float) -> list[Any]:
    """``slice(list, start, end)``: elements ``start`` to ``end`` (exclusive). Known when ``end`` falls within the
    known elements before the first element standing for an unknown number of elements."""
    items = require_list(call, seq, "must be a list or tuple value")
    first, last = whole(call, start, "invalid start index"), whole(call, end, "invalid end index")
    spread = first_spread(items)
    limit = len(items) if spread is None else None
    if first < 0:
        raise call.error("start index must not be less than zero")
    if last < 0:
        raise call.error("end index must not be less than zero")
    if limit is not None and first > limit:
        raise call.error("start index must not be greater than the length of the list")
    if limit is not None and last > limit:
        raise call.error("end index must not be greater than the length of the list")
    if first > last:
        raise call.error("start index must not be greater than end index")
    if spread is not None and last > spread:
        give_up(items[spread], "slice: the list has an unknown number of elements")
    return items[first:last]


def _chunklist(call: Call, items: list[Any], size: int | float) -> list[Any]:
    """``chunklist(list, size)``: consecutive chunks of ``size`` elements. Chunks before the first element standing
    for an unknown number of elements are known; the rest is one element standing for the remaining chunks."""
    count = whole(call, size, "invalid size")
    if count < 0:
        raise call.error("the size argument must be positive")
    if not items:
        return []
    spread = first_spread(items)
    if count == 0:
        if spread is not None and all(isinstance(v, Unknown) and v.spread for v in items):
            give_up(items[spread], "chunklist: the list may be empty")
        return [items]
    known_part = items if spread is None else items[: spread - spread % count]
    chunks: list[Any] = [known_part[i:i + count] for i in range(0, len(known_part), count)]
    if spread is not None:
        chunks.append(spread_of(items[spread], "chunklist: the list has an unknown number of elements"))
    return chunks


ANY = Param()
FUNCTIONS: dict[str, Spec] = {
    "concat": Spec(_concat, var=Param(unknown=True)),
    "flatten": Spec(_flatten, (ANY,)),
    "compact": Spec(_compact, (Param(list_of(STRING)),)),
    "distinct": Spec(_distinct, (Param(list_of(DYNAMIC)),)),
    "length": Spec(_length, (ANY,)),
    "contains": Spec(_contains, (ANY, Param(null=True))),
    "element": Spec(_element, (ANY, Param(NUMBER))),
    "index": Spec(_index, (ANY, ANY)),
    "reverse": Spec(_reverse, (ANY,)),
    "slice": Spec(_slice, (ANY, Param(NUMBER), Param(NUMBER))),
    "chunklist": Spec(_chunklist, (Param(list_of(DYNAMIC)), Param(NUMBER))),
}
