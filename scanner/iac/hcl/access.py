"""Attribute access, indexing, splats and iteration, with Terraform's errors and unknowns.

* ``obj.name`` and ``obj["name"]`` read an object attribute or map key; a missing one is an error
  (``try`` moves on), unless the mapping is partial: then the key may be among the unknown ones;
* ``list[i]`` needs a whole number in range (a numeric string converts); an unknown element that
  stands for zero or more elements before ``i`` makes the result unknown;
* indexing or reading an attribute of null is an error; of an unknown, unknown;
* a splat over null is ``[]``, over a value that is not a list a one-element list, over an
  unknown list one unknown element standing for zero or more;
* iterating a map or object goes in lexical key order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl.ast import Attr, Step
from scanner.iac.hcl.env import Env, Lazy
from scanner.iac.hcl.ops import EvalError, derived, fmt_number, is_number, lift, to_str, type_name


def force(value: Any, env: Env) -> Any:
    """``value`` with every lazy resource or module object inside it made a plain value."""
    if isinstance(value, Lazy):
        return value.force(env)
    if isinstance(value, list):
        return [force(v, env) for v in value] if any(isinstance(v, Lazy | list | dict) for v in value) else value
    if isinstance(value, dict) and any(isinstance(v, Lazy | list | dict) for v in value.values()):
        items = {k: force(v, env) for k, v in value.items()}
        return PartialDict(items, value.rest) if isinstance(value, PartialDict) else items
    return value


def missing_key(mapping: PartialDict, key: str) -> Unknown:
    rest = mapping.rest
    symbol = f"{rest.symbol}.{key}" if rest.symbol and "${" not in rest.symbol else None
    return Unknown(rest.reason, rest.origin, rest.error, symbol=symbol)


def get_attr(value: Any, name: str, env: Env, line: int) -> Any:
    if isinstance(value, Lazy):
        return value.get(name, env, line)
    if isinstance(value, dict):
        if name in value:
            return value[name]
        if isinstance(value, PartialDict):
            return missing_key(value, name)
        raise EvalError(f"this object does not have an attribute named {name!r}")
    if isinstance(value, Unknown):
        return lift(lambda v: get_attr(v, name, env, line), [value])
    if value is None:
        raise EvalError(f"attempt to get attribute {name!r} from a null value")
    if isinstance(value, list):
        raise EvalError(f"cannot read attribute {name!r} of a list (use [*].{name} or an index)")
    raise EvalError(f"a {type_name(value)} value has no attribute {name!r}")


def index(value: Any, key: Any, env: Env) -> Any:
    if isinstance(value, Lazy):
        value = value.force(env)
    if isinstance(value, Unknown) or isinstance(key, Unknown):
        return lift(lambda v, k: index(v, k, env), [value, key])
    if key is None:
        raise EvalError("cannot use a null value as an index key")
    if value is None:
        raise EvalError("attempt to index a null value")
    if isinstance(value, dict):
        text = to_str(key) if isinstance(key, str | bool) or is_number(key) else None
        if text is None:
            raise EvalError(f"a {type_name(key)} cannot be a map key")
        return get_attr(value, text, env, 0) if text in value or isinstance(value, PartialDict) else \
            _no_key(text)
    if isinstance(value, list):
        return _list_index(value, key)
    raise EvalError(f"cannot index a {type_name(value)} value")


def _no_key(key: str) -> Any:
    raise EvalError(f"the key {key!r} does not identify an element of this map")


def _list_index(items: list[Any], key: Any) -> Any:
    if isinstance(key, str):
        try:
            key = int(key)
        except ValueError:
            raise EvalError(f"a list index must be a number, not {key!r}") from None
    if not is_number(key) or key != int(key):
        raise EvalError(f"a list index must be a whole number, not {to_str(key) if is_number(key) else type_name(key)}")
    position = int(key)
    if position < 0:
        raise EvalError(f"list index {position} is negative")
    for i, item in enumerate(items):
        if isinstance(item, Unknown) and item.spread:
            return derived(item, f"element {position} of a list with unknown elements: {item.reason}")
        if i == position:
            return item
    raise EvalError(f"list index {fmt_number(position)} is out of range (length {len(items)})")


def apply_steps(value: Any, steps: tuple[Step, ...], env: Env, evaluate: Any) -> Any:
    for step in steps:
        if isinstance(step, Attr):
            value = get_attr(value, step.name, env, 0)
        else:
            value = index(value, evaluate(step.key, env), env)
    return value


def splat(source: Any, steps: tuple[Step, ...], attr_only: bool, env: Env, evaluate: Any) -> Any:
    """``source[*]<steps>`` (or ``source.*<steps>``: only the leading attribute steps apply to
    each element, the rest to the resulting list)."""
    each_steps: tuple[Step, ...] = steps
    after: tuple[Step, ...] = ()
    if attr_only:
        cut = next((i for i, s in enumerate(steps) if not isinstance(s, Attr)), len(steps))
        each_steps, after = steps[:cut], steps[cut:]
    if isinstance(source, Unknown) and source.candidates:
        return lift(lambda v: splat(v, steps, attr_only, env, evaluate), [source])
    if isinstance(source, Unknown):
        result: Any = [Unknown(source.reason, source.origin, source.error, spread=True)]
    elif source is None:
        result = []
    else:
        items = source if isinstance(source, list) else [source]
        result = [item if isinstance(item, Unknown) and item.spread
                  else force(apply_steps(item, each_steps, env, evaluate), env) for item in items]
    return apply_steps(result, after, env, evaluate) if after else result


def items(collection: Any) -> Iterator[tuple[Any, Any]]:
    """(key, value) pairs of a collection in Terraform's iteration order: list index and element,
    map key (lexical order) and value. A spread unknown element comes through as itself, with
    an unknown key; the unknown rest of a partial map as one (unknown, unknown) pair."""
    if isinstance(collection, list):
        yield from enumerate(collection)
    elif isinstance(collection, dict):
        for key in sorted(collection):
            yield key, collection[key]
        if isinstance(collection, PartialDict):
            rest = collection.rest
            yield Unknown(rest.reason, rest.origin, rest.error), Unknown(rest.reason, rest.origin, rest.error,
                                                                        spread=True)
    elif collection is None:
        raise EvalError("a null value cannot be iterated")
    else:
        raise EvalError(f"a {type_name(collection)} value cannot be iterated")
