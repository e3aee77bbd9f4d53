"""The predicate language of rules, evaluated with three values (Kleene logic).

A predicate is one of::

    {key: a.b.c, op: OP, value: V}      # a leaf; V may be {param: NAME} (a catalog parameter)
    {all: [P, ...]}  {any: [P, ...]}  {not: P}

``key`` is a dotted path into the resource's facts; the item operators ``any-item``,
``all-items`` and ``no-item`` evaluate their nested predicate (``value``) on each item of the
list at ``key``. Every evaluation answers ``True``, ``False`` or an
:class:`~scanner.facts.values.Unknown` saying why:

* a missing fact, or an unknown value, makes a leaf unknown, unless the operator can decide
  without it (``contains`` finds a known match; a union of known CIDRs already covers the world);
* an unknown with ``candidates`` is decided when every candidate gives the same answer;
* ``all`` is false if any part is false, else unknown if any part is unknown; ``any`` dually;
  ``not`` keeps unknown; an unknown list element is an item whose predicate is unknown.

Pure: facts in, truth out. The operator table (:data:`LEAF_OPS`) is the whole language; the
catalog schema validates rule files against it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from scanner.facts.logic import Truth, agree, all_of, any_of, negate, pick
from scanner.facts.types import WORLD_WORDS, network
from scanner.facts.values import PartialDict, Unknown, first_unknown

Predicate = Mapping[str, Any]
LeafOp = Callable[[Any, Any], Truth]
_MISSING = object()


class PredicateError(ValueError):
    """A predicate that cannot be evaluated as written (bad regex, wrong value type)."""


# --- fact lookup ----------------------------------------------------------------------------------


def lookup(facts: Any, key: str) -> Any:
    """The value at a dotted path: ``None`` through a not-configured (null) parent, an Unknown
    through an unknown one (candidates followed), ``Unknown("... was not collected")`` for a key
    nobody produced."""
    node = facts
    for position, part in enumerate(parts := key.split(".")):
        if node is None:
            return None
        if isinstance(node, Unknown):
            rest = ".".join(parts[position:])
            if node.candidates:
                return Unknown(node.reason, node.origin, node.error, tuple(lookup(c, rest) for c in node.candidates))
            if node.partial is not None:
                return lookup(node.partial, rest)
            return node
        if isinstance(node, Mapping):
            if part in node:
                node = node[part]
            elif isinstance(node, PartialDict):
                return node.rest
            else:
                return Unknown(f"{key} was not collected")
        elif isinstance(node, list) and part.isdigit():
            unseen = [item for item in node[: int(part) + 1] if isinstance(item, Unknown)]
            if unseen:
                return unseen[0]
            node = node[int(part)] if int(part) < len(node) else None
        else:
            return Unknown(f"{key}: {'.'.join(parts[:position])} is not an object")
    return node


# --- leaf operators -------------------------------------------------------------------------------


def _equal(have: Any, want: Any) -> Truth:
    unknown = first_unknown(have)
    if unknown is not None:
        return unknown
    return bool(have == want)


def _in(have: Any, want: Any) -> Truth:
    if not isinstance(want, list):
        raise PredicateError(f"`in` needs a list value, got {want!r}")
    unknown = first_unknown(have)
    return unknown if unknown is not None else have in want


def _is_absent(have: Any, _want: Any = None) -> Truth:
    """None, ``[]`` and ``{}`` are absent; a list holding only spread unknowns (zero or more
    elements nobody could see) or a partial mapping with no known key may be either."""
    if have is None:
        return True
    if isinstance(have, list):
        if any(not (isinstance(item, Unknown) and item.spread) for item in have):
            return False
        return pick(have) if have else True
    if isinstance(have, PartialDict):
        return False if have else have.rest
    if isinstance(have, Mapping):
        return not have
    return False


def _number(value: Any) -> float | Unknown | None:
    if isinstance(value, bool):
        return Unknown(f"not a number: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if value is None:
        return None
    try:
        return float(str(value))
    except (ValueError, OverflowError):
        return Unknown(f"not a number: {value!r}")


def _compare(fn: Callable[[float, float], bool]) -> LeafOp:
    """A not-configured value (None) compares false: an unset retention is not at least 35 days."""

    def op(have: Any, want: Any) -> Truth:
        a, b = _number(have), _number(want)
        if b is None or isinstance(b, Unknown):
            raise PredicateError(f"comparison needs a number, got {want!r}")
        if isinstance(a, Unknown):
            return a
        return a is not None and fn(a, b)

    return op


def _version(text: Any) -> tuple[int, ...] | None:
    """'TLSv1.2', 'TLS1_2', 'TLS_1_2', '1.2' -> (1, 2)."""
    digits = re.findall(r"\d+", str(text))
    return tuple(int(d) for d in digits[:2]) if digits else None


def _version_ge(have: Any, want: Any) -> Truth:
    if have is None:
        return False
    a, b = _version(have), _version(want)
    if b is None:
        raise PredicateError(f"version-ge needs a version, got {want!r}")
    return Unknown(f"not a version: {have!r}") if a is None else a >= b


def is_world(source: Any) -> bool:
    """Does this single source stand for the whole internet? A /0 in either family, or a word
    that means anyone (Internet, Any, ``*``, AllUsers)."""
    text = str(source).strip()
    if text.lower() in WORLD_WORDS:
        return True
    net = network(text)
    return net is not None and net.prefixlen == 0


def covers_world(sources: list[Any]) -> Truth:
    """Do these sources together cover every IPv4 or every IPv6 address (``0.0.0.0/1`` and
    ``128.0.0.0/1`` do)? Unknown when they do not, but an unseen source might."""
    families: dict[int, list[Any]] = {4: [], 6: []}
    for source in sources:
        if isinstance(source, Unknown) or source is None:
            continue
        if is_world(source):
            return True
        net = network(str(source))
        if net is not None:
            families[net.version].append(net)
    for version, nets in families.items():
        whole = ipaddress.ip_network("0.0.0.0/0" if version == 4 else "::/0")
        if nets and list(ipaddress.collapse_addresses(nets)) == [whole]:
            return True
    unseen = [s for s in sources if isinstance(s, Unknown)]
    return pick(unseen) if unseen else False


def _covers_world(have: Any, want: Any) -> Truth:
    if isinstance(have, Unknown):
        return have
    if have is None:
        found: Truth = False
    else:
        found = covers_world(have if isinstance(have, list) else [have])
    return found if want is not False else negate(found)


def _port_in_range(have: Any, want: Any) -> Truth:
    """``have`` is a port range fact (``{from, to}``, ``"all"``/``"*"``, a single port, or None for
    a protocol without ports); true when any of the ``want`` ports lies in it."""
    ports = want if isinstance(want, list) else [want]
    numbers = [p for p in ports if isinstance(p, int) and not isinstance(p, bool)]
    if len(numbers) != len(ports):
        raise PredicateError(f"port-in-range needs port numbers, got {want!r}")
    if have is None:
        return False
    if have in ("all", "*"):
        return bool(numbers)
    if isinstance(have, Mapping):
        low, high = have.get("from"), have.get("to")
    else:
        low = high = have
    for bound in (low, high):
        if isinstance(bound, Unknown):
            return bound
    lo, hi = _number(low), _number(high)
    if not isinstance(lo, float) or not isinstance(hi, float):
        return Unknown(f"not a port range: {have!r}")
    if lo > hi:
        return Unknown(f"reversed port range {have!r}")
    return any(lo <= n <= hi for n in numbers)


def _regex(have: Any, want: Any) -> Truth:
    if have is None:
        return False
    try:
        return re.search(str(want), str(have)) is not None
    except re.error as err:
        raise PredicateError(f"bad regex {want!r}: {err}") from None


def _contains(have: Any, want: Any) -> Truth:
    """A known element (or key, or substring) equal to ``want``; unknown when none is known to be
    and some element could be."""
    if have is None:
        return False
    if isinstance(have, list | tuple):
        if any(not isinstance(item, Unknown) and item == want for item in have):
            return True
        unseen = [item for item in have if isinstance(item, Unknown)]
        return pick(unseen) if unseen else False
    if isinstance(have, Mapping):
        if want in have:
            return True
        return have.rest if isinstance(have, PartialDict) else False
    if isinstance(have, str):
        return str(want) in have
    return False


LEAF_OPS: Mapping[str, LeafOp] = {
    "eq": _equal,
    "ne": lambda have, want: negate(_equal(have, want)),
    "in": _in,
    "not-in": lambda have, want: negate(_in(have, want)),
    "absent": _is_absent,
    "present": lambda have, want: negate(_is_absent(have, want)),
    "gt": _compare(lambda a, b: a > b),
    "ge": _compare(lambda a, b: a >= b),
    "lt": _compare(lambda a, b: a < b),
    "le": _compare(lambda a, b: a <= b),
    "contains": _contains,
    "regex": _regex,
    "version-ge": _version_ge,
    "cidr-overlaps-world": _covers_world,
    "port-in-range": _port_in_range,
}
ITEM_OPS = ("any-item", "all-items", "no-item")
OPS = (*LEAF_OPS, *ITEM_OPS)
#: operators that decide on a whole unknown list themselves (the rest see a plain unknown)
_SEES_UNKNOWN_ELEMENTS = frozenset({"contains", "cidr-overlaps-world", "absent", "present"})


def resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping) and set(value) == {"param"}:
        name = value["param"]
        if name not in parameters:
            raise PredicateError(f"unknown parameter {name!r}")
        return parameters[name]
    return value


def evaluate(predicate: Predicate, facts: Any, parameters: Mapping[str, Any]) -> Truth:
    if "all" in predicate:
        return all_of(evaluate(p, facts, parameters) for p in predicate["all"])
    if "any" in predicate:
        return any_of(evaluate(p, facts, parameters) for p in predicate["any"])
    if "not" in predicate:
        return negate(evaluate(predicate["not"], facts, parameters))
    key, op = predicate["key"], predicate["op"]
    return _leaf(op, lookup(facts, key), predicate, parameters, key)


def _leaf(op: str, have: Any, predicate: Predicate, parameters: Mapping[str, Any], key: str) -> Truth:
    if isinstance(have, Unknown):
        if have.candidates:
            results = [_leaf(op, c, predicate, parameters, key) for c in have.candidates]
            return agree(results, have)
        return _about(key, have)
    if op in ITEM_OPS:
        return _items(op, have, predicate["value"], parameters, key)
    if op not in LEAF_OPS:
        raise PredicateError(f"unknown op {op!r}")
    want = resolve(predicate.get("value"), parameters)
    if op not in _SEES_UNKNOWN_ELEMENTS:
        unknown = first_unknown(have)
        if unknown is not None:
            return _about(key, unknown)
    result = LEAF_OPS[op](have, want)
    return _about(key, result) if isinstance(result, Unknown) else result


def _about(key: str, unknown: Unknown) -> Unknown:
    """The unknown, its reason prefixed with the fact key it was met at (once)."""
    if unknown.reason.startswith(key):
        return unknown
    return Unknown(f"{key}: {unknown.reason}", unknown.origin, unknown.error, unknown.candidates, unknown.spread,
                   unknown.partial, unknown.symbol)


def _items(op: str, have: Any, nested: Predicate, parameters: Mapping[str, Any], key: str) -> Truth:
    if have is None:
        items: list[Any] = []
    elif isinstance(have, list):
        items = have
    else:
        return Unknown(f"{key}: not a list")
    results: Iterator[Truth] = (_item(item, nested, parameters, key) for item in items)
    if op == "any-item":
        return any_of(results)
    if op == "all-items":
        return all_of(results)
    return negate(any_of(results))


def _item(item: Any, nested: Predicate, parameters: Mapping[str, Any], key: str) -> Truth:
    if isinstance(item, Unknown):
        if item.candidates:
            return agree([_item(c, nested, parameters, key) for c in item.candidates], item)
        return _about(key, item)
    return evaluate(nested, item, parameters)


def keys(predicate: Predicate, prefix: str = "") -> Iterator[str]:
    """Every fact key a predicate reads (item predicates prefixed with their list key and ``[].``)."""
    for combinator in ("all", "any"):
        for part in predicate.get(combinator, ()):
            yield from keys(part, prefix)
    if "not" in predicate:
        yield from keys(predicate["not"], prefix)
    if "key" in predicate:
        key = prefix + predicate["key"]
        yield key
        if predicate.get("op") in ITEM_OPS:
            yield from keys(predicate["value"], key + "[].")
