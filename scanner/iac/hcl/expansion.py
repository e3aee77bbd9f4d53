"""``count`` and ``for_each`` on resources, data sources and module calls.

``count`` must be a whole number, not negative (a numeric string converts): instances are keyed
``0..n-1``. ``for_each`` must be a map or object (instances keyed by its keys, ``each.value`` the
element) or a set of strings (``each.key`` = ``each.value`` = the string); null, or both
meta-arguments, is an error. When the value cannot be known, there is one instance without a
key whose existence is unknown and in which ``count.index``/``each`` are unknown; known keys of a
partly known ``for_each`` still give their instances, plus one such unknown instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl.ast import Body
from scanner.iac.hcl.bindings import CountBinding, EachBinding
from scanner.iac.hcl.blocks import attribute_value
from scanner.iac.hcl.env import Deps, Env
from scanner.iac.hcl.ops import EvalError, is_number, to_number


@dataclass(frozen=True)
class Key:
    """One instance: its key (None: no key), bindings, and whether it certainly exists."""

    key: Any
    count: CountBinding | None = None
    each: EachBinding | None = None
    exists: Unknown | None = None


@dataclass
class Expansion:
    kind: str  # "single", "count", "for_each"
    keys: list[Key] = field(default_factory=list)
    unknown: Unknown | None = None  # why some instances could not be known
    deps: Deps = field(default_factory=Deps)


def expand(body: Body, env: Env, what: str) -> Expansion:
    """The instances a block with ``count``/``for_each`` stands for (``what`` names the block)."""
    count, for_each = body.attributes.get("count"), body.attributes.get("for_each")
    if count is not None and for_each is not None:
        return _unknown("count", Unknown(f"{what} sets both count and for_each (Terraform rejects it)",
                                         env.origin(count.line)), Deps(), what)
    if count is None and for_each is None:
        return Expansion("single", [Key(None)])
    attr = count or for_each
    assert attr is not None
    deps = Deps()
    value = attribute_value(attr, env.with_deps(deps))
    origin = env.origin(attr.line)
    if count is not None:
        return _count(value, deps, what, origin)
    return _for_each(value, deps, what, origin)


def _unknown(kind: str, cause: Unknown, deps: Deps, what: str) -> Expansion:
    reason = f"{kind} of {what} is unknown: {cause.reason}"
    unknown = Unknown(reason, cause.origin, cause.error)
    key = Key(None, CountBinding(Unknown(f"depends on count.index of an unknown count (count of {what}: "
                                         f"{cause.reason})", cause.origin, cause.error)) if kind == "count" else None,
              _unknown_each(what, cause, deps) if kind == "for_each" else None, unknown)
    return Expansion(kind, [key], unknown, deps)


def _unknown_each(what: str, cause: Unknown, deps: Deps) -> EachBinding:
    return EachBinding(Unknown(f"depends on each.key of an unknown for_each (for_each of {what}: {cause.reason})",
                               cause.origin, cause.error),
                       Unknown(f"depends on each.value of an unknown for_each (for_each of {what}: {cause.reason})",
                               cause.origin, cause.error), deps)


def _count(value: Any, deps: Deps, what: str, origin: str) -> Expansion:
    if isinstance(value, Unknown) and value.candidates:
        counts = {_whole(c) for c in value.candidates}
        if len(counts) == 1 and None not in counts:
            value = counts.pop()
    if isinstance(value, Unknown):
        return _unknown("count", value, deps, what)
    try:
        number = to_number(value) if value is not None else None
    except EvalError as err:
        return _unknown("count", Unknown(f"{err} (Terraform rejects it)", origin), deps, what)
    if number is None or number < 0 or number != int(number):
        return _unknown("count", Unknown(f"count must be a whole number >= 0, not {value!r} (Terraform rejects it)",
                                         origin), deps, what)
    return Expansion("count", [Key(i, CountBinding(i)) for i in range(int(number))], None, deps)


def _whole(value: Any) -> int | None:
    """A candidate count as the whole number it converts to (None when it does not)."""
    try:
        number = to_number(value) if not isinstance(value, Unknown) and value is not None else None
    except EvalError:
        return None
    return int(number) if number is not None and number >= 0 and number == int(number) else None


def _for_each(value: Any, deps: Deps, what: str, origin: str) -> Expansion:
    if isinstance(value, Unknown):
        return _unknown("for_each", value, deps, what)
    if isinstance(value, dict):
        keys = [Key(k, None, EachBinding(k, value[k], deps)) for k in sorted(value)]
        if isinstance(value, PartialDict):
            return _with_unknown(keys, value.rest, deps, what)
        return Expansion("for_each", keys, None, deps)
    if isinstance(value, list):
        return _set_of_strings(value, deps, what, origin)
    reason = "null" if value is None else f"a {type(value).__name__}"
    return _unknown("for_each", Unknown(f"for_each must be a map or a set of strings, not {reason} "
                                        "(Terraform rejects it)", origin), deps, what)


def _set_of_strings(value: list[Any], deps: Deps, what: str, origin: str) -> Expansion:
    strings: set[str] = set()
    unknown: Unknown | None = None
    for element in value:
        if isinstance(element, Unknown):
            unknown = element if unknown is None else unknown
        elif isinstance(element, str):
            strings.add(element)
        elif is_number(element) or isinstance(element, bool) or element is None:
            return _unknown("for_each", Unknown(f"for_each set elements must be strings, not {element!r} "
                                                "(Terraform rejects it)", origin), deps, what)
        else:
            return _unknown("for_each", Unknown("for_each must be a map or a set of strings (Terraform rejects "
                                                "it)", origin), deps, what)
    keys = [Key(s, None, EachBinding(s, s, deps)) for s in sorted(strings)]
    if unknown is not None:
        return _with_unknown(keys, unknown, deps, what)
    return Expansion("for_each", keys, None, deps)


def _with_unknown(keys: list[Key], cause: Unknown, deps: Deps, what: str) -> Expansion:
    extra = _unknown("for_each", cause, deps, what)
    return Expansion("for_each", keys + extra.keys, extra.unknown, deps)
