"""EC2 network facts: security groups, network ACLs, VPCs and their flow logs.

Every listing runs once per region (bounded by the caller's executor). A listing that fails in a
region (denied, throttled past the retries) is a :class:`CollectionFailure` for that type and
region, so every rule over the type is ``error`` there, never an empty "nothing wrong".

``aws.ec2.security_group`` (id: ``arn:aws:ec2:<region>:<owner>:security-group/<id>``)

==============  ================================================================  =======================
key             meaning                                                           source
==============  ================================================================  =======================
group_id        ``sg-...``                                                        DescribeSecurityGroups
group_name      the group name                                                    DescribeSecurityGroups
vpc_id          the VPC the group belongs to                                      DescribeSecurityGroups
is_default      the VPC's default group (named ``default``, a reserved name)      DescribeSecurityGroups
ingress         one item per ingress permission (IpPermissions entry):           DescribeSecurityGroups,
                ``protocol`` (``all`` for -1, ``tcp``, ``udp``, ``icmp``,         GetManagedPrefix-
                ``icmpv6`` or the raw number), ``ports`` (``{from, to}`` for      ListEntries
                tcp/udp, ``"all"`` for protocol all, ``None`` otherwise),
                ``sources`` (IPv4 and IPv6 CIDRs, and the CIDR entries of the
                prefix lists it names: a list whose entries could not be read is
                an unknown source, ``error``), ``prefix_lists`` (``pl-...``) and
                ``source_groups`` (``sg-...`` or ``<account>/sg-...``: a group
                is never the whole internet), ``description``
==============  ================================================================  =======================

``aws.ec2.network_acl`` (id: ``arn:aws:ec2:<region>:<owner>:network-acl/<id>``)

==============  ================================================================  =======================
key             meaning                                                           source
==============  ================================================================  =======================
network_acl_id  ``acl-...``                                                       DescribeNetworkAcls
vpc_id          the VPC                                                           DescribeNetworkAcls
is_default      the VPC's default ACL                                             DescribeNetworkAcls
subnets         associated subnet ids                                             DescribeNetworkAcls
ingress         inbound entries in rule-number order: ``rule_number``,            DescribeNetworkAcls
                ``action`` (``allow``/``deny``), ``protocol``, ``ports`` and
                ``sources`` (the entry's CIDR), shaped as for security groups;
                allow entries on the same protocol and ports are one entry
                with all their CIDRs (the lowest number). A lower-numbered deny
                that shadows an allow is not credited (the rule errs towards
                fail, not pass).
==============  ================================================================  =======================

``aws.ec2.vpc`` (id: ``arn:aws:ec2:<region>:<owner>:vpc/<id>``)

==============  ================================================================  =======================
key             meaning                                                           source
==============  ================================================================  =======================
vpc_id          ``vpc-...``                                                       DescribeVpcs
cidr_block      primary IPv4 CIDR                                                 DescribeVpcs
is_default      the region's default VPC                                          DescribeVpcs
flow_logs       flow logs attached to the VPC: ``id``, ``status``                 DescribeFlowLogs
                (FlowLogStatus, ``ACTIVE``), ``deliver_status``
                (DeliverLogsStatus), ``traffic_type``, ``destination_type``;
                ``[]`` when none
==============  ================================================================  =======================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any, TypeVar

from scanner.collectors.aws.errors import reason
from scanner.collectors.aws.session import AwsSession
from scanner.facts.resource import CollectionFailure, Resource
from scanner.facts.values import Unknown
from scanner.netrules import with_overlaps

Collected = tuple[list[Resource], list[CollectionFailure]]
T = TypeVar("T")

_PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


# --- shared helpers (also used by endpoints.py and audit.py) -------------------------------------

def partition(region: str | None) -> str:
    if region and region.startswith("cn-"):
        return "aws-cn"
    if region and region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item under ``key`` across all pages of ``operation``."""
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def flat_tags(raw: Any) -> dict[str, str]:
    """``[{Key, Value}]`` -> ``{key: value}``."""
    if not isinstance(raw, list):
        return {}
    return {str(t.get("Key")): str(t.get("Value", "")) for t in raw if isinstance(t, Mapping)}


def per_region(session: AwsSession, regions: Sequence[str], pool: Executor, resource_type: str,
               listing: Callable[[str], list[T]]) -> tuple[list[T], list[CollectionFailure]]:
    """Run ``listing`` for every region on ``pool``; a failed listing becomes a CollectionFailure."""
    from botocore.exceptions import BotoCoreError, ClientError

    futures = {region: pool.submit(listing, region) for region in regions}
    resources: list[T] = []
    failures: list[CollectionFailure] = []
    for region, future in futures.items():
        try:
            resources.extend(future.result())
        except (BotoCoreError, ClientError) as err:
            failures.append(CollectionFailure("aws", resource_type, session.account, region, reason(err)))
    return resources, failures


# --- normalization ---------------------------------------------------------------------------------

