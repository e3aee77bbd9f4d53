"""``google_compute_firewall`` -> ``gcp.compute.firewall`` (the facts ``firewalls.list`` gives live).

* ``direction`` defaults to ``INGRESS``, ``disabled`` to false, ``priority`` to 1000.
* ``source_ranges``, ``source_tags`` and ``source_service_accounts`` are ``[]`` when absent (known
  absent: an INGRESS rule without any of them applies to 0.0.0.0/0), unknown when their value is
  (``var.ranges`` with no value), with unknown elements kept (``concat(var.ranges, ["0.0.0.0/0"])``
  still knows ``0.0.0.0/0``).
* ``allowed`` / ``denied``: one item per protocol and port (range) of each ``allow`` / ``deny``
  block, as live: ``ports`` ``{from, to}`` for ``"22"`` or ``"8000-9000"``, ``"all"`` for a block
  without ports; anything else (``"9000-8000"``, ``"ssh"``) stays as written and its type makes it
  unknown. A block nobody could see (a ``dynamic`` block over an unknown collection) is an unknown
  item; an iterator value that is not known (``allow.value.ports``) is an unknown protocol or ports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from policies.terraform.attrs import blocks, resource
from policies.terraform.gcp.common import as_list, identifier, lower, made, upper, value
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KIND = "gcp.compute.firewall"
_RANGE = re.compile(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?")
_NETWORKS = ("google_compute_network",)


def firewalls(index: Index) -> Iterator[Resource]:
    for instance in index.of_type("google_compute_firewall"):
        yield firewall(index, instance)


def firewall(index: Index, instance: TfInstance) -> Resource:
    attrs = instance.attrs
    facts = {
        "direction": upper(value(instance, "direction", "INGRESS")),
        "disabled": value(instance, "disabled", False),
        "priority": value(instance, "priority", 1000),
        "source_ranges": as_list(value(instance, "source_ranges")),
        "source_tags": as_list(value(instance, "source_tags")),
        "source_service_accounts": as_list(value(instance, "source_service_accounts")),
        "target_tags": as_list(value(instance, "target_tags")),
        "target_service_accounts": as_list(value(instance, "target_service_accounts")),
        "allowed": entries(blocks(attrs, "allow")),
        "denied": entries(blocks(attrs, "deny")),
        "network": identifier(index, instance, "network", attrs.get("network"), _NETWORKS),
    }
    origins, traced = made(instance, {
        **{key: [key] for key in ("direction", "disabled", "priority", "source_ranges", "source_tags",
                                  "source_service_accounts", "target_tags", "target_service_accounts", "network")},
        "allowed": ["allow"], "denied": ["deny"],
    })
    return resource(KIND, instance, facts, name=attrs.get("name"), origins=origins, traced=traced)


def entries(found: list[Any]) -> list[Any]:
    """Allow (or deny) blocks as items ``{protocol, ports}``, one per port (range)."""
    out: list[Any] = []
    for block in found:
        if isinstance(block, Unknown):
            out.append(Unknown(block.reason, block.origin, block.error, block.candidates, True))
            continue
        if not isinstance(block, dict):
            out.append(Unknown(f"not a firewall block: {block!r}"))
            continue
        protocol = lower(block.get("protocol"))
        ports = block.get("ports")
        if isinstance(ports, Unknown):
            out.append({"protocol": protocol, "ports": Unknown(ports.reason, ports.origin, ports.error)})
            continue
        specs = as_list(ports)
        if not isinstance(specs, list):
            out.append({"protocol": protocol, "ports": specs})
            continue
        if not specs:
            out.append({"protocol": protocol, "ports": "all"})
        for spec in specs:
            out.append({"protocol": protocol, "ports": port_range(spec)})
    return out


def port_range(spec: Any) -> Any:
    """``"22"`` / ``22`` -> ``{from: 22, to: 22}``, ``"8000-9000"`` -> ``{from: 8000, to: 9000}``
    (reversed ranges stay reversed: the type makes them unknown); an unknown element stands for
    ports nobody could see; anything else is returned as written (unknown by its type)."""
    if isinstance(spec, Unknown):
        return Unknown(spec.reason, spec.origin, spec.error, tuple(port_range(c) for c in spec.candidates))
    if isinstance(spec, int) and not isinstance(spec, bool):
        return {"from": spec, "to": spec}
    if isinstance(spec, str):
        match = _RANGE.fullmatch(spec)
        if match is not None:
            low = int(match.group(1))
            return {"from": low, "to": int(match.group(2)) if match.group(2) else low}
    return spec
