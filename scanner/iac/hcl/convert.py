"""Terraform type constraints and conversion (cty's rules).

* ``string`` accepts numbers and bools (``1`` becomes ``"1"``); ``number`` accepts numeric
  strings; ``bool`` accepts ``"true"``/``"false"`` (and ``"1"``/``"0"``);
* ``list``/``set``/``map`` of ``any`` first unify their elements to one type (``["a", 1]``
  becomes ``["a", "1"]``; a number and a bool do not unify: error);
* ``set`` removes duplicates and orders strings lexically and numbers numerically;
* ``object({...})`` needs every attribute not marked ``optional``, drops attributes it does not
  declare, and fills absent or null optional attributes with their default (or null);
* ``tuple([...])`` needs exactly as many elements;
* null converts to any type; an unknown stays unknown (its type is not tracked).
"""

from __future__ import annotations

from typing import Any

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl.ast import Call, Expr, Lit, ObjectCons, Traversal, TupleCons
from scanner.iac.hcl.ops import EvalError, fmt_number, is_number, parse_number, type_name
from scanner.iac.hcl.types import ANY, STRING, Coll, Obj, Prim, Tup, Type, UncertainType, describe, unify_values

_LEGACY: dict[str, Type] = {"string": STRING, "list": Coll("list", ANY), "map": Coll("map", ANY)}


class TypeExprError(ValueError):
    pass


# ---------------------------------------------------------------- type expressions


def parse_type(expr: Expr, default_value: Any = None) -> Type:
    """A ``type = ...`` expression. ``default_value`` evaluates ``optional(T, default)`` defaults
    (constant expressions)."""
    if isinstance(expr, Traversal) and not expr.steps:
        if expr.root in ("string", "number", "bool", "any"):
            return Prim(expr.root)
        raise TypeExprError(f"unknown type keyword {expr.root!r}")
    if isinstance(expr, Lit) and isinstance(expr.value, str) and expr.value in _LEGACY:
        return _LEGACY[expr.value]
    if not isinstance(expr, Call):
        raise TypeExprError("a type constraint is a keyword or a type constructor call")
    if expr.name in ("list", "set", "map") and len(expr.args) == 1:
        return Coll(expr.name, parse_type(expr.args[0], default_value))
    if expr.name == "tuple" and len(expr.args) == 1 and isinstance(expr.args[0], TupleCons):
        return Tup(tuple(parse_type(e, default_value) for e in expr.args[0].items))
    if expr.name == "object" and len(expr.args) == 1 and isinstance(expr.args[0], ObjectCons):
        return _object_type(expr.args[0], default_value)
    raise TypeExprError(f"invalid type constructor {expr.name}(...)")


def _object_type(cons: ObjectCons, default_value: Any) -> Obj:
    attrs: dict[str, Type] = {}
    optional: set[str] = set()
    defaults: dict[str, Any] = {}
    for key, value in cons.items:
        name = key.value if isinstance(key, Lit) else key.text if isinstance(key, Traversal) and not key.steps else None
        if not isinstance(name, str):
            raise TypeExprError("object type attribute names must be identifiers")
        if isinstance(value, Call) and value.name == "optional" and 1 <= len(value.args) <= 2:
            attrs[name] = parse_type(value.args[0], default_value)
            optional.add(name)
            if len(value.args) == 2:
                defaults[name] = convert(default_value(value.args[1]), attrs[name])
        else:
            attrs[name] = parse_type(value, default_value)
    return Obj(attrs, frozenset(optional), defaults)


# ---------------------------------------------------------------- conversion


def convert(value: Any, t: Type) -> Any:
    """``value`` converted to ``t``; raises :class:`EvalError` when it cannot be."""
    if value is None or isinstance(value, Unknown) or t == ANY:
        return value
    if isinstance(t, Prim):
        return _primitive(value, t.name)
    if isinstance(t, Coll):
        return _collection(value, t)
    if isinstance(t, Obj):
        return _object(value, t)
    return _tuple(value, t)


def _primitive(value: Any, name: str) -> Any:
    if name == "string":
        if isinstance(value, str | bool) or is_number(value):
            return value if isinstance(value, str) else ("true" if value is True else "false" if value is False
                                                            else fmt_number(value))
    elif name == "number":
        if is_number(value):
            return value
        if isinstance(value, str):
            return parse_number(value)
    elif name == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "1", "false", "0"):
            return value in ("true", "1")
    raise EvalError(f"a {name} is required, not {type_name(value)}")


def _collection(value: Any, t: Coll) -> Any:
    try:
        return _convert_collection(value, t)
    except UncertainType:
        return Unknown(f"the elements' common type depends on the type of unknown elements ({describe(t)})")


def _convert_collection(value: Any, t: Coll) -> Any:
    if t.kind == "map":
        if not isinstance(value, dict):
            raise EvalError(f"a map is required, not {type_name(value)}")
        elem = unify_values(list(value.values())) if t.elem == ANY else t.elem
        converted = {k: convert(v, elem) for k, v in value.items()}
        return PartialDict(converted, value.rest) if isinstance(value, PartialDict) else converted
    if not isinstance(value, list | tuple):
        raise EvalError(f"a {t.kind} is required, not {type_name(value)}")
    elem = unify_values(list(value)) if t.elem == ANY else t.elem
    items = [v if isinstance(v, Unknown) and v.spread else convert(v, elem) for v in value]
    return _as_set(items) if t.kind == "set" else items


def _as_set(items: list[Any]) -> list[Any]:
    """Set semantics: duplicates removed; strings ordered lexically, numbers numerically. An
    unknown element may equal a known one, so it stands for zero or one elements."""
    known = [v for v in items if not isinstance(v, Unknown)]
    unknown = [v if v.spread else Unknown(v.reason, v.origin, v.error, spread=True) for v in items
               if isinstance(v, Unknown)]
    unique: list[Any] = []
    for v in known:
        if not any(type_name(u) == type_name(v) and u == v for u in unique):
            unique.append(v)
    if all(isinstance(v, str) for v in unique) or all(is_number(v) for v in unique):
        unique.sort()
    return unique + unknown[:1]


def _object(value: Any, t: Obj) -> Any:
    if not isinstance(value, dict):
        raise EvalError(f"an object is required, not {type_name(value)}")
    out: dict[str, Any] = {}
    for name, attr_type in t.attrs.items():
        if name in value:
            converted = convert(value[name], attr_type)
        elif isinstance(value, PartialDict):
            converted = Unknown(f"attribute {name!r} may be among the unknown keys: {value.rest.reason}",
                                value.rest.origin, value.rest.error)
        elif name in t.optional:
            converted = None
        else:
            raise EvalError(f"attribute {name!r} is required")
        if converted is None and name in t.defaults:
            converted = t.defaults[name]
        out[name] = converted
    return out


def _tuple(value: Any, t: Tup) -> Any:
    if not isinstance(value, list | tuple):
        raise EvalError(f"a tuple is required, not {type_name(value)}")
    if any(isinstance(v, Unknown) and v.spread for v in value):
        return Unknown("tuple of unknown length")
    if len(value) != len(t.elems):
        raise EvalError(f"a tuple of {len(t.elems)} elements is required, not {len(value)}")
    return [convert(v, e) for v, e in zip(value, t.elems, strict=True)]


