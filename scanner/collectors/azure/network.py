"""Network security groups (``azure.network.nsg``) with their flow logs, and Application Gateways
(``azure.network.application_gateway``) with their TLS policy.

Facts of ``azure.network.nsg`` (key: meaning), grouped by the call that reads them:

NetworkSecurityGroups_ListAll (``Microsoft.Network/networkSecurityGroups/read``)
    rules      the custom rules (Azure's default rules deny inbound internet traffic):
               [{name, priority, direction (Inbound / Outbound), access (Allow / Deny), protocol
               (Tcp / Udp / Icmp / ``*`` ...), sources: [sourceAddressPrefix + sourceAddressPrefixes,
               e.g. ``*``, ``Internet``, ``10.0.0.0/8``], ports: [{range: {from, to}, spec}] (destination
               port ranges; ``*`` is 0-65535; a spec that is not a range is kept as written, unknown by type)}]
NetworkWatchers_ListAll + FlowLogs_List (``Microsoft.Network/networkWatchers/read``,
``Microsoft.Network/networkWatchers/flowLogs/read``)
    flow_logs  [{id, enabled, retention_days}]: Network Watcher flow logs whose target is this NSG

Facts of ``azure.network.application_gateway``, from ApplicationGateways_ListAll
(``Microsoft.Network/applicationGateways/read``):
    ssl_policy                       None when the gateway has no sslPolicy (the API-version default)
    ssl_policy.policy_type           Predefined / Custom / CustomV2
    ssl_policy.policy_name           e.g. ``AppGwSslPolicy20220101``
    ssl_policy.min_protocol_version  e.g. ``TLSv1_2`` (custom policies)
    ssl_policy.disabled_protocols    e.g. [``TLSv1_0``, ``TLSv1_1``]
    ssl_policy.lowest_protocol       the lowest protocol the policy accepts: the documented minimum of a
                                     predefined policy, else min_protocol_version, else the lowest protocol
                                     not disabled; unknown for a predefined policy this scanner does not know
    ssl_profiles                     [{name, lowest_protocol}]: the SSL profiles, whose policy replaces the
                                     gateway's on the listeners using them (unknown without a policy)
"""

from __future__ import annotations

import re
from typing import Any

from azure.core.exceptions import AzureError

from scanner.collectors.azure.errors import reason
from scanner.collectors.azure.reader import flat_tags, resource_group
from scanner.collectors.azure.session import AzureSession
from scanner.collectors.azure.storage import attr
from scanner.engine.plan import NOT_READ
from scanner.facts.resource import CollectionFailure, Resource
from scanner.facts.values import Unknown

NSG = "azure.network.nsg"
APP_GATEWAY = "azure.network.application_gateway"

#: the minimum protocol of each predefined Application Gateway SSL policy (Azure documentation)
PREDEFINED_MIN_PROTOCOL = {
    "AppGwSslPolicy20150501": "TLSv1_0",
    "AppGwSslPolicy20170401": "TLSv1_1",
    "AppGwSslPolicy20170401S": "TLSv1_2",
    "AppGwSslPolicy20220101": "TLSv1_2",
    "AppGwSslPolicy20220101S": "TLSv1_2",
}
_TLS_VERSIONS = ("TLSv1_0", "TLSv1_1", "TLSv1_2", "TLSv1_3")


def port_range(spec: str) -> dict[str, Any]:
    """A destination port spec as ``{range, spec}``; one that is not a range is kept as written (the
    ``port_range`` type makes it unknown: never dropped, which would read as "no port")."""
    text = spec.strip()
    if text == "*":
        return {"range": {"from": 0, "to": 65535}, "spec": text}
    match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", text)
    if match is None:
        return {"range": text, "spec": text}
    low = int(match.group(1))
    return {"range": {"from": low, "to": int(match.group(2) or low)}, "spec": text}


def _rule(rule: Any) -> dict[str, Any]:
    props = rule.properties
    sources = [s for s in [attr(props, "source_address_prefix"), *(attr(props, "source_address_prefixes") or [])] if s]
    specs = [s for s in [attr(props, "destination_port_range"), *(attr(props, "destination_port_ranges") or [])] if s]
    return {
        "name": rule.name, "priority": attr(props, "priority"), "direction": attr(props, "direction"),
        "access": attr(props, "access"), "protocol": attr(props, "protocol"),
        "sources": [str(s) for s in sources],
        "ports": [port_range(str(s)) for s in specs],
    }


