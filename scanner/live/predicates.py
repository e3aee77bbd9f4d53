"""The predicate language of live-cloud rules, in the style of Cloud Custodian's value filters.

A predicate is one of::

    {key: a.b.c, op: OP, value: V}      # a leaf; V may be {param: NAME} (a catalog parameter)
    {all: [P, ...]}  {any: [P, ...]}  {not: P}

``key`` is a dotted path into the resource's facts (list items are reached with ``any-item``,
``all-items`` and ``no-item``, whose ``value`` is a nested predicate evaluated on each item).
The operator table below is the whole language; ``scanner/schemas/rules.schema.json`` validates
rule files against it. Evaluation is pure: facts in, bool out.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

Predicate = Mapping[str, Any]
_MISSING = object()


class PredicateError(ValueError):
    """A predicate that cannot be evaluated as written (bad regex, wrong value type)."""


def lookup(facts: Any, key: str) -> Any:
    """Value at a dotted path, or ``None`` when any step is missing."""
    node = facts
    for part in key.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int | float):
            return float(value)
        return float(str(value))
    except (ValueError, OverflowError):
        return None


def _compare(fn: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def op(have: Any, want: Any) -> bool:
        a, b = _number(have), _number(want)
        return a is not None and b is not None and fn(a, b)

    return op


def _version(text: Any) -> tuple[int, ...] | None:
    """'TLSv1.2', 'TLS1_2', 'TLS_1_2', '1.2' -> (1, 2)."""
    if text is None:
        return None
    digits = re.findall(r"\d+", str(text))
    return tuple(int(d) for d in digits[:2]) if digits else None


def _version_ge(have: Any, want: Any) -> bool:
    a, b = _version(have), _version(want)
    return a is not None and b is not None and a >= b


_WORLD_WORDS = {"*", "internet", "any", "0.0.0.0/0", "::/0", "0.0.0.0", "allusers"}


def is_world(source: Any) -> bool:
    """Does this source (CIDR, Azure tag like 'Internet' or '*') stand for the whole internet?
    A /0 in either family, or a word that means anyone (Internet, Any, *, AllUsers). The
    Terraform policies use the same /0 rule; the words only occur in provider APIs."""
    text = str(source).strip().lower()
    if text in _WORLD_WORDS:
        return True
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return net.prefixlen == 0


def _cidr_overlaps_world(have: Any, want: Any) -> bool:
    values = have if isinstance(have, list) else [have]
    found = any(is_world(v) for v in values if v is not None)
    return found if want is not False else not found


def _port_in_range(have: Any, want: Any) -> bool:
    """``have`` is a port range fact ({from, to} / "all" / [from, to] / int); ``want`` a port list:
    true when any wanted port lies in the range."""
    ports = want if isinstance(want, list) else [want]
    if have == "all" or have == "*":
        return bool(ports)
    if isinstance(have, Mapping):
        low, high = have.get("from"), have.get("to")
    elif isinstance(have, list) and len(have) == 2:
        low, high = have
    else:
        low = high = have
    lo, hi = _number(low), _number(high)
    if lo is None or hi is None:
        return False
    wanted = [n for n in (_number(p) for p in ports) if n is not None]
    if len(wanted) != len(ports):
        raise PredicateError(f"port-in-range needs port numbers, got {want!r}")
    return any(lo <= n <= hi for n in wanted)


def _regex(have: Any, want: Any) -> bool:
    if have is None:
        return False
    try:
        return re.search(str(want), str(have)) is not None
    except re.error as err:
        raise PredicateError(f"bad regex {want!r}: {err}") from None


def _contains(have: Any, want: Any) -> bool:
    if isinstance(have, list | tuple):
        return any(item == want for item in have)
    if isinstance(have, set | frozenset):
        try:
            return want in have
        except TypeError:  # an unhashable value is in no set
            return False
    if isinstance(have, str):
        return str(want) in have
    if isinstance(have, Mapping):
        try:
            return want in have
        except TypeError:
            return False
    return False


def _in(have: Any, want: Any) -> bool:
    if not isinstance(want, list):
        raise PredicateError(f"`in` needs a list value, got {want!r}")
    return have in want


LEAF_OPS: Mapping[str, Callable[[Any, Any], bool]] = {
    "eq": lambda have, want: have == want,
    "ne": lambda have, want: have != want,
    "in": _in,
    "not-in": lambda have, want: not _in(have, want),
    "absent": lambda have, _want: have is None or have == [] or have == {},
    "present": lambda have, _want: not (have is None or have == [] or have == {}),
    "gt": _compare(lambda a, b: a > b),
    "ge": _compare(lambda a, b: a >= b),
    "lt": _compare(lambda a, b: a < b),
    "le": _compare(lambda a, b: a <= b),
    "contains": _contains,
    "regex": _regex,
    "version-ge": _version_ge,
    "cidr-overlaps-world": _cidr_overlaps_world,
    "port-in-range": _port_in_range,
}
ITEM_OPS = ("any-item", "all-items", "no-item")
OPS = (*LEAF_OPS, *ITEM_OPS)


def resolve(value: Any, parameters: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping) and set(value) == {"param"}:
        name = value["param"]
        if name not in parameters:
            raise PredicateError(f"unknown parameter {name!r}")
        return parameters[name]
    return value


def evaluate(predicate: Predicate, facts: Any, parameters: Mapping[str, Any]) -> bool:
    if "all" in predicate:
        return all(evaluate(p, facts, parameters) for p in predicate["all"])
    if "any" in predicate:
        return any(evaluate(p, facts, parameters) for p in predicate["any"])
    if "not" in predicate:
        return not evaluate(predicate["not"], facts, parameters)
    op = predicate["op"]
    have = lookup(facts, predicate["key"])
    if op in ITEM_OPS:
        items = have if isinstance(have, list) else []
        hits = (evaluate(predicate["value"], item, parameters) for item in items)
        if op == "any-item":
            return any(hits)
        if op == "all-items":
            return all(hits)
        return not any(hits)
    if op not in LEAF_OPS:
        raise PredicateError(f"unknown op {op!r}")
    return LEAF_OPS[op](have, resolve(predicate.get("value"), parameters))


def keys(predicate: Predicate, prefix: str = "") -> Iterator[str]:
    """Every fact key a predicate reads (item predicates prefixed with their list key)."""
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