def protocol_name(raw: Any) -> str:
    text = str(raw).strip().lower()
    return _PROTOCOLS.get(text, text)


def port_range(protocol: str, low: Any, high: Any) -> dict[str, int] | str | None:
    """``{from, to}`` for tcp/udp, ``"all"`` for every protocol, None where ports do not apply."""
    if protocol == "all":
        return "all"
    if protocol not in ("tcp", "udp"):
        return None
    if not isinstance(low, int) or not isinstance(high, int) or (low == -1 and high == -1):
        return "all"
    return {"from": low, "to": high}


#: prefix-list id -> its CIDR entries, or the unknown (error) that stands for entries not read
PrefixEntries = Mapping[str, "list[str] | Unknown"]


def prefix_list_ids(permission: Mapping[str, Any]) -> list[str]:
    return [str(r["PrefixListId"]) for r in permission.get("PrefixListIds", []) if "PrefixListId" in r]


def _permission_sources(permission: Mapping[str, Any], entries: PrefixEntries) -> list[Any]:
    sources: list[Any] = [str(r["CidrIp"]) for r in permission.get("IpRanges", []) if "CidrIp" in r]
    sources += [str(r["CidrIpv6"]) for r in permission.get("Ipv6Ranges", []) if "CidrIpv6" in r]
    for list_id in prefix_list_ids(permission):
        found = entries.get(list_id, Unknown(f"prefix list {list_id}: entries not read", error=True))
        sources += [found] if isinstance(found, Unknown) else found
    return sources


def _source_groups(permission: Mapping[str, Any]) -> list[str]:
    groups = []
    for pair in permission.get("UserIdGroupPairs", []):
        group = str(pair.get("GroupId") or pair.get("GroupName") or "")
        groups.append(f"{pair['UserId']}/{group}" if pair.get("UserId") else group)
    return groups


def permission_item(permission: Mapping[str, Any], entries: PrefixEntries | None = None) -> dict[str, Any]:
    protocol = protocol_name(permission.get("IpProtocol", "-1"))
    descriptions = {str(r["Description"]) for key in ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs")
                    for r in permission.get(key, []) if r.get("Description")}
    return {
        "protocol": protocol,
        "ports": port_range(protocol, permission.get("FromPort"), permission.get("ToPort")),
        "sources": _permission_sources(permission, entries or {}),
        "prefix_lists": prefix_list_ids(permission),
        "source_groups": _source_groups(permission),
        "description": descriptions.pop() if len(descriptions) == 1 else None,
    }


def prefix_list_entries(client: Any, list_ids: set[str]) -> dict[str, list[str] | Unknown]:
    """Each prefix list's CIDR entries (GetManagedPrefixListEntries); a list that cannot be read
    (denied, gone, throttled past the retries) is an unknown source with the reason, ``error``."""
    from botocore.exceptions import BotoCoreError, ClientError

    out: dict[str, list[str] | Unknown] = {}
    for list_id in sorted(list_ids):
        try:
            found = paginate(client, "get_managed_prefix_list_entries", "Entries", PrefixListId=list_id)
        except (BotoCoreError, ClientError) as err:
            out[list_id] = Unknown(f"prefix list {list_id}: {reason(err)}", "GetManagedPrefixListEntries",
                                   error=True)
            continue
        out[list_id] = [str(e["Cidr"]) for e in found if e.get("Cidr")]
    return out


def nacl_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    protocol = protocol_name(entry.get("Protocol", "-1"))
    span = entry.get("PortRange") or {}
    source = entry.get("CidrBlock") or entry.get("Ipv6CidrBlock")
    return {
        "rule_number": entry.get("RuleNumber"),
        "action": str(entry.get("RuleAction", "")).lower(),
        "protocol": protocol,
        "ports": port_range(protocol, span.get("From"), span.get("To")),
        "sources": [str(source)] if source else [],
    }


