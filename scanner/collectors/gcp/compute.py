"""Compute Engine network and TLS settings.

Listings per project: ``firewalls.list`` (global), ``sslPolicies.aggregatedList``,
``subnetworks.aggregatedList``, ``targetHttpsProxies.aggregatedList``, ``targetSslProxies.list`` and
``resourcePolicies.aggregatedList``.
A listing that fails becomes a ``CollectionFailure`` for its type in that project; an aggregated list
whose scope is reported ``UNREACHABLE`` becomes a ``CollectionFailure`` for that region.
``address`` is the relative resource name (``projects/P/global/firewalls/NAME``,
``projects/P/regions/R/subnetworks/NAME``).

``gcp.compute.firewall``

| key | meaning | source |
| --- | --- | --- |
| ``direction`` | ``INGRESS`` / ``EGRESS`` | firewalls.list ``direction`` |
| ``disabled`` | bool: the rule is disabled | firewalls.list ``disabled`` |
| ``priority`` | int | firewalls.list ``priority`` |
| ``source_ranges`` / ``source_tags`` / ``source_service_accounts`` | lists (empty when unset) | firewalls.list |
| ``target_tags`` / ``target_service_accounts`` | lists | firewalls.list |
| ``allowed`` | one item per allowed protocol and port range: ``{protocol, ports}`` with ``ports`` ``{from, to}``, or ``"all"`` when the block names no ports; a port that does not parse stays as sent (unknown by its type) | firewalls.list ``allowed[].IPProtocol/ports`` |
| ``denied`` | same shape, for deny rules | firewalls.list ``denied`` |
| ``network`` | network URL | firewalls.list |

``gcp.compute.ssl_policy`` (global and regional)

| key | meaning | source |
| --- | --- | --- |
| ``min_tls_version`` | e.g. ``TLS_1_2``; None when the API omits it | sslPolicies.aggregatedList ``minTlsVersion`` |
| ``profile`` | ``COMPATIBLE`` / ``MODERN`` / ``RESTRICTED`` / ``CUSTOM`` | ``profile`` |
| ``custom_features`` | list | ``customFeatures`` |

``gcp.compute.subnetwork``

| key | meaning | source |
| --- | --- | --- |
| ``purpose`` | e.g. ``PRIVATE``, ``REGIONAL_MANAGED_PROXY``; None when unset | subnetworks.aggregatedList ``purpose`` |
| ``log_config`` | None when absent; else ``{enable, aggregation_interval, flow_sampling, metadata}`` | ``logConfig`` |
| ``enable_flow_logs`` | legacy flag; None when unset | ``enableFlowLogs`` |
| ``ip_cidr_range`` / ``network`` | | |

``gcp.compute.target_https_proxy`` / ``gcp.compute.target_ssl_proxy``

| key | meaning | source |
| --- | --- | --- |
| ``ssl_policy`` | SSL policy URL, None when the proxy uses the GCP default policy | targetHttpsProxies.aggregatedList / targetSslProxies.list ``sslPolicy`` |

``gcp.compute.resource_policy`` (regional)

| key | meaning | source |
| --- | --- | --- |
| ``snapshot_schedule`` | None unless a snapshot schedule policy; else ``{retention_policy: {max_retention_days, on_source_disk_delete}}``, the retention policy unknown when the schedule has none | resourcePolicies.aggregatedList ``snapshotSchedulePolicy`` |
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from scanner.collectors.gcp.errors import api_errors, reason
from scanner.collectors.gcp.session import GcpSession
from scanner.engine.plan import ReadPlan
from scanner.facts.resource import CollectionFailure, Resource
from scanner.facts.values import Unknown

FIREWALL = "gcp.compute.firewall"
SSL_POLICY = "gcp.compute.ssl_policy"
SUBNETWORK = "gcp.compute.subnetwork"
HTTPS_PROXY = "gcp.compute.target_https_proxy"
SSL_PROXY = "gcp.compute.target_ssl_proxy"
RESOURCE_POLICY = "gcp.compute.resource_policy"

Result = tuple[list[Resource], list[CollectionFailure]]


def collect(session: GcpSession, plan: ReadPlan | None = None) -> Result:
    """Every listing whose kind the read plan needs (each is one call per project)."""
    resources: list[Resource] = []
    failures: list[CollectionFailure] = []
    parts = ((FIREWALL, _firewalls), (SSL_POLICY, _ssl_policies), (SUBNETWORK, _subnetworks),
             (HTTPS_PROXY, _https_proxies), (SSL_PROXY, _ssl_proxies), (RESOURCE_POLICY, _resource_policies))
    for kind, part in parts:
        if plan is not None and not plan.wants_kind(kind):
            continue
        found, failed = part(session)
        resources += found
        failures += failed
    return resources, failures


def _list(session: GcpSession, kind: str, operation: str, client_name: str, method: str,
          build: Callable[[Any, str | None], Resource | None], aggregated: bool) -> Result:
    client = session.client(client_name)
    try:
        pages = session.call(operation, lambda: list(getattr(client, method)(
            project=session.project, retry=session.retry, timeout=session.timeout)))
    except api_errors() as err:
        return [], [CollectionFailure("gcp", kind, session.project, None, reason(err))]
    if not aggregated:
        return [r for r in (build(item, None) for item in pages) if r is not None], []
    resources: list[Resource] = []
    failures: list[CollectionFailure] = []
    for scope, scoped in pages:
        region = scope.split("/", 1)[1] if scope.startswith("regions/") else None
        warning = scoped.warning if "warning" in scoped else None
        if warning is not None and warning.code == "UNREACHABLE":
            failures.append(CollectionFailure("gcp", kind, session.project, region,
                                              f"scope {scope} unreachable: {warning.message}"))
        for item in _items(scoped):
            built = build(item, region)
            if built is not None:
                resources.append(built)
    return resources, failures


def _items(scoped: Any) -> Iterable[Any]:
    for field in ("ssl_policies", "subnetworks", "target_https_proxies", "resource_policies"):
        if hasattr(type(scoped), "meta") and field in type(scoped).meta.fields:
            return list(getattr(scoped, field))
    return []


def _opt(message: Any, field: str) -> Any:
    """A proto3 optional field's value, or None when it is not set."""
    return getattr(message, field) if field in message else None


