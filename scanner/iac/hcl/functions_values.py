"""Value conversion, equality and set order with Terraform's semantics, over values that may be partly unknown.

Conversion to a collection of "any" element type unifies the element types (``tolist([1, "a"])`` is
``["1", "a"]``). An unknown element's type is not known, and if it turned out to be a string a number or bool next
to it would become a string too: such a known leaf becomes an unknown whose ``candidates`` are the value and its
string form (``tolist([80, var.port])`` is ``[Unknown(candidates=(80, "80")), var.port]``).
"""

from __future__ import annotations

import json
from typing import Any

from scanner.facts.values import PartialDict, Unknown, first_unknown, unknowns

from .functions_base import FunctionError, UnknownResult, dec, is_number, num_text, parse_decimal, unknown_from
from .functions_types import DYNAMIC, STRING, Ty, friendly, type_of, unify

__all__ = ["convert", "equal", "identity", "set_elements", "string_of", "widen"]


def string_of(value: Any, who: str) -> str:
    """A primitive as a string (Terraform's number and bool to string conversions)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return num_text(value)
    raise FunctionError(f"{who}: string required, got {friendly(type_of(value))}")


def _number_of(value: Any, who: str) -> int | float:
    if is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        parsed = parse_decimal(value)
        if parsed is not None:
            return parsed
        raise FunctionError(f"{who}: cannot convert {value!r} to number; given string must be a decimal number")
    raise FunctionError(f"{who}: number required, got {friendly(type_of(value))}")


def _bool_of(value: Any, who: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "1", "false", "0"):
        return value in ("true", "1")
    if isinstance(value, str):
        raise FunctionError(f'{who}: cannot convert {value!r} to bool; only the strings "true" or "false" are allowed')
    raise FunctionError(f"{who}: bool required, got {friendly(type_of(value))}")


def convert(value: Any, ty: Ty, who: str) -> Any:
    """``value`` converted to ``ty``; unknowns stay where they are. ``who`` names the argument in messages."""
    if ty == DYNAMIC or value is None or isinstance(value, Unknown):
        return value
    if ty.kind == "string":
        return string_of(value, who)
    if ty.kind == "number":
        return _number_of(value, who)
    if ty.kind == "bool":
        return _bool_of(value, who)
    if ty.kind == "tuple" and isinstance(value, list) and len(value) == len(ty.elems):
        return [convert(v, t, who) for v, t in zip(value, ty.elems, strict=True)]
    if ty.kind == "object" and isinstance(value, dict) and all(name in value for name, _ in ty.attrs):
        return {name: convert(value[name], t, who) for name, t in ty.attrs}
    if ty.kind in ("list", "set") and isinstance(value, list):
        assert ty.elem is not None
        items, elem = _convert_elements(value, ty.elem, who)
        return set_elements(items, who, elem) if ty.kind == "set" else items
    if ty.kind == "map" and isinstance(value, dict):
        assert ty.elem is not None
        keys = list(value)
        items, _ = _convert_elements([value[k] for k in keys], ty.elem, who, rest=_rest(value))
        converted = dict(zip(keys, items, strict=True))
        return PartialDict(converted, value.rest) if isinstance(value, PartialDict) else converted
    raise FunctionError(f"{who}: {friendly(ty)} required, got {friendly(type_of(value))}")


def _rest(value: dict[str, Any]) -> list[Any]:
    return [value.rest] if isinstance(value, PartialDict) else []


def _convert_elements(items: list[Any], elem: Ty, who: str, rest: list[Any] | None = None) -> tuple[list[Any], Ty]:
    """Elements converted to ``elem`` (to "any" type: to the type they unify to), and that type."""
    if elem != DYNAMIC:
        return [convert(item, elem, who) for item in items], elem
    if not items:
        return [], DYNAMIC
    types = [type_of(item) for item in items if not isinstance(item, Unknown)]
    unseen = list(unknowns(items + (rest or [])))
    unified = unify(types) if types else DYNAMIC
    if unified is None or (unified == DYNAMIC and any(t != DYNAMIC for t in types)):
        if unseen:
            raise UnknownResult(unknown_from(unseen[0], f"{who}: the element types depend on an unknown value"))
        raise FunctionError(f"{who}: all elements must have the same type (there is no common type for them)")
    converted = [convert(item, unified, who) for item in items]
    if unseen:
        converted = [widen(item, unseen[0], who) for item in converted]
    return converted, unified


def widen(value: Any, source: Unknown, who: str) -> Any:
    """Numbers and bools in ``value`` as unknowns that are either themselves or their string form."""
    if isinstance(value, bool) or is_number(value):
        text = f"{who}: a number or bool becomes a string when an unknown element is a string"
        return unknown_from(source, text, candidates=(value, string_of(value, who)))
    if isinstance(value, list):
        return [widen(v, source, who) for v in value]
    if isinstance(value, PartialDict):
        return PartialDict({k: widen(v, source, who) for k, v in value.items()}, value.rest)
    if isinstance(value, dict):
        return {k: widen(v, source, who) for k, v in value.items()}
    return value


def equal(a: Any, b: Any) -> bool | None:
    """Terraform's ``==``: None when unknown values decide it. Values of different types are not equal."""
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return None
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) or is_number(b):
        return is_number(a) and is_number(b) and dec(a) == dec(b)
    if isinstance(a, str) or isinstance(b, str):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return _equal_lists(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return _equal_dicts(a, b)
    return False


def _all_equal(pairs: list[tuple[Any, Any]]) -> bool | None:
    results = [equal(x, y) for x, y in pairs]
    if False in results:
        return False
    return None if None in results else True


def _equal_lists(a: list[Any], b: list[Any]) -> bool | None:
    spread = any(isinstance(v, Unknown) and v.spread for v in a + b)
    if not spread and len(a) != len(b):
        return False
    result = _all_equal(list(zip(a, b, strict=False)))
    return None if spread and result is not False else result


def _equal_dicts(a: dict[str, Any], b: dict[str, Any]) -> bool | None:
    partial = isinstance(a, PartialDict) or isinstance(b, PartialDict)
    if not partial and set(a) != set(b):
        return False
    result = _all_equal([(a[k], b[k]) for k in a if k in b])
    if result is False:
        return False
    return None if partial or result is None else True


def identity(value: Any) -> Any:
    """A hashable key for a wholly known value: equal keys exactly for values Terraform's ``==`` finds equal."""
    if value is None or isinstance(value, bool | str):
        return (type(value).__name__, value)
    if is_number(value):
        return ("number", dec(value).normalize() if dec(value) else 0)
    if isinstance(value, list):
        return ("list", tuple(identity(v) for v in value))
    return ("map", tuple(sorted((k, identity(v)) for k, v in value.items())))


def set_elements(items: list[Any], who: str, elem: Ty = DYNAMIC) -> list[Any]:
    """A set's elements (of type ``elem``) in Terraform's order (strings lexicographically, numbers numerically,
    false before true, other values by go-cty's hash representation; nulls last), duplicates removed. An unknown
    element may equal a known one, so it stands for zero or one element (``spread``) and is listed last: a set's
    order is only meaningful for its known elements."""
    known: dict[Any, Any] = {}
    unseen: list[Unknown] = []
    for item in items:
        if first_unknown(item) is not None:
            unseen.append(_as_spread(item, who))
        else:
            known.setdefault(identity(item), item)
    present = [k for k in known.values() if k is not None]
    present.sort(key=_order_key(present, elem))
    return present + [None] * (len(known) - len(present)) + unseen


def _as_spread(item: Any, who: str) -> Unknown:
    if isinstance(item, Unknown) and item.spread:
        return item
    source = first_unknown(item)
    assert source is not None
    return unknown_from(source, f"{who}: a set element is unknown (it may equal another element)", spread=True)


def _order_key(values: list[Any], elem: Ty) -> Any:
    if all(isinstance(v, str) for v in values):
        return lambda v: v
    if all(is_number(v) for v in values):
        return lambda v: dec(v)
    if all(isinstance(v, bool) for v in values):
        return lambda v: v
    return lambda v: _hash_text(v, elem).encode()


def _hash_text(value: Any, ty: Ty) -> str:
    """go-cty's set hash representation of a value of type ``ty`` (it orders sets of non-primitive values)."""
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "T" if value else "F"
    if is_number(value):
        return format(dec(value), ".10g").replace("E", "e")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        if ty.kind in ("list", "set") and ty.elem is not None:
            return "[" + "".join(_hash_text(v, ty.elem) + ";" for v in value) + "]"
        elems = ty.elems if len(ty.elems) == len(value) else (DYNAMIC,) * len(value)
        return "<" + "".join(_hash_text(v, e) + ";" for v, e in zip(value, elems, strict=True)) + ">"
    if ty.kind == "map" and ty.elem is not None:
        return "{" + "".join(f"{_hash_text(k, STRING)}:{_hash_text(value[k], ty.elem)};" for k in sorted(value)) + "}"
    attrs = ty.attr_map()
    return "<" + "".join(_hash_text(value[k], attrs.get(k, DYNAMIC)) + ";" for k in sorted(value)) + ">"
