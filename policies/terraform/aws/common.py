"""What the AWS normalisers share: which declared resource a sub-resource configures, values
that stay unknown as the evaluator gave them, and network rule fields read as the EC2 API
reports them.

**Ownership.** A sub-resource (``aws_security_group_rule``, ``aws_network_acl_rule``,
``aws_flow_log``, ...) names the resource it configures by an argument (``security_group_id``).
:func:`owner` answers with one of:

* ``certain``: the argument was computed from exactly one instance of a parent type, or its
  known value equals a parent's known ``id`` (a plan of applied resources);
* ``possible``: computed from several instances (an index not known), any of which it may be;
* ``elsewhere``: it names something that is not a parent in this configuration (a literal id, a
  data source, another resource's attribute);
* ``undetermined``: it cannot be told at all (a variable with no value): any parent, or none.

**Unknowns.** :func:`lift` applies a function to values that may be unknown: an unknown with
``candidates`` gives an unknown whose candidates are the function's results (a conditional on an
unknown condition stays decidable where every branch agrees); any other unknown is the answer.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from policies.terraform.attrs import where
from policies.terraform.index import Index, config_address
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

Link = Literal["certain", "possible", "elsewhere", "undetermined"]
_MAX_COMBINATIONS = 16


@dataclass(frozen=True)
class Owner:
    link: Link
    parents: tuple[TfInstance, ...] = ()


def owner(index: Index, child: TfInstance, via: str, parent_types: Iterable[str]) -> Owner:
    """Which instance of ``parent_types`` ``child.<via>`` names (see the module docstring)."""
    types = tuple(parent_types)
    certain: list[str] = []
    possible: list[str] = []
    for parent_type in types:
        targets = index.link(child, via, parent_type)
        certain += sorted(targets.certain)
        possible += sorted(targets.possible)
    found = [index.get(a) for a in dict.fromkeys(certain + possible)]
    parents = tuple(p for p in found if p is not None and p.mode == "managed")  # a data source: elsewhere
    if len(certain) == 1 and not possible and len(parents) == 1:
        return Owner("certain", parents)
    if parents:
        return Owner("possible", parents)
    value = child.attrs.get(via)
    if isinstance(value, str):
        matches = tuple(p for p in index.of_type(*types) if p.attrs.get("id") == value)
        if len(matches) == 1:
            return Owner("certain", matches)
    if isinstance(value, Unknown) and not child.refs.get(via):
        return Owner("undetermined")
    return Owner("elsewhere")


def spread(unknown: Unknown) -> Unknown:
    """``unknown`` as a list element standing for zero or more unseen elements."""
    return Unknown(unknown.reason, unknown.origin, unknown.error, (), True, unknown.partial, unknown.symbol)


def listed(value: Any) -> list[Any]:
    """A list-valued argument as a list: ``[]`` for null, ``[value]`` for a single value, a spread
    unknown element for a whole unknown list (its candidates lost: see :func:`lift` to keep them)."""
    if value is None:
        return []
    if isinstance(value, Unknown):
        return [spread(value)]
    if isinstance(value, list | tuple):
        return [v for v in value if v is not None]
    return [value]


def lift(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, or an unknown: an unknown argument without candidates is the result; unknowns
    with candidates give an unknown whose candidates are ``fn`` over every combination."""
    plain = [a for a in args if isinstance(a, Unknown) and not a.candidates]
    if plain:
        return plain[0]
    with_candidates = [a for a in args if isinstance(a, Unknown)]
    if not with_candidates:
        return fn(*args)
    pools = [a.candidates if isinstance(a, Unknown) else (a,) for a in args]
    total = 1
    for pool in pools:
        total *= len(pool)
    first = with_candidates[0]
    if total > _MAX_COMBINATIONS:
        return Unknown(first.reason, first.origin, first.error)
    results = tuple(lift(fn, *combo) for combo in itertools.product(*pools))
    return Unknown(first.reason, first.origin, first.error, results)


def concat(*parts: Any) -> Any:
    """Lists (or unknown lists) joined: an unknown part with candidates keeps them (one candidate
    per combination), one without is a spread element in place."""
    def join(*known: Any) -> list[Any]:
        return [item for part in known for item in listed(part)]

    if any(isinstance(p, Unknown) and p.candidates for p in parts):
        return lift(join, *parts)
    return join(*parts)


def maybe(item: Mapping[str, Any], empty: Mapping[str, Any], reason: str, origin: str | None = None) -> Unknown:
    """A list item that may or may not be there: either ``item`` or ``empty`` (an item no rule can
    match, e.g. an ingress rule with no sources), so a rule decides only where both agree."""
    return Unknown(reason, origin, candidates=(dict(item), dict(empty)))


def located(instance: TfInstance) -> str:
    """``address (file:line)`` for origins and evidence."""
    return f"{instance.address} ({where(instance)})"


def known_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


_IDENTIFIER = re.compile(r"(?:^|_)(?:arn|id)$")


