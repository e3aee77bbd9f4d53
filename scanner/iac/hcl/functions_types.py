"""Terraform's type system, as far as function calls need it: the type a value has, type unification and which
conversions exist (a port of go-cty's ``convert`` package, in its "unsafe" mode as function calls use it).

Values carry no declared types here, so a value's type is the type of a literal: a list is a tuple, a mapping an
object, ``null`` and an unknown have no type yet (Terraform's "dynamic"). Declared variable types are applied by the
evaluator before values reach a function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "BOOL", "DYNAMIC", "NUMBER", "STRING", "Ty", "can_convert", "friendly", "list_of", "map_of", "set_of",
    "type_of", "unify",
]


@dataclass(frozen=True, slots=True)
class Ty:
    """A type: ``dynamic``, ``string``, ``number``, ``bool``, ``list``/``set``/``map`` (of ``elem``), ``tuple``
    (of ``elems``) or ``object`` (``attrs``, sorted by name)."""

    kind: str
    elem: Ty | None = None
    elems: tuple[Ty, ...] = ()
    attrs: tuple[tuple[str, Ty], ...] = ()

    @property
    def primitive(self) -> bool:
        return self.kind in ("string", "number", "bool")

    @property
    def collection(self) -> bool:
        return self.kind in ("list", "set", "map")

    def attr_map(self) -> dict[str, Ty]:
        return dict(self.attrs)


DYNAMIC = Ty("dynamic")
STRING = Ty("string")
NUMBER = Ty("number")
BOOL = Ty("bool")


def list_of(elem: Ty) -> Ty:
    return Ty("list", elem)


def set_of(elem: Ty) -> Ty:
    return Ty("set", elem)


def map_of(elem: Ty) -> Ty:
    return Ty("map", elem)


def tuple_of(elems: list[Ty]) -> Ty:
    return Ty("tuple", elems=tuple(elems))


def object_of(attrs: dict[str, Ty]) -> Ty:
    return Ty("object", attrs=tuple(sorted(attrs.items())))


def type_of(value: Any) -> Ty:
    """The type of a value written as a literal (an unknown, ``null`` or a partly known mapping: dynamic)."""
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        return tuple_of([type_of(v) for v in value])
    if isinstance(value, dict) and type(value) is dict:
        return object_of({k: type_of(v) for k, v in value.items()})
    return DYNAMIC


def friendly(ty: Ty) -> str:
    if ty.kind in ("list", "set", "map"):
        assert ty.elem is not None
        return "any type" if ty == DYNAMIC else f"{ty.kind} of {friendly(ty.elem)}"
    return {"dynamic": "any type"}.get(ty.kind, ty.kind)


# --- conversions -----------------------------------------------------------------------------------------------

_PRIMITIVE_CONVERSIONS = {("number", "string"), ("bool", "string"), ("string", "number"), ("string", "bool")}


def can_convert(src: Ty, dst: Ty) -> bool:
    """Whether Terraform has a conversion from ``src`` to ``dst`` (it may still fail for a given value)."""
    if DYNAMIC in (src, dst) or src == dst:
        return True
    if src.primitive and dst.primitive:
        return (src.kind, dst.kind) in _PRIMITIVE_CONVERSIONS
    handler = _CONVERTERS.get((src.kind, dst.kind))
    return handler is not None and handler(src, dst)


def _coll_to_coll(src: Ty, dst: Ty) -> bool:
    assert src.elem is not None and dst.elem is not None
    return can_convert(src.elem, dst.elem)


def _seq_to_coll(src: Ty, dst: Ty) -> bool:
    assert dst.elem is not None
    if not src.elems:
        return True
    elem = dst.elem
    if elem == DYNAMIC:
        unified = unify(list(src.elems))
        if unified is None:
            return False
        if unified == DYNAMIC:
            return all(e == DYNAMIC for e in src.elems)
        elem = unified
    return all(can_convert(e, elem) for e in src.elems)


def _object_to_map(src: Ty, dst: Ty) -> bool:
    assert dst.elem is not None
    return _seq_to_coll(tuple_of([t for _, t in src.attrs]), dst)


def _map_to_object(src: Ty, dst: Ty) -> bool:
    assert src.elem is not None
    return all(can_convert(src.elem, t) for _, t in dst.attrs)


def _object_to_object(src: Ty, dst: Ty) -> bool:
    have = src.attr_map()
    return all(name in have and can_convert(have[name], t) for name, t in dst.attrs)


def _tuple_to_tuple(src: Ty, dst: Ty) -> bool:
    return len(src.elems) == len(dst.elems) and all(map(can_convert, src.elems, dst.elems))


_CONVERTERS = {
    ("list", "list"): _coll_to_coll, ("set", "list"): _coll_to_coll, ("list", "set"): _coll_to_coll,
    ("set", "set"): _coll_to_coll, ("map", "map"): _coll_to_coll,
    ("tuple", "list"): _seq_to_coll, ("tuple", "set"): _seq_to_coll, ("object", "map"): _object_to_map,
    ("map", "object"): _map_to_object, ("object", "object"): _object_to_object, ("tuple", "tuple"): _tuple_to_tuple,
}


# --- unification -----------------------------------------------------------------------------------------------


def unify(types: list[Ty]) -> Ty | None:
    """The type all of ``types`` convert to, as go-cty's ``UnifyUnsafe`` decides it; None when there is none."""
    if not types:
        return None
    types = list(dict.fromkeys(types))  # the same result, without comparing repeated types again
    counts = {kind: sum(1 for t in types if t.kind == kind) for kind in ("map", "list", "set", "object", "tuple")}
    dynamic = sum(1 for t in types if t == DYNAMIC)
    total = len(types)
    if counts["map"] and counts["map"] + dynamic == total:
        return _unify_collections("map", types, dynamic > 0)
    if counts["map"] and counts["map"] + counts["object"] + dynamic == total:
        found = _unify_as_collection(types, "object", "map")
        if found is not None:
            return found
    elif counts["list"] and counts["list"] + dynamic == total:
        return _unify_collections("list", types, dynamic > 0)
    elif counts["list"] and counts["list"] + counts["tuple"] + dynamic == total:
        found = _unify_as_collection(types, "tuple", "list")
        if found is not None:
            return found
    elif counts["set"] and counts["set"] + dynamic == total:
        return _unify_collections("set", types, dynamic > 0)
    elif counts["object"] and counts["object"] + dynamic == total:
        return DYNAMIC if dynamic else _unify_objects(types)
    elif counts["tuple"] and counts["tuple"] + dynamic == total:
        return DYNAMIC if dynamic else _unify_tuples(types)
    elif counts["object"] and counts["tuple"]:
        return None
    for wanted in _preference_order(types):
        if all(t == wanted or can_convert(t, wanted) for t in types):
            return wanted
    return None


