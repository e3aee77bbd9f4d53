"""What security-group rules open together, for Terraform and live facts alike.

Security-group rules are allow-only and add up: a port is reachable from every source of every
rule whose protocol and port range include it. Rules on the same protocol and ports are merged
into one item already (the EC2 API reports them so); rules whose ranges merely *overlap* are not,
so ``0.0.0.0/1`` on 11112 and ``128.0.0.0/1`` on 11000-12000 would each be judged on half the
internet. :func:`overlaps` adds one item per port range that several rules open together (tcp and
udp; a rule for every protocol counts for both), with the sources of all of them, so a rule that
asks whether a port is open to the whole internet sees the union. A rule whose protocol or ports
are not known may complete another's sources: beside each rule with known ports it adds an item
whose ports are those or none (unknown), so the union is judged unknown, never "not the world".
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.facts.values import Unknown

__all__ = ["TOGETHER", "overlaps", "with_overlaps"]

#: the description of an item standing for several rules' sources on the ports they share
TOGETHER = "opened together by several rules on overlapping ports"
_ALL_PORTS = (0, 65535)
_MAX_ITEMS = 256


def _span(item: Any, protocol: str) -> tuple[int, int] | None:
    """The ports ``item`` opens for ``protocol`` (tcp/udp), None when it opens none or is not known."""
    if not isinstance(item, Mapping):
        return None
    have, ports = item.get("protocol"), item.get("ports")
    if have == "all":
        return _ALL_PORTS
    if have != protocol or isinstance(ports, Unknown):
        return None
    if ports == "all":
        return _ALL_PORTS
    if isinstance(ports, Mapping):
        low, high = ports.get("from"), ports.get("to")
        if isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool) \
                and not isinstance(high, bool) and low <= high:
            return low, high
    return None


def _joined(members: Sequence[Mapping[str, Any]], name: str) -> Any:
    out: list[Any] = []
    for member in members:
        value = member.get(name)
        if isinstance(value, Unknown):
            out.append(Unknown(value.reason, value.origin, value.error, spread=True))
        elif isinstance(value, list | tuple):
            out.extend(value)
    return out


def _adds_nothing(members: Sequence[Mapping[str, Any]], joined: Mapping[str, list[Any]]) -> bool:
    """True when one member alone already has every source the members have together."""
    if any(isinstance(v, Unknown) for values in joined.values() for v in values):
        return False
    for member in members:
        own = {name: member.get(name) for name in joined}
        if all(isinstance(values, list | tuple) and all(v in values for v in joined[name])
               for name, values in own.items()):
            return True
    return False


def overlaps(items: Sequence[Any], fields: tuple[str, ...] = ("sources", "prefix_lists", "source_groups")) -> list[
        dict[str, Any]]:
    """Items for the port ranges that two or more of ``items`` (with different protocols or port
    ranges) open together: ``fields`` joined, ``description`` :data:`TOGETHER`. Adjacent ranges
    opened by the same rules are one item."""
    out: list[dict[str, Any]] = []
    for protocol in ("tcp", "udp"):
        covering = [(span, item) for item in items if (span := _span(item, protocol)) is not None]
        out += _with_unsure(items, protocol, covering, fields)
        if len(covering) < 2:
            continue
        bounds = sorted({low for (low, _), _ in covering} | {high + 1 for (_, high), _ in covering})
        previous: tuple[tuple[int, ...], dict[str, Any]] | None = None
        for low, after in itertools.pairwise(bounds):
            ids = tuple(i for i, ((start, end), _) in enumerate(covering) if start <= low and after - 1 <= end)
            if len(ids) < 2:
                previous = None
                continue
            if previous is not None and previous[0] == ids:
                previous[1]["ports"]["to"] = after - 1
                continue
            members = [covering[i][1] for i in ids]
            joined = {name: _joined(members, name) for name in fields}
            previous = None
            if _adds_nothing(members, joined):
                continue
            item = {"protocol": protocol, "ports": {"from": low, "to": after - 1}, **joined, "description": TOGETHER}
            out.append(item)
            previous = (ids, item)
            if len(out) >= _MAX_ITEMS:
                return out
    return out


def _unsure(item: Any, protocol: str) -> bool:
    """A rule that may open ``protocol`` ports nobody can name: its protocol or its ports are not known."""
    if not isinstance(item, Mapping) or _span(item, protocol) is not None:
        return False
    have = item.get("protocol")
    return isinstance(have, Unknown) or (have == protocol and item.get("ports") is not None)


def _with_unsure(items: Sequence[Any], protocol: str, covering: Sequence[tuple[tuple[int, int], Any]],
                 fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """For a rule whose ports are not known beside a rule whose are: the known rule's ports, opened to
    both rules' sources if the unknown ports reach them (ports one of the range or none), so that
    sources completing each other are unknown, never "not the whole internet"."""
    out: list[dict[str, Any]] = []
    for unsure in (item for item in items if _unsure(item, protocol)):
        ports = unsure.get("ports")
        origin = ports.origin if isinstance(ports, Unknown) else None
        for (low, high), known in covering:
            joined = {name: _joined([known, unsure], name) for name in fields}
            if _adds_nothing([known], joined):
                continue
            span = {"from": low, "to": high}
            reach = Unknown(f"ports {low}-{high} are opened to both rules' sources only if the ports of one of "
                            "them, which are not known, reach them", origin, candidates=(span, None))
            out.append({"protocol": protocol, "ports": reach, **joined, "description": TOGETHER})
    return out


def with_overlaps(items: Sequence[Any]) -> list[Any]:
    """``items``, then what those on overlapping ports open together (:func:`overlaps`)."""
    return [*items, *overlaps(items)]