def merge_allow_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Allow entries on the same protocol and ports as one entry (the first, i.e. lowest-numbered,
    with the sources of all): each entry names one CIDR, so only together do they say what a port
    is open to (0.0.0.0/1 and 128.0.0.0/1 are the whole internet). Deny entries as they are."""
    out: list[dict[str, Any]] = []
    by_key: dict[str, dict[str, Any]] = {}
    for entry in entries:
        ports = entry.get("ports")
        span = f"{ports.get('from')}-{ports.get('to')}" if isinstance(ports, Mapping) else str(ports)
        key = f"{entry.get('protocol')}:{span}"
        if entry.get("action") != "allow":
            out.append(entry)
        elif key in by_key:
            by_key[key]["sources"] = [*by_key[key]["sources"], *entry["sources"]]
        else:
            by_key[key] = {**entry, "sources": list(entry["sources"])}
            out.append(by_key[key])
    return out


def _name(tags: Mapping[str, str], fallback: str) -> str:
    return tags.get("Name") or fallback


# --- security groups -------------------------------------------------------------------------------

def _security_group(group: Mapping[str, Any], region: str, account: str, entries: PrefixEntries) -> Resource:
    tags = flat_tags(group.get("Tags"))
    owner = str(group.get("OwnerId") or account)
    group_id = str(group["GroupId"])
    return Resource(
        provider="aws", type="aws.ec2.security_group",
        id=f"arn:{partition(region)}:ec2:{region}:{owner}:security-group/{group_id}",
        name=str(group.get("GroupName") or group_id), account=account, region=region, tags=tags,
        facts={
            "group_id": group_id, "group_name": group.get("GroupName"), "vpc_id": group.get("VpcId"),
            "is_default": group.get("GroupName") == "default",
            "ingress": with_overlaps([permission_item(p, entries) for p in group.get("IpPermissions", [])]),
        },
    )


def collect_security_groups(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    def listing(region: str) -> list[Resource]:
        client = session.client("ec2", region)
        groups = paginate(client, "describe_security_groups", "SecurityGroups")
        used = {i for g in groups for p in g.get("IpPermissions", []) for i in prefix_list_ids(p)}
        entries = prefix_list_entries(client, used)
        return [_security_group(g, region, session.account, entries) for g in groups]

    return per_region(session, regions, pool, "aws.ec2.security_group", listing)


# --- network ACLs ----------------------------------------------------------------------------------

def _network_acl(acl: Mapping[str, Any], region: str, account: str) -> Resource:
    tags = flat_tags(acl.get("Tags"))
    owner = str(acl.get("OwnerId") or account)
    acl_id = str(acl["NetworkAclId"])
    inbound = sorted((e for e in acl.get("Entries", []) if not e.get("Egress")),
                     key=lambda e: int(e.get("RuleNumber", 0)))
    return Resource(
        provider="aws", type="aws.ec2.network_acl",
        id=f"arn:{partition(region)}:ec2:{region}:{owner}:network-acl/{acl_id}",
        name=_name(tags, acl_id), account=account, region=region, tags=tags,
        facts={
            "network_acl_id": acl_id, "vpc_id": acl.get("VpcId"), "is_default": bool(acl.get("IsDefault")),
            "subnets": [a["SubnetId"] for a in acl.get("Associations", []) if "SubnetId" in a],
            "ingress": merge_allow_entries([nacl_entry(e) for e in inbound]),
        },
    )


def collect_network_acls(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    def listing(region: str) -> list[Resource]:
        acls = paginate(session.client("ec2", region), "describe_network_acls", "NetworkAcls")
        return [_network_acl(a, region, session.account) for a in acls]

    return per_region(session, regions, pool, "aws.ec2.network_acl", listing)


# --- VPCs and flow logs ----------------------------------------------------------------------------

def _flow_log(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": raw.get("FlowLogId"), "status": raw.get("FlowLogStatus"),
        "deliver_status": raw.get("DeliverLogsStatus"), "traffic_type": raw.get("TrafficType"),
        "destination_type": raw.get("LogDestinationType"),
    }


def _flow_logs_by_vpc(client: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for raw in paginate(client, "describe_flow_logs", "FlowLogs"):
        out.setdefault(str(raw.get("ResourceId")), []).append(_flow_log(raw))
    return out


def _vpc(vpc: Mapping[str, Any], region: str, account: str, flow_logs: Mapping[str, Any] | None,
         flow_error: str | None) -> Resource:
    tags = flat_tags(vpc.get("Tags"))
    owner = str(vpc.get("OwnerId") or account)
    vpc_id = str(vpc["VpcId"])
    facts: dict[str, Any] = {"vpc_id": vpc_id, "cidr_block": vpc.get("CidrBlock"),
                             "is_default": bool(vpc.get("IsDefault"))}
    errors: dict[str, str] = {}
    if flow_logs is None:
        errors["flow_logs"] = flow_error or "flow logs not read"
    else:
        facts["flow_logs"] = list(flow_logs.get(vpc_id, []))
    return Resource(
        provider="aws", type="aws.ec2.vpc", id=f"arn:{partition(region)}:ec2:{region}:{owner}:vpc/{vpc_id}",
        name=_name(tags, vpc_id), account=account, region=region, tags=tags, facts=facts, errors=errors,
    )


def collect_vpcs(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    from botocore.exceptions import BotoCoreError, ClientError

    def listing(region: str) -> list[Resource]:
        client = session.client("ec2", region)
        vpcs = paginate(client, "describe_vpcs", "Vpcs")
        flow_logs: dict[str, list[dict[str, Any]]] | None = None
        flow_error = None
        if vpcs:
            try:
                flow_logs = _flow_logs_by_vpc(client)
            except (BotoCoreError, ClientError) as err:
                flow_error = reason(err)
        return [_vpc(v, region, session.account, flow_logs, flow_error) for v in vpcs]

    return per_region(session, regions, pool, "aws.ec2.vpc", listing)