def _unify_collections(kind: str, types: list[Ty], dynamic: bool) -> Ty | None:
    if dynamic:
        return DYNAMIC
    elem = unify([t.elem for t in types if t.elem is not None])
    return None if elem is None else Ty(kind, elem)


def _unify_as_collection(types: list[Ty], structural: str, kind: str) -> Ty | None:
    """Objects as maps / tuples as lists first, then everything with that collection type in their place."""
    structurals = [t for t in types if t.kind == structural]
    as_collection = _objects_to_map(structurals) if kind == "map" else _tuples_to_list(structurals)
    if as_collection is None:
        return None
    found = unify([as_collection if t.kind == structural else t for t in types])
    return found if found is not None and found.kind == kind else None


def _unify_objects(types: list[Ty]) -> Ty | None:
    names = {name for name, _ in types[0].attrs}
    if any({name for name, _ in t.attrs} != names for t in types[1:]):
        return _objects_to_map(types)
    attrs: dict[str, Ty] = {}
    for name in names:
        unified = unify([t.attr_map()[name] for t in types])
        if unified is None:
            return None
        attrs[name] = unified
    result = object_of(attrs)
    return result if all(can_convert(t, result) for t in types) else _objects_to_map(types)


def _objects_to_map(types: list[Ty]) -> Ty | None:
    elem = unify([t for obj in types for _, t in obj.attrs])
    if elem is None:
        return None
    result = map_of(elem)
    return result if all(can_convert(t, result) for t in types) else None


def _unify_tuples(types: list[Ty]) -> Ty | None:
    if any(len(t.elems) != len(types[0].elems) for t in types[1:]):
        return _tuples_to_list(types)
    elems: list[Ty] = []
    for index in range(len(types[0].elems)):
        unified = unify([t.elems[index] for t in types])
        if unified is None:
            return None
        elems.append(unified)
    result = tuple_of(elems)
    return result if all(can_convert(t, result) for t in types) else _tuples_to_list(types)


def _tuples_to_list(types: list[Ty]) -> Ty | None:
    elem = unify([e for tup in types for e in tup.elems])
    if elem is None:
        return None
    result = list_of(elem)
    return result if all(can_convert(t, result) for t in types) else None


def _compare(a: Ty, b: Ty) -> int:
    """go-cty's preference between two types for unification: negative when ``a`` is the more general."""
    if a == DYNAMIC or b == DYNAMIC:
        return (a == DYNAMIC) - (b == DYNAMIC)
    if a.primitive and b.primitive and STRING in (a, b):
        return (a != STRING) - (b != STRING)
    if a.kind == b.kind and a.collection:
        assert a.elem is not None and b.elem is not None
        return _compare(a.elem, b.elem)
    swapped = (a.kind, b.kind) in (("tuple", "list"), ("object", "map"), ("set", "tuple"), ("set", "list"))
    if swapped:
        a, b = b, a
    sign = -1 if swapped else 1
    if (b.kind == "set" and a.kind in ("tuple", "list")) or (a.kind, b.kind) in (("list", "tuple"), ("map", "object")):
        return -1 * sign
    if a.kind == b.kind and a.kind in ("object", "tuple"):
        return sign * _compare_structural(a, b)
    return 0


def _compare_structural(a: Ty, b: Ty) -> int:
    if a.kind == "object":
        if {n for n, _ in a.attrs} != {n for n, _ in b.attrs}:
            return 0
        pairs = [(t, b.attr_map()[n]) for n, t in a.attrs]
    else:
        if len(a.elems) != len(b.elems):
            return 0
        pairs = list(zip(a.elems, b.elems, strict=True))
    results = {_compare(x, y) for x, y in pairs}
    a_super, b_super = -1 in results, 1 in results
    if a_super == b_super:
        return 0
    return -1 if a_super else 1


def _preference_order(types: list[Ty]) -> list[Ty]:
    """A topological order of ``types`` by generality (go-cty's ``sortTypes``)."""
    count = len(types)
    edges: list[list[int]] = [[] for _ in types]
    for i in range(count - 1):
        for j in range(i + 1, count):
            cmp = _compare(types[i], types[j])
            if cmp < 0:
                edges[i].append(j)
            elif cmp > 0:
                edges[j].append(i)
    in_degree = [0] * count
    for outs in edges:
        for j in outs:
            in_degree[j] += 1
    queue = [i for i in range(count) if in_degree[i] == 0]
    order: list[int] = []
    while queue:
        i = queue.pop(0)
        order.append(i)
        for j in edges[i]:
            in_degree[j] -= 1
            if in_degree[j] == 0:
                queue.append(j)
    return [types[i] for i in order]
