"""Compute Engine, Cloud KMS and project audit-config rules against the HTTPS REST fixture server.

There is no emulator for these APIs: the server answers the real REST paths with JSON built from the
SDKs' own message types (compute_v1, kms_v1, google.iam.v1), and the unmodified SDK clients parse it.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from google.cloud import compute_v1, kms_v1
from google.iam.v1 import policy_pb2
from google.protobuf import duration_pb2, json_format

from tests.gcp.conftest import PROJECT, RestFixture, outcome, scan, to_json

COMPUTE = f"/compute/v1/projects/{PROJECT}"
DAYS = 86400


def allow(protocol: str, *ports: str) -> compute_v1.Allowed:
    return compute_v1.Allowed(I_p_protocol=protocol, ports=list(ports))


def firewall(name: str, *allowed: compute_v1.Allowed, sources: tuple[str, ...] = ("0.0.0.0/0",),
             **extra: Any) -> compute_v1.Firewall:
    return compute_v1.Firewall(name=name, direction=extra.pop("direction", "INGRESS"), allowed=list(allowed),
                               source_ranges=list(sources), network="global/networks/pacs", **extra)


def serve_firewalls(fixture: RestFixture) -> None:
    rules = [
        firewall("fail-dicom-104", allow("tcp", "104")),
        firewall("fail-dicom-range", allow("tcp", "11000-11200")),
        firewall("fail-all-protocols", allow("all")),
        firewall("fail-tcp-no-ports", allow("tcp")),
        firewall("fail-ipv6-orthanc", allow("tcp", "8042"), sources=("::/0",)),
        firewall("fail-ssh", allow("tcp", "22")),
        firewall("fail-rdp-udp", allow("udp", "3389")),
        firewall("fail-protocol-number", allow("6", "4242")),
        firewall("fail-no-sources-ssh", allow("tcp", "22"), sources=()),
        firewall("pass-https-only", allow("tcp", "443")),
        firewall("pass-private-dicom", allow("tcp", "104", "22"), sources=("10.20.0.0/16",)),
        firewall("pass-tagged-sources", allow("tcp", "104", "22"), sources=(), source_tags=["modality"]),
        firewall("pass-disabled", allow("tcp", "104", "22"), disabled=True),
        firewall("pass-egress", allow("tcp", "104", "22"), direction="EGRESS", sources=(),
                 destination_ranges=["0.0.0.0/0"]),
        firewall("pass-deny", sources=("0.0.0.0/0",), denied=[compute_v1.Denied(I_p_protocol="all")]),
        firewall("pass-icmp", allow("icmp")),
        firewall("pass-udp-dicom", allow("udp", "104")),
        firewall("unknown-reversed-range", allow("tcp", "200-100")),
        firewall("unknown-port-name", allow("tcp", "dicom")),
        firewall("fail-halves-of-the-world", allow("tcp", "22", "104"), sources=("0.0.0.0/1", "128.0.0.0/1")),
    ]
    fixture.serve("GET", f"{COMPUTE}/global/firewalls", to_json(compute_v1.FirewallList(items=rules)))


def serve_tls_and_subnets(fixture: RestFixture) -> None:
    policies = compute_v1.SslPoliciesAggregatedList(items={
        "global": compute_v1.SslPoliciesScopedList(ssl_policies=[
            compute_v1.SslPolicy(name="pass-tls12", min_tls_version="TLS_1_2", profile="MODERN"),
            compute_v1.SslPolicy(name="fail-tls10", min_tls_version="TLS_1_0", profile="COMPATIBLE"),
        ]),
        "regions/us-east1": compute_v1.SslPoliciesScopedList(ssl_policies=[
            compute_v1.SslPolicy(name="pass-regional-tls13", min_tls_version="TLS_1_3", profile="RESTRICTED"),
            compute_v1.SslPolicy(name="fail-regional-tls11", min_tls_version="TLS_1_1", profile="CUSTOM"),
        ]),
        "regions/us-west1": compute_v1.SslPoliciesScopedList(warning=compute_v1.Warning(
            code="NO_RESULTS_ON_PAGE", message="There are no results for scope 'regions/us-west1' on this page.")),
    })
    fixture.serve("GET", f"{COMPUTE}/aggregated/sslPolicies", to_json(policies))
    subnets = compute_v1.SubnetworkAggregatedList(items={
        "regions/us-east1": compute_v1.SubnetworksScopedList(subnetworks=[
            compute_v1.Subnetwork(name="pass-flow-logs", ip_cidr_range="10.0.0.0/24", purpose="PRIVATE",
                                  log_config=compute_v1.SubnetworkLogConfig(
                                      enable=True, aggregation_interval="INTERVAL_5_SEC", flow_sampling=0.5)),
            compute_v1.Subnetwork(name="fail-no-log-config", ip_cidr_range="10.0.1.0/24", purpose="PRIVATE"),
            compute_v1.Subnetwork(name="fail-logs-disabled", ip_cidr_range="10.0.2.0/24",
                                  log_config=compute_v1.SubnetworkLogConfig(enable=False)),
            compute_v1.Subnetwork(name="na-proxy-only", ip_cidr_range="10.0.3.0/24",
                                  purpose="REGIONAL_MANAGED_PROXY"),
        ]),
    })
    fixture.serve("GET", f"{COMPUTE}/aggregated/subnetworks", to_json(subnets))
    policy_url = f"https://compute.googleapis.com/compute/v1/projects/{PROJECT}/global/sslPolicies/pass-tls12"
    https = compute_v1.TargetHttpsProxyAggregatedList(items={
        "global": compute_v1.TargetHttpsProxiesScopedList(target_https_proxies=[
            compute_v1.TargetHttpsProxy(name="pass-https-proxy", ssl_policy=policy_url),
            compute_v1.TargetHttpsProxy(name="fail-https-proxy-default"),
        ]),
    })
    fixture.serve("GET", f"{COMPUTE}/aggregated/targetHttpsProxies", to_json(https))
    ssl = compute_v1.TargetSslProxyList(items=[
        compute_v1.TargetSslProxy(name="pass-ssl-proxy", ssl_policy=policy_url),
        compute_v1.TargetSslProxy(name="fail-ssl-proxy-default"),
    ])
    fixture.serve("GET", f"{COMPUTE}/global/targetSslProxies", to_json(ssl))


def test_firewall_rules(gcp: RestFixture) -> None:
    serve_firewalls(gcp)
    inventory, findings = scan(gcp)
    assert not inventory.failures
    assert outcome(findings, "GCP-FIREWALL-DICOM") == {
        "fail-dicom-104": "fail", "fail-dicom-range": "fail", "fail-all-protocols": "fail",
        "fail-tcp-no-ports": "fail", "fail-ipv6-orthanc": "fail", "fail-ssh": "pass", "fail-rdp-udp": "pass",
        "fail-protocol-number": "fail", "fail-no-sources-ssh": "pass", "pass-https-only": "pass",
        "pass-private-dicom": "pass", "pass-tagged-sources": "pass", "pass-disabled": "pass", "pass-egress": "pass",
        "pass-deny": "pass", "pass-icmp": "pass", "pass-udp-dicom": "pass",
        "unknown-reversed-range": "unknown", "unknown-port-name": "unknown", "fail-halves-of-the-world": "fail",
    }
    assert outcome(findings, "GCP-FIREWALL-ADMIN") == {
        "fail-dicom-104": "pass", "fail-dicom-range": "pass", "fail-all-protocols": "fail",
        "fail-tcp-no-ports": "fail", "fail-ipv6-orthanc": "pass", "fail-ssh": "fail", "fail-rdp-udp": "fail",
        "fail-protocol-number": "pass", "fail-no-sources-ssh": "fail", "pass-https-only": "pass",
        "pass-private-dicom": "pass", "pass-tagged-sources": "pass", "pass-disabled": "pass", "pass-egress": "pass",
        "pass-deny": "pass", "pass-icmp": "pass", "pass-udp-dicom": "pass",
        "unknown-reversed-range": "unknown", "unknown-port-name": "unknown", "fail-halves-of-the-world": "fail",
    }
    found = next(r for r in inventory.resources if r.name == "fail-dicom-range")
    assert found.id == f"projects/{PROJECT}/global/firewalls/fail-dicom-range"
    assert found.facts["allowed"] == [{"protocol": "tcp", "ports": {"from": 11000, "to": 11200}}]


def test_tls_and_flow_log_rules(gcp: RestFixture) -> None:
    serve_tls_and_subnets(gcp)
    inventory, findings = scan(gcp)
    assert not inventory.failures
    assert outcome(findings, "GCP-SSL-POLICY-MIN-TLS") == {
        "pass-tls12": "pass", "fail-tls10": "fail", "pass-regional-tls13": "pass", "fail-regional-tls11": "fail"}
    assert outcome(findings, "GCP-HTTPS-PROXY-SSL-POLICY") == {
        "pass-https-proxy": "pass", "fail-https-proxy-default": "fail"}
    assert outcome(findings, "GCP-SSL-PROXY-SSL-POLICY") == {"pass-ssl-proxy": "pass", "fail-ssl-proxy-default": "fail"}
    assert outcome(findings, "GCP-SUBNET-FLOW-LOGS") == {
        "pass-flow-logs": "pass", "fail-no-log-config": "fail", "fail-logs-disabled": "fail",
        "na-proxy-only": "not_applicable"}
    regional = next(r for r in inventory.resources if r.name == "fail-regional-tls11")
    assert (regional.id, regional.region) == (f"projects/{PROJECT}/regions/us-east1/sslPolicies/fail-regional-tls11",
                                              "us-east1")


def serve_resource_policies(fixture: RestFixture) -> None:
    policy = compute_v1.ResourcePolicySnapshotSchedulePolicy
    retain = compute_v1.ResourcePolicySnapshotSchedulePolicyRetentionPolicy
    daily = compute_v1.ResourcePolicySnapshotSchedulePolicySchedule(
        daily_schedule=compute_v1.ResourcePolicyDailyCycle(days_in_cycle=1, start_time="23:00"))

    def schedule(days: int | None) -> compute_v1.ResourcePolicySnapshotSchedulePolicy:
        if days is None:
            return policy(schedule=daily)
        return policy(schedule=daily, retention_policy=retain(max_retention_days=days,
                                                              on_source_disk_delete="KEEP_AUTO_SNAPSHOTS"))

    placement = compute_v1.ResourcePolicyGroupPlacementPolicy
    policies = compute_v1.ResourcePolicyAggregatedList(items={
        "regions/europe-west1": compute_v1.ResourcePoliciesScopedList(resource_policies=[
            compute_v1.ResourcePolicy(name="pass-snapshots-60-days", snapshot_schedule_policy=schedule(60)),
            compute_v1.ResourcePolicy(name="fail-snapshots-7-days", snapshot_schedule_policy=schedule(7)),
            compute_v1.ResourcePolicy(name="unknown-snapshots-no-retention", snapshot_schedule_policy=schedule(None)),
            compute_v1.ResourcePolicy(name="na-placement", group_placement_policy=placement(collocation="COLLOCATED")),
        ]),
    })
    fixture.serve("GET", f"{COMPUTE}/aggregated/resourcePolicies", to_json(policies))


def test_snapshot_schedule_retention(gcp: RestFixture) -> None:
    serve_resource_policies(gcp)
    inventory, findings = scan(gcp)
    assert not inventory.failures
    assert outcome(findings, "GCP-SNAPSHOT-RETENTION") == {
        "pass-snapshots-60-days": "pass", "fail-snapshots-7-days": "fail", "unknown-snapshots-no-retention": "unknown",
        "na-placement": "not_applicable"}
    policy = next(r for r in inventory.resources if r.name == "fail-snapshots-7-days")
    assert policy.id == f"projects/{PROJECT}/regions/europe-west1/resourcePolicies/fail-snapshots-7-days"
    assert policy.facts["snapshot_schedule"] == {"retention_policy": {
        "max_retention_days": 7, "on_source_disk_delete": "KEEP_AUTO_SNAPSHOTS"}}


def serve_kms(fixture: RestFixture) -> None:
    from google.cloud.location import locations_pb2

    base = f"/v1/projects/{PROJECT}/locations"
    locations = locations_pb2.ListLocationsResponse(locations=[
        locations_pb2.Location(name=f"projects/{PROJECT}/locations/us", location_id="us"),
        locations_pb2.Location(name=f"projects/{PROJECT}/locations/europe-west3", location_id="europe-west3"),
    ])
    fixture.serve("GET", base, json.loads(json_format.MessageToJson(locations)))
    ring = f"projects/{PROJECT}/locations/us/keyRings/pacs"
    fixture.serve("GET", f"{base}/us/keyRings", to_json(kms_v1.ListKeyRingsResponse(
        key_rings=[kms_v1.KeyRing(name=ring)], total_size=1)))
    fixture.serve("GET", f"{base}/europe-west3/keyRings", to_json(kms_v1.ListKeyRingsResponse()))

    def key(name: str, days: int | None, purpose: Any = kms_v1.CryptoKey.CryptoKeyPurpose.ENCRYPT_DECRYPT) -> Any:
        extra: dict[str, Any] = {}
        if days is not None:
            extra["rotation_period"] = duration_pb2.Duration(seconds=days * DAYS)
            extra["next_rotation_time"] = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
        return kms_v1.CryptoKey(name=f"{ring}/cryptoKeys/{name}", purpose=purpose, **extra)

    keys = [key("pass-90-days", 90), key("pass-30-days", 30), key("fail-91-days", 91), key("fail-never", None)]
    fixture.serve("GET", f"/v1/{ring}/cryptoKeys",
                  to_json(kms_v1.ListCryptoKeysResponse(crypto_keys=keys, total_size=len(keys))))


def audit_policy(*configs: tuple[str, tuple[str, ...]]) -> dict[str, Any]:
    log_type = policy_pb2.AuditLogConfig.LogType.Value
    policy = policy_pb2.Policy(version=3, audit_configs=[
        policy_pb2.AuditConfig(service=service, audit_log_configs=[
            policy_pb2.AuditLogConfig(log_type=log_type(t)) for t in types]) for service, types in configs])
    data: dict[str, Any] = json.loads(json_format.MessageToJson(policy))
    return data


def test_kms_rotation(gcp: RestFixture) -> None:
    serve_kms(gcp)
    inventory, findings = scan(gcp)
    assert not inventory.failures
    assert outcome(findings, "GCP-KMS-ROTATION") == {
        "pass-90-days": "pass", "pass-30-days": "pass", "fail-91-days": "fail", "fail-never": "fail"}
    key = next(r for r in inventory.resources if r.name == "pass-30-days")
    assert key.id == f"projects/{PROJECT}/locations/us/keyRings/pacs/cryptoKeys/pass-30-days"
    assert key.region == "us"
    assert key.facts["rotation_period_seconds"] == 30 * DAYS
    assert key.facts["next_rotation_time"].startswith("2030-01-01")


def audit_outcome(fixture: RestFixture, *configs: tuple[str, tuple[str, ...]]) -> str:
    fixture.serve("POST", f"/v3/projects/{PROJECT}:getIamPolicy", audit_policy(*configs))
    _inventory, findings = scan(fixture)
    return outcome(findings, "GCP-STORAGE-DATA-ACCESS-LOGS")[PROJECT]


def test_storage_data_access_logs(gcp: RestFixture) -> None:
    both = ("DATA_READ", "DATA_WRITE")
    assert audit_outcome(gcp, ("storage.googleapis.com", both)) == "pass"
    assert audit_outcome(gcp, ("allServices", ("ADMIN_READ", *both))) == "pass"
    assert audit_outcome(gcp, ("allServices", ("DATA_READ",)), ("storage.googleapis.com", ("DATA_WRITE",))) == "pass"
    assert audit_outcome(gcp, ("storage.googleapis.com", ("DATA_READ",))) == "fail"
    assert audit_outcome(gcp, ("bigquery.googleapis.com", both)) == "fail"
    assert audit_outcome(gcp) == "fail"

