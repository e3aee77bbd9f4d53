"""``aws.ec2.security_group`` from Terraform: each group with every ingress rule that applies to it.

Groups: ``aws_security_group`` and ``aws_default_security_group`` (Terraform strips the default
group's rules and applies only those declared, so its ``ingress`` is exactly what is written).
Ingress rules: the groups' inline ``ingress`` (blocks, ``dynamic`` blocks or ``ingress = [...]``),
``aws_security_group_rule`` (``type = "ingress"``; a ``type`` that is not known may be ingress)
and ``aws_vpc_security_group_ingress_rule``, folded into the group their ``security_group_id``
names. A rule whose group is one of several instances is a *maybe* item on each; a rule whose
group is not in this configuration (a literal id, a data source) or cannot be told (a variable
with no value) is a group of its own at the rule's address, ``group_id`` as written or unknown,
so a world-open rule is judged whatever it is attached to.

Each ingress item is shaped as the EC2 API reports an ``IpPermissions`` entry (see
``scanner/collectors/aws/network.py``): ``protocol`` (``all``, ``tcp``, ``udp``, ``icmp``...),
``ports`` (``"all"``, ``{from, to}``, None), ``sources`` (IPv4 and IPv6 CIDRs and the entries of
the prefix lists it names), ``prefix_lists`` and ``source_groups`` (referenced groups, ``self``),
which can never be the whole internet. Items with the same known protocol and ports are merged,
as the API merges them, so sources split over several rules are judged together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, blocks, resource
from policies.terraform.aws.common import (
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
from policies.terraform.aws.prefix_lists import PrefixLists
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance
from scanner.netrules import with_overlaps

KIND = "aws.ec2.security_group"
GROUP_TYPES = ("aws_security_group", "aws_default_security_group")
RULE_TYPES = ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule")
_RULE_ARGUMENTS = ("type", "protocol", "ip_protocol", "from_port", "to_port", "cidr_blocks", "ipv6_cidr_blocks",
                   "cidr_ipv4", "cidr_ipv6", "prefix_list_ids", "prefix_list_id", "security_group_id")


def security_groups(index: Index) -> list[Resource]:
    prefix_lists = PrefixLists(index)
    folded: dict[str, list[Any]] = {}
    subs: dict[str, list[TfInstance]] = {}
    out: list[Resource] = []
    for rule in index.of_type(*RULE_TYPES):
        item = _rule_item(rule, prefix_lists)
        if item is None:
            continue
        found = owner(index, rule, "security_group_id", GROUP_TYPES)
        if found.link in ("elsewhere", "undetermined"):
            out.append(_orphan(rule, item))
            continue
        for group in found.parents:
            if found.link == "possible" or rule.exists is not None:
                why = rule.exists.reason if rule.exists is not None and found.link == "certain" else (
                    f"{rule.address} may configure this group (its security_group_id is one of "
                    f"{len(found.parents)} groups)")
                folded.setdefault(group.address, []).append(_maybe(item, why, located(rule)))
            else:
                folded.setdefault(group.address, []).append(item)
            subs.setdefault(group.address, []).append(rule)
    for group in index.of_type(*GROUP_TYPES):
        out.append(_group(group, prefix_lists, folded.get(group.address, []), subs.get(group.address, [])))
    return out


def _group(group: TfInstance, prefix_lists: PrefixLists, folded: list[Any], rules: list[TfInstance]) -> Resource:
    attrs = group.attrs
    is_default = group.type == "aws_default_security_group"
    inline = attrs.get("ingress")
    if isinstance(inline, Unknown) and inline.candidates:
        ingress: Any = lift(lambda value: merged([*_inline(value, prefix_lists), *folded]), inline)
    else:
        ingress = merged([*_inline(inline, prefix_lists), *folded])
    name = "default" if is_default else arg(attrs, "name", arg(attrs, "name_prefix"))
    facts = {
        "group_id": known_str(attrs.get("id")),
        "group_name": name,
        "vpc_id": attrs.get("vpc_id"),
        "is_default": is_default,
        "ingress": ingress,
    }
    origins = {key: located(group) for key in facts}
    return resource(KIND, group, facts, name=name if isinstance(name, str) else None, tags=attrs.get("tags"),
                    configured_by=rules, origins=origins,
                    traced={"ingress": ("ingress", *_RULE_ARGUMENTS), "vpc_id": ("vpc_id",)})


def _inline(value: Any, prefix_lists: PrefixLists) -> list[Any]:
    items: list[Any] = []
    for block in blocks({"ingress": value}, "ingress"):
        if isinstance(block, Unknown) and not block.candidates:
            items.append(block if block.spread else spread(block))
        else:
            items.append(lift(lambda b: _inline_item(b, prefix_lists), block))
    return items


def _inline_item(block: Any, prefix_lists: PrefixLists) -> Any:
    if not isinstance(block, Mapping):
        return Unknown(f"an ingress rule that is not a block: {block!r}")
    groups = listed(block.get("security_groups"))
    self_ref = block.get("self")
    if isinstance(self_ref, Unknown) or self_ref is True:
        groups.append("self" if self_ref is True else self_ref)
    return _item(block.get("protocol"), block.get("from_port"), block.get("to_port"),
                 concat(block.get("cidr_blocks"), block.get("ipv6_cidr_blocks"),
                        prefix_lists.entries(block.get("prefix_list_ids"))),
                 listed(block.get("prefix_list_ids")), groups, block.get("description"))


def _rule_item(rule: TfInstance, prefix_lists: PrefixLists) -> Any:
    """The ingress item a rule resource adds (a maybe item when its type is not known), or None
    for an egress rule."""
    a = rule.attrs
    if rule.type == "aws_vpc_security_group_ingress_rule":
        groups = listed(a.get("referenced_security_group_id"))
        ids = listed(a.get("prefix_list_id"))
        return _item(a.get("ip_protocol"), a.get("from_port"), a.get("to_port"),
                     concat(a.get("cidr_ipv4"), a.get("cidr_ipv6"), prefix_lists.entries(ids)), ids, groups,
                     a.get("description"))
    groups = listed(a.get("source_security_group_id"))
    self_ref = a.get("self")
    if isinstance(self_ref, Unknown) or self_ref is True:
        groups.append("self" if self_ref is True else self_ref)
    ids = listed(a.get("prefix_list_ids"))
    item = _item(a.get("protocol"), a.get("from_port"), a.get("to_port"),
                 concat(a.get("cidr_blocks"), a.get("ipv6_cidr_blocks"), prefix_lists.entries(ids)), ids, groups,
                 a.get("description"))
    kind = a.get("type")
    if kind == "ingress":
        return item
    if isinstance(kind, Unknown):
        if kind.candidates and all(c == "egress" for c in kind.candidates):
            return None
        if kind.candidates and all(c == "ingress" for c in kind.candidates):
            return item
        return _maybe(item, f"whether {rule.address} is an ingress rule is not known: {kind.reason}", kind.origin)
    return None


def _item(protocol: Any, low: Any, high: Any, sources: Any, prefix_lists: list[Any], groups: list[Any],
          description: Any) -> dict[str, Any]:
    name = protocol_name(protocol)
    return {
        "protocol": name,
        "ports": port_span(name, low, high),
        "sources": sources,
        "prefix_lists": prefix_lists,
        "source_groups": groups,
        "description": description,
    }


def _maybe(item: Any, reason: str, origin: str | None) -> Unknown:
    if isinstance(item, Unknown):
        return Unknown(reason, origin, item.error)
    return maybe(item, {**item, "sources": [], "prefix_lists": [], "source_groups": []}, reason, origin)


def _orphan(rule: TfInstance, item: Any) -> Resource:
    """A rule whose group is not declared here (or cannot be told) is judged as a group of its own."""
    group_id = rule.attrs.get("security_group_id")
    if not isinstance(group_id, str | Unknown):
        group_id = Unknown(f"{rule.address} names no security group")
    unseen = Unknown(f"the group {rule.address} configures is not declared in this configuration")
    facts = {"group_id": group_id, "group_name": unseen, "vpc_id": unseen, "is_default": unseen, "ingress": [item]}
    origins = {key: located(rule) for key in facts}
    return resource(KIND, rule, facts, origins=origins, traced={"ingress": _RULE_ARGUMENTS,
                                                                "group_id": ("security_group_id",)})


def merged(items: list[Any]) -> list[Any]:
    """Items with the same known protocol and ports as one item, as DescribeSecurityGroups reports
    them (see :func:`~policies.terraform.aws.common.merge_by_ports`), then what items on overlapping
    ports open together (:func:`scanner.netrules.overlaps`)."""
    return with_overlaps(merge_by_ports(items, ("sources", "prefix_lists", "source_groups"),
                                        differing=("description",)))
