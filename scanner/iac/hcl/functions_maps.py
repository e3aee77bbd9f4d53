"""Map functions: merge, lookup, keys, values, zipmap, transpose, matchkeys.

A :class:`PartialDict` is a mapping whose listed keys are known and which may hold more keys nobody could see.
"""

from __future__ import annotations

from typing import Any

from scanner.facts.values import PartialDict, Unknown

from .functions_base import Call, Param, Spec, give_up, known, unknown_from
from .functions_lists import first_spread, spread_of
from .functions_types import DYNAMIC, STRING, Ty, list_of, map_of, type_of, unify
from .functions_values import convert, equal

__all__ = ["FUNCTIONS"]


def _require_map(call: Call, value: Any, message: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise call.error(message)
    return value


def _merge(call: Call, *maps: Any) -> dict[str, Any]:
    """``merge(a, b, ...)``: the keys of every map, later ones winning; null arguments are skipped. An unknown map
    (or the unseen keys of a partly known one) may set any key: keys set before it become unknown values, the result
    a :class:`PartialDict` with unseen keys; keys set by later known maps are known."""
    out: dict[str, Any] = {}
    rest: Unknown | None = None
    for pos, value in enumerate(maps, 1):
        if value is None:
            continue
        unseen = value if isinstance(value, Unknown) else getattr(value, "rest", None)
        if not isinstance(value, Unknown):
            _require_map(call, value, f"arguments must be maps or objects; argument {pos} is not")
        if unseen is not None:
            text = f"merge: argument {pos} is unknown" if value is unseen else f"merge: argument {pos} has unseen keys"
            rest = unknown_from(unseen, text)
            out = {k: unknown_from(unseen, f"{text} and may set {k!r}") for k in out}
        if isinstance(value, dict):
            out.update(value)
    return out if rest is None else PartialDict(out, rest)


def _lookup(call: Call, mapping: Any, key: Any, *default: Any) -> Any:
    """``lookup(map, key[, default])``: the value at ``key``, else ``default``. A key a partly known map does not
    list may be among its unseen keys: unknown. An unknown default matters only when the key is missing."""
    if len(default) > 1:
        raise call.error(f"lookup() takes two or three arguments, got {2 + len(default)}")
    if isinstance(mapping, Unknown):
        give_up(mapping, "lookup: argument 1 is unknown")
    found = _require_map(call, mapping, "lookup() requires a map as the first argument")
    if isinstance(key, Unknown):
        give_up(key, "lookup: argument 2 is unknown")
    if key in found:
        return found[key]
    if isinstance(found, PartialDict):
        give_up(found.rest, f"lookup: key {key!r} may be among the map's unseen keys")
    if not default:
        raise call.error(f"lookup failed to find key {key!r}")
    return default[0]


def _interleave(known_items: list[Any], gap: Unknown) -> list[Any]:
    out: list[Any] = [gap]
    for item in known_items:
        out += [item, gap]
    return out


def _keys(call: Call, mapping: Any) -> list[Any]:
    """``keys(map)``: the keys in lexicographic order. A partly known map's unseen keys may sort anywhere: its
    known keys are listed in order with an element standing for zero or more unseen keys in every gap."""
    found = _require_map(call, mapping, "must have map or object type")
    ordered: list[Any] = sorted(found)
    if isinstance(found, PartialDict):
        return _interleave(ordered, spread_of(found.rest, "keys: the map has unseen keys"))
    return ordered


def _values(call: Call, mapping: Any) -> list[Any]:
    """``values(map)``: the values in the lexicographic order of their keys; a partly known map's unseen values
    are elements standing for zero or more values, in every gap (as for ``keys``)."""
    found = _require_map(call, mapping, "values() requires a map as the first argument")
    ordered = [found[k] for k in sorted(found)]
    if isinstance(found, PartialDict):
        return _interleave(ordered, spread_of(found.rest, "values: the map has unseen keys"))
    return ordered


def _zipmap(call: Call, keys: list[Any], values: Any) -> dict[str, Any]:
    """``zipmap(keys, values)``: a map from corresponding keys and values. Unknown when a key is unknown or the
    number of values is; unknown values are kept as values."""
    if not isinstance(values, list):
        raise call.error("values argument must be a list or tuple value")
    known(call, keys, 1)
    spread = first_spread(values)
    if spread is not None:
        give_up(values[spread], "zipmap: the values list has an unknown number of elements")
    if len(keys) != len(values):
        raise call.error(f"number of keys ({len(keys)}) does not match number of values ({len(values)})")
    for at, key in enumerate(keys):
        if key is None:
            raise call.error(f"keys list has null value at index {at}")
    return dict(zip(keys, values, strict=True))


def _transpose(call: Call, mapping: dict[str, Any]) -> dict[str, Any]:
    """``transpose(map of lists)``: each string in the lists becomes a key listing (sorted) the keys it was found
    under. Unknown when any part is unknown."""
    known(call, mapping, 1)
    out: dict[str, list[str]] = {}
    for key, items in mapping.items():
        if items is None:
            raise call.error("input must not contain null list")
        for item in items:
            if item is None:
                raise call.error("input list must not contain null string")
            out.setdefault(item, []).append(key)
    return {k: sorted(v) for k, v in out.items()}


def _element_type(items: list[Any]) -> Ty:
    types = [type_of(v) for v in items if not isinstance(v, Unknown)]
    found = unify(types) if types else DYNAMIC
    return DYNAMIC if found is None else found


def _matchkeys(call: Call, values: list[Any], keys: list[Any], searchset: list[Any]) -> list[Any]:
    """``matchkeys(values, keys, searchset)``: the values whose corresponding key is in ``searchset`` (keys and
    searchset converted to their common type). Unknown when any part is unknown (Terraform's plan shows an empty
    list then, which is not the final value)."""
    common = unify([_element_type(keys), _element_type(searchset)])
    if common is None:
        raise call.error("keys and searchset must be of the same type")
    keys = convert(keys, list_of(common), "matchkeys: argument 2")
    searchset = convert(searchset, list_of(common), "matchkeys: argument 3")
    for pos, value in enumerate((values, keys, searchset), 1):
        known(call, value, pos)
    if len(values) != len(keys):
        raise call.error("length of keys and values should be equal")
    return [value for value, key in zip(values, keys, strict=True) if any(equal(key, s) for s in searchset)]


ANY = Param()
FUNCTIONS: dict[str, Spec] = {
    "merge": Spec(_merge, var=Param(null=True, unknown=True)),
    "lookup": Spec(_lookup, (Param(unknown=True), Param(STRING, unknown=True)), Param(null=True, unknown=True)),
    "keys": Spec(_keys, (ANY,)),
    "values": Spec(_values, (ANY,)),
    "zipmap": Spec(_zipmap, (Param(list_of(STRING)), ANY)),
    "transpose": Spec(_transpose, (Param(map_of(list_of(STRING))),)),
    "matchkeys": Spec(_matchkeys, (Param(list_of(DYNAMIC)),) * 3),
}