def identifier(instance: TfInstance, argument: str, value: Any = None) -> Any:
    """``value`` (``instance.<argument>`` by default), or, when it is the id or ARN of another
    resource known only after apply, the reference itself (``aws_kms_key.trail.arn``): an id or
    ARN always exists, so the argument is set although its text is not known yet. A plan names no
    source attribute: an unknown computed from exactly one resource is ``"<address> (known after
    apply)"``. An empty string is no id (the provider's "not set"). Anything else stays as it is."""
    if value is None:
        value = instance.attrs.get(argument)
    if isinstance(value, str) and not value.strip():
        return None
    if not isinstance(value, Unknown) or value.candidates:
        return value
    refs = instance.refs.get(argument, ())
    if value.symbol and "${" not in value.symbol:
        source, _, attribute = value.symbol.rpartition(".")
        if _IDENTIFIER.search(attribute) and (source in refs or config_address(source) in refs):
            return value.symbol
    if instance.input == "terraform-plan" and len(refs) == 1:
        return f"{refs[0]} (known after apply)"
    return value


# --- EC2 network rules ----------------------------------------------------------------------------

_PROTOCOL_NAMES = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def _every(bound: Any) -> bool:
    """``-1`` as a tcp/udp bound: every port (as the EC2 API reports a range of -1 to -1)."""
    return str(bound).strip() == "-1"
_PORTED = ("tcp", "udp")


def protocol_name(raw: Any) -> Any:
    """``"-1"``/``"all"`` -> ``all``, ``"6"`` -> ``tcp`` ... (the names the EC2 API reports); an
    unknown stays unknown (with its candidates named too)."""
    def name(value: Any) -> Any:
        if value is None:
            return Unknown("no protocol given")
        text = str(value).strip().lower()
        return _PROTOCOL_NAMES.get(text, text)

    return lift(name, raw)


def port_span(protocol: Any, low: Any, high: Any) -> Any:
    """The ports a rule opens, as the EC2 API reports them: ``"all"`` for every protocol (whatever
    the bounds say) and for tcp/udp from -1 to -1, ``{from, to}`` for tcp/udp, None where the
    protocol has no ports. An unknown
    protocol leaves the ports unknown (it may be ``-1``: every port)."""
    def span(proto: Any) -> Any:
        if proto == "all":
            return "all"
        if proto not in _PORTED:
            return None
        return lift(lambda lo, hi: "all" if _every(lo) and _every(hi) else {"from": lo, "to": hi}, low, high)

    if isinstance(protocol, Unknown) and not protocol.candidates:
        return Unknown(f"the protocol is not known: {protocol.reason}", protocol.origin, protocol.error)
    return lift(span, protocol)


def merge_by_ports(items: list[Any], fields: tuple[str, ...], *, differing: tuple[str, ...] = (),
                   qualifies: Callable[[Mapping[str, Any]], bool] = lambda item: True) -> list[Any]:
    """Network rule items that qualify and have the same known protocol and ports as one item:
    ``fields`` joined in order, ``differing`` fields None where the items disagree. A rule cannot be
    judged on its sources alone when others on the same ports add to them (the world in two halves
    is the world; the EC2 API itself reports security-group rules merged this way). A *maybe* item
    (an unknown whose first candidate is the item) on the same protocol and ports adds an unknown
    source to the merged item: its sources may complete the others'. Every other item is kept."""
    out: list[Any] = []
    by_key: dict[str, dict[str, Any]] = {}
    maybes: list[tuple[str, Unknown]] = []
    for item in items:
        key = _ports_key(item, qualifies)
        if key is None:
            out.append(item)
            first = item.candidates[0] if isinstance(item, Unknown) and item.candidates else None
            possible = _ports_key(first, qualifies)
            if possible is not None and isinstance(item, Unknown):
                maybes.append((possible, item))
            continue
        if key not in by_key:
            by_key[key] = {**item}
            out.append(by_key[key])
            continue
        into = by_key[key]
        for name in fields:
            into[name] = concat(into[name], item[name])
        for name in differing:
            if into.get(name) != item.get(name):
                into[name] = None
    for key, possible_item in maybes:
        if key in by_key:
            by_key[key]["sources"] = concat(by_key[key]["sources"], [
                Unknown(f"sources that may be added: {possible_item.reason}", possible_item.origin, spread=True)])
    return out


def _ports_key(item: Any, qualifies: Callable[[Mapping[str, Any]], bool]) -> str | None:
    if not isinstance(item, Mapping) or not qualifies(item):
        return None
    protocol, ports = item.get("protocol"), item.get("ports")
    if not isinstance(protocol, str) or isinstance(ports, Unknown):
        return None
    if isinstance(ports, Mapping):
        if not all(isinstance(ports.get(k), int) and not isinstance(ports.get(k), bool) for k in ("from", "to")):
            return None
        return f"{protocol}:{ports['from']}-{ports['to']}"
    return f"{protocol}:{ports}"
