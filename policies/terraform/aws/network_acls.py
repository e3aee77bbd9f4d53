"""``aws.ec2.network_acl`` from Terraform: each network ACL with its inbound entries.

ACLs: ``aws_network_acl`` and ``aws_default_network_acl`` (Terraform removes the default ACL's
entries and creates only those declared). Inbound entries: the inline ``ingress`` blocks and every
``aws_network_acl_rule`` with ``egress = false`` (the default; an unknown ``egress`` may be
inbound) whose ``network_acl_id`` names the ACL, or names a VPC's ``default_network_acl_id`` that
an ``aws_default_network_acl`` of the configuration manages. A rule whose ACL is not declared
here, or cannot be told, is an ACL of its own at the rule's address, so a world-open entry is
judged whatever it is attached to.

Entries are shaped as the EC2 API reports them (``scanner/collectors/aws/network.py``):
``rule_number``, ``action`` (``allow``/``deny``), ``protocol``, ``ports`` and ``sources`` (the
IPv4 or IPv6 CIDR), in rule-number order where the numbers are known; allow entries on the same
protocol and ports are one entry with their sources together, as live. As live, a lower-numbered
deny that shadows an allow is not credited: the rules err towards fail, never towards pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import blocks, resource
from policies.terraform.aws.common import (
    Owner,
    concat,
    known_str,
    lift,
    listed,
    located,
    maybe,
    merge_by_ports,
    owner,
    port_span,
    protocol_name,
    spread,
)
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KIND = "aws.ec2.network_acl"
ACL_TYPES = ("aws_network_acl", "aws_default_network_acl")
RULE_TYPE = "aws_network_acl_rule"
_RULE_ARGUMENTS = ("network_acl_id", "rule_number", "egress", "protocol", "rule_action", "cidr_block",
                   "ipv6_cidr_block", "from_port", "to_port")


def network_acls(index: Index) -> list[Resource]:
    folded: dict[str, list[Any]] = {}
    subs: dict[str, list[TfInstance]] = {}
    out: list[Resource] = []
    for rule in index.of_type(RULE_TYPE):
        item = _rule_item(rule)
        if item is None:
            continue
        found = _owner(index, rule)
        if found.link in ("elsewhere", "undetermined"):
            out.append(_orphan(rule, item))
            continue
        for acl in found.parents:
            if found.link == "certain" and rule.exists is None:
                folded.setdefault(acl.address, []).append(item)
            else:
                why = (rule.exists.reason if rule.exists is not None and found.link == "certain" else
                       f"{rule.address} may configure this ACL (its network_acl_id is one of {len(found.parents)})")
                folded.setdefault(acl.address, []).append(_maybe(item, why, located(rule)))
            subs.setdefault(acl.address, []).append(rule)
    for acl in index.of_type(*ACL_TYPES):
        out.append(_acl(acl, folded.get(acl.address, []), subs.get(acl.address, [])))
    return out


def _owner(index: Index, rule: TfInstance) -> Owner:
    found = owner(index, rule, "network_acl_id", ACL_TYPES)
    if found.link != "elsewhere":
        return found
    vpcs = set(rule.refs.get("network_acl_id", ()))
    defaults = tuple(a for a in index.of_type("aws_default_network_acl")
                     if vpcs and vpcs <= set(a.refs.get("default_network_acl_id", ())))
    return Owner("certain", defaults) if len(defaults) == 1 else found


def _acl(acl: TfInstance, folded: list[Any], rules: list[TfInstance]) -> Resource:
    attrs = acl.attrs
    inline = attrs.get("ingress")
    if isinstance(inline, Unknown) and inline.candidates:
        ingress: Any = lift(lambda value: _merged(_ordered([*_inline(value), *folded])), inline)
    else:
        ingress = _merged(_ordered([*_inline(inline), *folded]))
    facts = {
        "network_acl_id": known_str(attrs.get("id")),
        "vpc_id": attrs.get("vpc_id"),
        "is_default": acl.type == "aws_default_network_acl",
        "subnets": listed(attrs.get("subnet_ids")),
        "ingress": ingress,
    }
    origins = {key: located(acl) for key in facts}
    return resource(KIND, acl, facts, tags=attrs.get("tags"), configured_by=rules, origins=origins,
                    traced={"ingress": ("ingress", *_RULE_ARGUMENTS), "subnets": ("subnet_ids",)})


def _inline(value: Any) -> list[Any]:
    items: list[Any] = []
    for block in blocks({"ingress": value}, "ingress"):
        if isinstance(block, Unknown) and not block.candidates:
            items.append(block if block.spread else spread(block))
        else:
            items.append(lift(lambda b: _entry(b, "rule_no", "action"), block))
    return items


def _rule_item(rule: TfInstance) -> Any:
    egress = rule.attrs.get("egress", False)
    item = _entry(rule.attrs, "rule_number", "rule_action")
    if egress is False or egress is None:
        return item
    if isinstance(egress, Unknown):
        if egress.candidates and all(c is True for c in egress.candidates):
            return None
        return _maybe(item, f"whether {rule.address} is an inbound entry is not known: {egress.reason}", egress.origin)
    return None


def _entry(block: Any, number: str, action: str) -> Any:
    if not isinstance(block, Mapping):
        return Unknown(f"an ACL entry that is not a block: {block!r}")
    protocol = protocol_name(block.get("protocol"))
    verb = block.get(action)
    return {
        "rule_number": block.get(number),
        "action": verb.strip().lower() if isinstance(verb, str) else verb,
        "protocol": protocol,
        "ports": port_span(protocol, block.get("from_port"), block.get("to_port")),
        "sources": concat(_cidr(block.get("cidr_block")), _cidr(block.get("ipv6_cidr_block"))),
    }


def _cidr(value: Any) -> Any:
    """An ACL entry names one CIDR of either family; the other is null or "" (the provider's empty)."""
    return None if value == "" else value


def _maybe(item: Any, reason: str, origin: str | None) -> Unknown:
    if isinstance(item, Unknown):
        return Unknown(reason, origin, item.error)
    return maybe(item, {**item, "sources": []}, reason, origin)


def _merged(items: list[Any]) -> list[Any]:
    """Allow entries on the same protocol and ports as one entry (the lowest number first: ordered
    before), as the live collector reports them: each entry names one CIDR, so only together do
    they say what a port is open to."""
    return merge_by_ports(items, ("sources",), qualifies=lambda item: item.get("action") == "allow")


def _ordered(items: list[Any]) -> list[Any]:
    """In rule-number order where every number is known (as the API lists them), else as written."""
    numbers = [i.get("rule_number") if isinstance(i, Mapping) else None for i in items]
    known = [n for n in numbers if isinstance(n, int) and not isinstance(n, bool)]
    if len(known) == len(items):
        return [i for _, i in sorted(zip(known, items, strict=True), key=lambda pair: pair[0])]
    return items


def _orphan(rule: TfInstance, item: Any) -> Resource:
    acl_id = rule.attrs.get("network_acl_id")
    if not isinstance(acl_id, str | Unknown):
        acl_id = Unknown(f"{rule.address} names no network ACL")
    unseen = Unknown(f"the ACL {rule.address} configures is not declared in this configuration")
    facts = {"network_acl_id": acl_id, "vpc_id": unseen, "is_default": unseen, "subnets": unseen, "ingress": [item]}
    origins = {key: located(rule) for key in facts}
    return resource(KIND, rule, facts, origins=origins, traced={"ingress": _RULE_ARGUMENTS})