def _flow_logs(session: AzureSession, subscription: str) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """Flow logs by lower-cased target id; errors by lower-cased region ('*' = every region)."""
    client = session.client("network", subscription)
    try:
        watchers = list(client.network_watchers.list_all())
    except AzureError as err:
        return {}, {"*": reason(err)}
    found: dict[str, list[dict[str, Any]]] = {}
    errors: dict[str, str] = {}
    for watcher in watchers:
        try:
            logs = list(client.flow_logs.list(resource_group(watcher.id), watcher.name))
        except AzureError as err:
            errors[str(watcher.location).lower()] = reason(err)
            continue
        for log in logs:
            target = str(attr(log, "properties", "target_resource_id") or "").lower()
            found.setdefault(target, []).append({
                "id": log.id, "enabled": attr(log, "properties", "enabled") is True,
                "retention_days": attr(log, "properties", "retention_policy", "days"),
            })
    return found, errors


def collect_nsgs(session: AzureSession, subscription: str,
                 read_flow_logs: bool = True) -> tuple[list[Resource], list[CollectionFailure]]:
    """Every NSG; the Network Watchers' flow logs only when ``read_flow_logs`` (some selected rule reads them)."""
    try:
        groups = list(session.client("network", subscription).network_security_groups.list_all())
    except AzureError as err:
        return [], [CollectionFailure("azure", NSG, subscription, None, reason(err))]
    if not groups:
        return [], []
    logs, log_errors = _flow_logs(session, subscription) if read_flow_logs else ({}, {})
    out = []
    for group in groups:
        facts: dict[str, Any] = {"rules": [_rule(r) for r in attr(group, "properties", "security_rules") or []]}
        errors: dict[str, str] = {}
        why = log_errors.get("*") or log_errors.get(str(group.location).lower())
        if why:
            errors["flow_logs"] = why
        elif read_flow_logs:
            facts["flow_logs"] = logs.get(group.id.lower(), [])
        out.append(Resource(provider="azure", type=NSG, id=group.id, name=group.name, account=subscription,
                            region=group.location, tags=flat_tags(group.tags), facts=facts, errors=errors,
                            skipped={} if read_flow_logs else {"flow_logs": NOT_READ}))
    return out, []


def lowest_protocol(policy: Any) -> str | None:
    name = attr(policy, "policy_name")
    if name in PREDEFINED_MIN_PROTOCOL:
        return PREDEFINED_MIN_PROTOCOL[str(name)]
    if name is not None:
        return None  # a predefined policy this scanner does not know
    minimum = attr(policy, "min_protocol_version")
    if minimum is not None:
        return str(minimum)
    disabled = {str(p.value if hasattr(p, "value") else p) for p in attr(policy, "disabled_ssl_protocols") or []}
    return next((v for v in _TLS_VERSIONS if v not in disabled), None)


def _ssl_policy(gateway: Any) -> dict[str, Any] | None:
    policy = attr(gateway, "properties", "ssl_policy")
    if policy is None:
        return None
    disabled = [str(p.value if hasattr(p, "value") else p) for p in attr(policy, "disabled_ssl_protocols") or []]
    return {
        "policy_type": attr(policy, "policy_type"), "policy_name": attr(policy, "policy_name"),
        "min_protocol_version": attr(policy, "min_protocol_version"), "disabled_protocols": disabled,
        "lowest_protocol": _lowest(policy),
    }


def _lowest(policy: Any) -> str | Unknown:
    """The lowest protocol a policy accepts, or why it is not known."""
    if policy is None:
        return Unknown("the SSL profile has no ssl_policy: which protocols its listeners accept is not known")
    found = lowest_protocol(policy)
    if found is None:
        return Unknown(f"policy {attr(policy, 'policy_name')!r} is not a predefined policy this scanner knows"
                       if attr(policy, "policy_name") else "every TLS version is disabled")
    return found


def _ssl_profiles(gateway: Any) -> list[dict[str, Any]]:
    profiles = attr(gateway, "properties", "ssl_profiles") or []
    return [{"name": attr(p, "name"), "lowest_protocol": _lowest(attr(p, "properties", "ssl_policy"))}
            for p in profiles]


def collect_gateways(session: AzureSession, subscription: str) -> tuple[list[Resource], list[CollectionFailure]]:
    try:
        gateways = list(session.client("network", subscription).application_gateways.list_all())
    except AzureError as err:
        return [], [CollectionFailure("azure", APP_GATEWAY, subscription, None, reason(err))]
    return [Resource(provider="azure", type=APP_GATEWAY, id=g.id, name=g.name, account=subscription,
                     region=g.location, tags=flat_tags(g.tags),
                     facts={"ssl_policy": _ssl_policy(g), "ssl_profiles": _ssl_profiles(g)})
            for g in gateways], []