def _resource(session: GcpSession, kind: str, item: Any, collection: str, region: str | None,
              facts: dict[str, Any]) -> Resource:
    where = f"regions/{region}" if region else "global"
    return Resource(provider="gcp", type=kind, id=f"projects/{session.project}/{where}/{collection}/{item.name}",
                         name=item.name, account=session.project, region=region, facts=facts)


def _ports(entries: Iterable[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in entries:
        protocol = str(entry.I_p_protocol).strip().lower()
        ports = list(entry.ports)
        if not ports:
            out.append({"protocol": protocol, "ports": "all"})
        for spec in ports:
            out.append({"protocol": protocol, "ports": port_range(str(spec))})
    return out


def port_range(spec: str) -> Any:
    """``"22"`` -> ``{from: 22, to: 22}``, ``"8000-9000"`` -> ``{from: 8000, to: 9000}``; anything
    else as sent (the fact type makes it unknown, as it does a reversed range)."""
    low, _, high = spec.strip().partition("-")
    if not low.strip().isdigit() or (high and not high.strip().isdigit()):
        return spec
    return {"from": int(low), "to": int(high or low)}


def firewall_facts(fw: Any) -> dict[str, Any]:
    return {
        "direction": _opt(fw, "direction"),
        "disabled": bool(_opt(fw, "disabled")),
        "priority": _opt(fw, "priority"),
        "source_ranges": list(fw.source_ranges),
        "source_tags": list(fw.source_tags),
        "source_service_accounts": list(fw.source_service_accounts),
        "target_tags": list(fw.target_tags),
        "target_service_accounts": list(fw.target_service_accounts),
        "allowed": _ports(fw.allowed),
        "denied": _ports(fw.denied),
        "network": _opt(fw, "network"),
    }


def _firewalls(session: GcpSession) -> Result:
    def build(fw: Any, _region: str | None) -> Resource:
        return _resource(session, FIREWALL, fw, "firewalls", None, firewall_facts(fw))

    return _list(session, FIREWALL, "compute:firewalls.list", "firewalls", "list", build, aggregated=False)


def _ssl_policies(session: GcpSession) -> Result:
    def build(policy: Any, region: str | None) -> Resource:
        facts = {"min_tls_version": _opt(policy, "min_tls_version"), "profile": _opt(policy, "profile"),
                 "custom_features": list(policy.custom_features)}
        return _resource(session, SSL_POLICY, policy, "sslPolicies", region, facts)

    return _list(session, SSL_POLICY, "compute:sslPolicies.aggregatedList", "ssl_policies", "aggregated_list",
                 build, aggregated=True)


def _subnetworks(session: GcpSession) -> Result:
    def build(subnet: Any, region: str | None) -> Resource:
        log = subnet.log_config if "log_config" in subnet else None
        facts = {
            "purpose": _opt(subnet, "purpose"),
            "log_config": None if log is None else {
                "enable": bool(_opt(log, "enable")), "aggregation_interval": _opt(log, "aggregation_interval"),
                "flow_sampling": _opt(log, "flow_sampling"), "metadata": _opt(log, "metadata")},
            "enable_flow_logs": _opt(subnet, "enable_flow_logs"),
            "ip_cidr_range": _opt(subnet, "ip_cidr_range"),
            "network": _opt(subnet, "network"),
        }
        return _resource(session, SUBNETWORK, subnet, "subnetworks", region, facts)

    return _list(session, SUBNETWORK, "compute:subnetworks.aggregatedList", "subnetworks", "aggregated_list",
                 build, aggregated=True)


def _https_proxies(session: GcpSession) -> Result:
    def build(proxy: Any, region: str | None) -> Resource:
        return _resource(session, HTTPS_PROXY, proxy, "targetHttpsProxies", region,
                         {"ssl_policy": _opt(proxy, "ssl_policy") or None})

    return _list(session, HTTPS_PROXY, "compute:targetHttpsProxies.aggregatedList", "target_https_proxies",
                 "aggregated_list", build, aggregated=True)


def _ssl_proxies(session: GcpSession) -> Result:
    def build(proxy: Any, _region: str | None) -> Resource:
        return _resource(session, SSL_PROXY, proxy, "targetSslProxies", None,
                         {"ssl_policy": _opt(proxy, "ssl_policy") or None})

    return _list(session, SSL_PROXY, "compute:targetSslProxies.list", "target_ssl_proxies", "list", build,
                 aggregated=False)


def snapshot_schedule(policy: Any) -> Any:
    """A resource policy's snapshot schedule facts, None when it is not a snapshot schedule."""
    if "snapshot_schedule_policy" not in policy:
        return None
    schedule = policy.snapshot_schedule_policy
    if "retention_policy" not in schedule:
        return {"retention_policy": Unknown("snapshot schedule without a retention policy: how long its snapshots "
                                            "are kept is not set by the schedule")}
    retention = schedule.retention_policy
    return {"retention_policy": {"max_retention_days": _opt(retention, "max_retention_days"),
                                 "on_source_disk_delete": _opt(retention, "on_source_disk_delete")}}


def _resource_policies(session: GcpSession) -> Result:
    def build(policy: Any, region: str | None) -> Resource:
        return _resource(session, RESOURCE_POLICY, policy, "resourcePolicies", region,
                         {"snapshot_schedule": snapshot_schedule(policy)})

    return _list(session, RESOURCE_POLICY, "compute:resourcePolicies.aggregatedList", "resource_policies",
                 "aggregated_list", build, aggregated=True)
