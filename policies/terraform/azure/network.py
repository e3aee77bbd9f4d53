"""``azurerm_network_security_group`` (+ ``azurerm_network_security_rule``,
``azurerm_network_watcher_flow_log``) -> ``azure.network.nsg``.

The rules are the inline ``security_rule`` blocks (block, list-of-objects or ``dynamic`` syntax)
and the separate rule resources naming the group by name and resource group. Each rule becomes the
live collector's shape: ``direction``/``access``/``protocol`` in ARM spelling (azurerm compares
them case-insensitively), ``sources`` = ``source_address_prefix`` + ``source_address_prefixes``,
``ports`` = ``destination_port_range`` + ``destination_port_ranges`` as ``{range: {from, to}, spec}``
(``*`` is 0-65535). Nothing is guessed: a ``dynamic`` block over an unknown collection, a
``security_rule = var.rules`` with no value, an iterator value the evaluator could not know, stay
unknown (a rule nobody could see is an unknown element of ``rules``, never "no rules"); a port spec
that is not a literal range is kept as written and is unknown by type; a reversed range is unknown.
Flow logs are the Network Watcher flow logs whose ``network_security_group_id`` (azurerm v3) or
``target_resource_id`` (v4) is the group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, blocks, path
from policies.terraform.azure.common import UNSURE, Facts, canonical, declared, unseen
from policies.terraform.azure.links import Target, by_any, by_name, linked
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KIND = "azure.network.nsg"
NSG = "azurerm_network_security_group"
RULE = "azurerm_network_security_rule"
FLOW_LOG = "azurerm_network_watcher_flow_log"
ARM_TYPE = "Microsoft.Network/networkSecurityGroups"
_RANGE = re.compile(r"(\d+)\s*-\s*(\d+)")


def nsgs(index: Index) -> list[Resource]:
    return [nsg(index, instance) for instance in index.of_type(NSG)]


def nsg(index: Index, instance: TfInstance) -> Resource:
    target = Target(instance, ((ARM_TYPE, instance.attrs.get("name")),))
    facts = Facts(instance)
    separate = linked(index, (RULE,), lambda child: by_name(
        index, target, child, "network_security_group_name", "resource_group_name"))
    rules: list[Any] = [rule(r) for r in blocks(instance.attrs, "security_rule")]
    rules += [rule(r.attrs) for r in separate.certain]
    rules += [unseen(f"{declared(r)} may be a rule of this group ({UNSURE})")
              for r in separate.possible]
    facts.put("rules", rules, "security_rule", "source_address_prefix", "source_address_prefixes",
              "destination_port_range", "destination_port_ranges",
              sources=[*separate.certain, *separate.possible])
    logs = linked(index, (FLOW_LOG,), lambda child: by_any(
        index, target, child, ids=("network_security_group_id", "target_resource_id")))
    flow: list[Any] = [{"id": f.address, "enabled": f.attrs.get("enabled"),
                        "retention_days": path(f.attrs, "retention_policy", "days")} for f in logs.certain]
    flow += [unseen(f"{declared(f)} may be a flow log of this group ({UNSURE})") for f in logs.possible]
    facts.put("flow_logs", flow, "enabled", sources=[*logs.certain, *logs.possible], own=False)
    return facts.resource(KIND, name=instance.attrs.get("name"), tags=arg(instance.attrs, "tags", {}))


def rule(value: Any) -> Any:
    """One security rule in the live collector's shape; an unseen rule stays unknown."""
    if not isinstance(value, Mapping):
        return value if isinstance(value, Unknown) else Unknown(f"not a security rule: {value!r}")
    return {
        "name": value.get("name"),
        "priority": value.get("priority"),
        "direction": canonical(value.get("direction"), ("Inbound", "Outbound"), "an NSG direction"),
        "access": canonical(value.get("access"), ("Allow", "Deny"), "an NSG access"),
        "protocol": canonical(value.get("protocol"), ("Tcp", "Udp", "Icmp", "Esp", "Ah", "*"), "an NSG protocol"),
        "sources": _listed(value, "source_address_prefix", "source_address_prefixes"),
        "ports": ports(_listed(value, "destination_port_range", "destination_port_ranges")),
    }


def _listed(rule: Mapping[str, Any], single: str, many: str) -> list[Any]:
    """``single`` and the items of ``many``; unset and ``""`` (a plan's unset string) left out, an
    unknown list kept as an element standing for the items nobody could see."""
    out: list[Any] = []
    one = rule.get(single)
    if one not in (None, ""):
        out.append(one)
    items = rule.get(many)
    if isinstance(items, Unknown):
        out.append(Unknown(items.reason, items.origin, items.error, items.candidates, True, items.partial,
                           items.symbol))
    elif isinstance(items, list | tuple | set | frozenset):
        out += [item for item in items if item not in (None, "")]
    elif items not in (None, ""):
        out.append(items)
    return out


def ports(specs: list[Any]) -> list[Any]:
    """Destination port specs as ``{range: {from, to}, spec}``. None given is unknown (azurerm
    requires one; a rule with no destination port cannot be judged)."""
    if not specs:
        return [Unknown("the rule gives no destination port range")]
    return [spec if isinstance(spec, Unknown) else port_spec(spec) for spec in specs]


def port_spec(spec: Any) -> dict[str, Any]:
    """``*`` -> 0-65535, ``a-b``, ``n``; anything else is kept as written (unknown by type)."""
    if isinstance(spec, int) and not isinstance(spec, bool):
        return {"range": {"from": spec, "to": spec}, "spec": str(spec)}
    written = str(spec).strip() if isinstance(spec, str) else spec
    if written == "*":
        return {"range": {"from": 0, "to": 65535}, "spec": written}
    if isinstance(written, str):
        match = _RANGE.fullmatch(written)
        if match is not None:
            return {"range": {"from": int(match.group(1)), "to": int(match.group(2))}, "spec": written}
        if written.isdigit():
            return {"range": {"from": int(written), "to": int(written)}, "spec": written}
    return {"range": written, "spec": written}
