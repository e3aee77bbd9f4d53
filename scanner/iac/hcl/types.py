"""Terraform types (cty's) as pacscan tracks them, and unification: the type several values
convert to together (a conditional's two results, the elements of ``list(any)``).

cty unifies primitives to ``string`` when one of them is a string (a number and a bool do not
unify); objects with the same attributes attribute by attribute, else to a map; tuples of one
length element by element, else to a list. Null fits any type. An unknown value's type is known
only for a typed variable without a value (:class:`TypedUnknown`); any other unknown may have any
type, so a value holding numbers or bools unified with it may or may not become strings:
:class:`UncertainType`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl.ops import EvalError, is_number


@dataclass(frozen=True)
class Prim:
    name: str  # "string", "number", "bool", "any"


@dataclass(frozen=True)
class Coll:
    kind: str  # "list", "set", "map"
    elem: Type


@dataclass(frozen=True)
class Obj:
    attrs: dict[str, Type]
    optional: frozenset[str] = frozenset()
    defaults: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.attrs)))


@dataclass(frozen=True)
class Tup:
    elems: tuple[Type, ...]


Type = Prim | Coll | Obj | Tup
ANY = Prim("any")
STRING, NUMBER, BOOL = Prim("string"), Prim("number"), Prim("bool")
#: the type of an unknown value whose type nobody knows (not a type Terraform has)
UNKNOWN_TYPE = Prim("unknown")


def is_primitive(t: Type) -> bool:
    return isinstance(t, Prim) and t.name not in ("any", "unknown")


@dataclass(frozen=True, slots=True)
class TypedUnknown(Unknown):
    """An unknown whose type is known: a typed variable without a value. Internal to the
    evaluator: instances leave it as plain :class:`Unknown` (see :func:`plain`)."""

    type: Any = None


class UncertainType(EvalError):
    """Values whose common type depends on the type of an unknown value."""


def plain(value: Any) -> Any:
    """``value`` with every :class:`TypedUnknown` made a plain :class:`Unknown` (inside
    candidates and partial values too)."""
    if isinstance(value, Unknown):
        if type(value) is Unknown and not value.candidates and value.partial is None:
            return value
        return Unknown(value.reason, value.origin, value.error, tuple(plain(c) for c in value.candidates),
                       value.spread, plain(value.partial), value.symbol)
    if isinstance(value, PartialDict):
        return PartialDict({k: plain(v) for k, v in value.items()}, plain(value.rest))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value



def describe(t: Type) -> str:
    if isinstance(t, Prim):
        return t.name
    if isinstance(t, Coll):
        return f"{t.kind}({describe(t.elem)})"
    if isinstance(t, Tup):
        return f"tuple([{', '.join(describe(e) for e in t.elems)}])"
    return "object({" + ", ".join(f"{k}={describe(v)}" for k, v in t.attrs.items()) + "})"



# ---------------------------------------------------------------- unification


def type_of(value: Any) -> Type:
    """The type of a value: null fits any type; an unknown has its declared type, or none known."""
    if value is None:
        return ANY
    if isinstance(value, TypedUnknown):
        return value.type if value.type is not None else UNKNOWN_TYPE
    if isinstance(value, Unknown):
        return UNKNOWN_TYPE
    if isinstance(value, bool):
        return BOOL
    if is_number(value):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list | tuple):
        return Tup(tuple(type_of(v) for v in value if not (isinstance(v, Unknown) and v.spread)))
    return Obj({k: type_of(v) for k, v in value.items()})


def unify_values(values: list[Any]) -> Type:
    return unify([type_of(v) for v in values if not (isinstance(v, Unknown) and v.spread)])


def unify(types: list[Type]) -> Type:
    """The type every one of ``types`` converts to (cty's unification); raises EvalError, or
    UncertainType when that depends on the type of an unknown value."""
    if UNKNOWN_TYPE in types:
        others = [t for t in types if t not in (ANY, UNKNOWN_TYPE)]
        if any(_holds_non_strings(t) for t in others):
            raise UncertainType("the common type depends on the type of an unknown value")
        types = [t for t in types if t != UNKNOWN_TYPE]
    concrete = [t for t in types if t != ANY]
    if not concrete:
        return ANY
    first = concrete[0]
    if all(t == first for t in concrete):
        return first
    if all(isinstance(t, Prim) for t in concrete):
        if STRING in concrete:
            return STRING
        raise EvalError("values of types " + ", ".join(sorted({describe(t) for t in concrete})) + " do not unify")
    if all(isinstance(t, Obj | Coll) and (not isinstance(t, Coll) or t.kind == "map") for t in concrete):
        return _unify_objects(concrete)
    if all(isinstance(t, Tup | Coll) and (not isinstance(t, Coll) or t.kind != "map") for t in concrete):
        return _unify_sequences(concrete)
    raise EvalError("values of types " + ", ".join(sorted({describe(t) for t in concrete})) + " do not unify")


def _unify_objects(types: list[Type]) -> Type:
    objects = [t for t in types if isinstance(t, Obj)]
    if len(objects) == len(types) and all(o.attrs.keys() == objects[0].attrs.keys() for o in objects):
        return Obj({k: unify([o.attrs[k] for o in objects]) for k in objects[0].attrs})
    elems = [e for t in types for e in (t.attrs.values() if isinstance(t, Obj) else [t.elem])]  # type: ignore[union-attr]
    return Coll("map", unify(elems))


def _unify_sequences(types: list[Type]) -> Type:
    tuples = [t for t in types if isinstance(t, Tup)]
    if len(tuples) == len(types) and all(len(t.elems) == len(tuples[0].elems) for t in tuples):
        return Tup(tuple(unify([t.elems[i] for t in tuples]) for i in range(len(tuples[0].elems))))
    elems = [e for t in types for e in (t.elems if isinstance(t, Tup) else (t.elem,))]  # type: ignore[union-attr]
    return Coll("list", unify(elems))


def _holds_non_strings(t: Type) -> bool:
    """Whether a value of type ``t`` holds numbers or bools (which unification could turn into
    strings)."""
    if isinstance(t, Prim):
        return t.name in ("number", "bool")
    if isinstance(t, Coll):
        return _holds_non_strings(t.elem)
    if isinstance(t, Tup):
        return any(_holds_non_strings(e) for e in t.elems)
    return any(_holds_non_strings(a) for a in t.attrs.values())
