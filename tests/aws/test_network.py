"""Security groups, network ACLs and VPC flow logs against a real moto server: NET-DICOM, NET-ADMIN
and AUD-FLOW, pass and fail by name, with denied and throttled calls injected at the HTTP layer
(``before-send`` handlers returning real AWS error responses; no client is mocked).

The fault helpers here are shared by test_endpoints.py and test_audit.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from scanner.catalog import load_catalog
from scanner.collectors.aws.network import (
    Collected,
    collect_network_acls,
    collect_security_groups,
    collect_vpcs,
)
from scanner.collectors.aws.session import AwsSession, AwsTarget, RetryPolicy
from scanner.engine.evaluate import evaluate_inventory
from scanner.facts.resource import Inventory
from scanner.models import Finding
from tests.aws.conftest import client

Collect = Callable[[AwsSession, Sequence[str], ThreadPoolExecutor], Collected]
FAST = RetryPolicy(mode="standard", max_attempts=2, connect_timeout=2, read_timeout=10)

# --- shared helpers --------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _empty_aws_config(aws: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """conftest points the config files at /dev/null, which in some sandboxes is a regular file that
    other processes write into (botocore then fails to parse it): use empty files of our own."""
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        path = tmp_path / name.lower()
        path.write_text("")
        monkeypatch.setenv(name, str(path))


_BODIES = {
    "ec2": ("text/xml", "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error>"
                        "</Errors><RequestID>pacscan-test</RequestID></Response>"),
    "query": ("text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                          "<Message>{message}</Message></Error><RequestId>pacscan-test</RequestId></ErrorResponse>"),
    "json": ("application/x-amz-json-1.1", '{{"__type": "{code}", "message": "{message}"}}'),
}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class Fault:
    """A ``before-send`` handler answering with an AWS error instead of sending (``times`` = how
    many requests it intercepts; None = all). Register with :func:`inject`."""

    def __init__(self, code: str, status: int = 403, protocol: str = "ec2", times: int | None = None) -> None:
        self.code, self.status, self.protocol, self.times = code, status, protocol, times
        self.sent = 0

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        if self.times is not None and self.sent >= self.times:
            return None
        self.sent += 1
        content_type, template = _BODIES[self.protocol]
        body = template.format(code=self.code, message=f"injected {self.code}").encode()
        return AWSResponse(request.url, self.status, {"Content-Type": content_type}, _Raw(body))


def inject(session: AwsSession, service: str, region: str | None, operation: str, fault: Fault) -> Fault:
    """Intercept ``operation`` on one region's client only (clients are cached per region)."""
    api = session.client(service, region)
    name = api.meta.service_model.service_id.hyphenize()
    api.meta.events.register(f"before-send.{name}.{operation}", fault)
    return fault


def aws_session(regions: Sequence[str] = ("us-east-1",)) -> AwsSession:
    return AwsSession(AwsTarget(regions=tuple(regions)), retry=FAST)


def run(session: AwsSession, *collectors: Collect) -> tuple[Inventory, list[Finding]]:
    resources, failures = [], []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for collect in collectors:
            found, failed = collect(session, session.regions(), pool)
            resources += found
            failures += failed
    inventory = Inventory(resources=tuple(resources), failures=tuple(failures), calls=dict(session.calls))
    catalog = load_catalog()
    return inventory, evaluate_inventory(catalog, catalog.defaults(), inventory, "aws")


def verdicts(findings: Sequence[Finding], rule: str) -> dict[str, str]:
    """Resource name (or the failed listing's address) -> status, for one rule. A name seen again
    (every VPC has a security group called ``default``) gets `` #2``, `` #3``..."""
    out: dict[str, str] = {}
    for f in findings:
        if f.check_id == rule:
            name = str(f.evidence.get("resource_name") or f.resource.address)
            key, n = name, 1
            while key in out:
                n += 1
                key = f"{name} #{n}"
            out[key] = f.status.value
    return out


# --- security groups -------------------------------------------------------------------------------

def _group(ec2: Any, vpc: str, name: str, permissions: list[dict[str, Any]]) -> str:
    group = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    if permissions:
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=permissions)
    return str(group)


def _tcp(low: int, high: int, *cidrs: str, protocol: str = "tcp") -> dict[str, Any]:
    v4 = [{"CidrIp": c} for c in cidrs if ":" not in c]
    v6 = [{"CidrIpv6": c} for c in cidrs if ":" in c]
    return {"IpProtocol": protocol, "FromPort": low, "ToPort": high, "IpRanges": v4, "Ipv6Ranges": v6}


def _prefix_list(ec2: Any, name: str, *cidrs: str) -> str:
    created = ec2.create_managed_prefix_list(PrefixListName=name, AddressFamily="IPv4", MaxEntries=5,
                                             Entries=[{"Cidr": c} for c in cidrs])
    return str(created["PrefixList"]["PrefixListId"])


def _via_prefix_list(low: int, high: int, list_id: str) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": low, "ToPort": high, "PrefixListIds": [{"PrefixListId": list_id}]}


def seed_groups(region: str = "us-east-1") -> None:
    ec2 = client("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    _group(ec2, vpc, "pass-https-world-dicom-private", [_tcp(443, 443, "0.0.0.0/0"), _tcp(104, 104, "10.0.0.0/8")])
    _group(ec2, vpc, "pass-udp-dicom-world", [_tcp(104, 104, "0.0.0.0/0", protocol="udp")])
    peer = _group(ec2, vpc, "pass-no-ingress", [])
    _group(ec2, vpc, "pass-group-reference", [{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535,
                                              "UserIdGroupPairs": [{"GroupId": peer}]}])
    _group(ec2, vpc, "fail-dicom-range-100-200", [_tcp(100, 200, "0.0.0.0/0")])
    _group(ec2, vpc, "fail-dicom-ipv6-world", [_tcp(11112, 11112, "::/0")])
    _group(ec2, vpc, "fail-all-protocols-world", [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    _group(ec2, vpc, "fail-ssh-world", [_tcp(22, 22, "0.0.0.0/0")])
    # prefix lists count by their entries: the whole internet in two halves is the whole internet
    partners = _prefix_list(ec2, "partners", "203.0.113.0/24", "198.51.100.0/24")
    world = _prefix_list(ec2, "world-halves", "0.0.0.0/1", "128.0.0.0/1")
    _group(ec2, vpc, "pass-dicom-prefix-list-partners", [_via_prefix_list(104, 104, partners)])
    _group(ec2, vpc, "fail-dicom-prefix-list-world", [_via_prefix_list(11112, 11112, world)])
    # permissions on overlapping port ranges add up on the ports they share (the API merges only
    # permissions with the same protocol and ports)
    _group(ec2, vpc, "fail-dicom-halves-on-overlapping-ranges", [_tcp(11112, 11112, "0.0.0.0/1"),
                                                                 _tcp(11000, 12000, "128.0.0.0/1")])
    anyone = _prefix_list(ec2, "anyone", "0.0.0.0/0")
    _group(ec2, vpc, "fail-ssh-prefix-list-anyone", [_via_prefix_list(22, 22, anyone)])


GROUP_PASS_BOTH = {"pass-https-world-dicom-private", "pass-udp-dicom-world", "pass-no-ingress",
                   "pass-group-reference", "pass-dicom-prefix-list-partners",
                   "default", "default #2"}  # the default and the new VPC's


def test_security_groups_dicom_and_admin(aws: str) -> None:
    seed_groups()
    _, findings = run(aws_session(), collect_security_groups)
    dicom = {**{n: "pass" for n in GROUP_PASS_BOTH}, "fail-dicom-range-100-200": "fail",
             "fail-dicom-ipv6-world": "fail", "fail-all-protocols-world": "fail", "fail-ssh-world": "pass",
             "fail-dicom-prefix-list-world": "fail", "fail-ssh-prefix-list-anyone": "pass",
             "fail-dicom-halves-on-overlapping-ranges": "fail"}
    admin = {**{n: "pass" for n in GROUP_PASS_BOTH}, "fail-dicom-range-100-200": "pass",
             "fail-dicom-ipv6-world": "pass", "fail-all-protocols-world": "fail", "fail-ssh-world": "fail",
             "fail-dicom-prefix-list-world": "pass", "fail-ssh-prefix-list-anyone": "fail",
             "fail-dicom-halves-on-overlapping-ranges": "pass"}
    assert verdicts(findings, "AWS-SG-DICOM") == dicom
    assert verdicts(findings, "AWS-SG-ADMIN") == admin


def test_security_group_facts_are_per_rule(aws: str) -> None:
    seed_groups()
    inventory, _ = run(aws_session(), collect_security_groups)
    by_name = {r.name: r for r in inventory.resources}
    mixed = by_name["pass-https-world-dicom-private"].facts["ingress"]
    empty = {"prefix_lists": [], "source_groups": [], "description": None}
    assert sorted(mixed, key=lambda i: i["ports"]["from"]) == [
        {"protocol": "tcp", "ports": {"from": 104, "to": 104}, "sources": ["10.0.0.0/8"], **empty},
        {"protocol": "tcp", "ports": {"from": 443, "to": 443}, "sources": ["0.0.0.0/0"], **empty},
    ]
    assert by_name["fail-all-protocols-world"].facts["ingress"] == [
        {"protocol": "all", "ports": "all", "sources": ["0.0.0.0/0"], **empty}]
    reference = by_name["pass-group-reference"].facts["ingress"][0]
    assert reference["sources"] == []  # a security group is never a CIDR source
    assert reference["source_groups"][0].startswith(("sg-", "123456789012/sg-"))
    assert by_name["fail-ssh-world"].id.startswith("arn:aws:ec2:us-east-1:123456789012:security-group/sg-")
    assert [r.facts["is_default"] for r in inventory.resources if r.name == "default"] == [True, True]
    assert by_name["fail-ssh-world"].facts["is_default"] is False


def test_prefix_list_sources_are_their_entries(aws: str) -> None:
    seed_groups()
    inventory, _ = run(aws_session(), collect_security_groups)
    by_name = {r.name: r for r in inventory.resources}
    item = by_name["fail-dicom-prefix-list-world"].facts["ingress"][0]
    assert sorted(item["sources"]) == ["0.0.0.0/1", "128.0.0.0/1"]
    assert item["prefix_lists"][0].startswith("pl-")
    assert inventory.calls["ec2:GetManagedPrefixListEntries"] == 3  # once per list, not per group


def test_denied_prefix_list_entries_are_an_error_never_a_pass(aws: str) -> None:
    seed_groups()
    session = aws_session()
    inject(session, "ec2", "us-east-1", "GetManagedPrefixListEntries", Fault("UnauthorizedOperation"))
    _, findings = run(session, collect_security_groups)
    dicom = verdicts(findings, "AWS-SG-DICOM")
    assert dicom["pass-dicom-prefix-list-partners"] == "error"
    assert dicom["fail-dicom-prefix-list-world"] == "error"
    assert dicom["pass-https-world-dicom-private"] == "pass"  # groups without prefix lists are unaffected
    # an unreadable list on a port that is not judged changes nothing
    assert verdicts(findings, "AWS-SG-ADMIN")["pass-dicom-prefix-list-partners"] == "pass"
    errors = [f for f in findings if f.check_id == "AWS-SG-DICOM" and f.status.value == "error"]
    assert all("UnauthorizedOperation" in f.message for f in errors)


def test_denied_listing_is_error_for_that_region_only(aws: str) -> None:
    seed_groups("us-east-1")
    seed_groups("eu-west-1")
    session = aws_session(("us-east-1", "eu-west-1"))
    inject(session, "ec2", "eu-west-1", "DescribeSecurityGroups", Fault("UnauthorizedOperation"))
    inventory, findings = run(session, collect_security_groups)
    assert {r.region for r in inventory.resources} == {"us-east-1"}
    denied = "aws:123456789012:eu-west-1:aws.ec2.security_group"
    for rule in ("AWS-SG-DICOM", "AWS-SG-ADMIN"):
        found = verdicts(findings, rule)
        assert found.pop(denied) == "error"
        assert found["fail-ssh-world"] == ("fail" if rule == "AWS-SG-ADMIN" else "pass")
        assert set(found) == GROUP_PASS_BOTH | {"fail-dicom-range-100-200", "fail-dicom-ipv6-world",
                                                "fail-all-protocols-world", "fail-ssh-world",
                                                "fail-dicom-prefix-list-world", "fail-ssh-prefix-list-anyone",
                                                "fail-dicom-halves-on-overlapping-ranges"}
    errors = [f for f in findings if f.status.value == "error"]
    assert errors and all("UnauthorizedOperation" in f.message for f in errors)


def test_throttling_that_resolves_gives_correct_findings(aws: str) -> None:
    seed_groups()
    session = aws_session()
    fault = inject(session, "ec2", "us-east-1", "DescribeSecurityGroups",
                   Fault("RequestLimitExceeded", status=503, times=1))
    _, findings = run(session, collect_security_groups)
    assert fault.sent == 1
    assert verdicts(findings, "AWS-SG-DICOM")["fail-dicom-range-100-200"] == "fail"
    assert verdicts(findings, "AWS-SG-DICOM")["pass-https-world-dicom-private"] == "pass"
    assert not [f for f in findings if f.status.value == "error"]


def test_throttling_that_never_resolves_is_error(aws: str) -> None:
    seed_groups()
    session = aws_session()
    fault = inject(session, "ec2", "us-east-1", "DescribeSecurityGroups", Fault("RequestLimitExceeded", status=503))
    _, findings = run(session, collect_security_groups)
    assert fault.sent == FAST.max_attempts + 1  # botocore's retries.max_attempts does not count the first try
    assert verdicts(findings, "AWS-SG-DICOM") == {"aws:123456789012:us-east-1:aws.ec2.security_group": "error"}


# --- network ACLs ----------------------------------------------------------------------------------

def _acl(ec2: Any, vpc: str, name: str, entries: list[dict[str, Any]]) -> str:
    acl = ec2.create_network_acl(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": name}]}])["NetworkAcl"]["NetworkAclId"]
    for number, entry in enumerate(entries, start=1):
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=number * 10, Egress=False, **entry)
    return str(acl)


def _entry(action: str, protocol: str, cidr: str, low: int | None = None, high: int | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"RuleAction": action, "Protocol": protocol}
    entry["Ipv6CidrBlock" if ":" in cidr else "CidrBlock"] = cidr
    if low is not None:
        entry["PortRange"] = {"From": low, "To": high if high is not None else low}
    return entry


def test_network_acls_dicom_and_admin(aws: str) -> None:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    _acl(ec2, vpc, "pass-nacl-https-world-dicom-private",
         [_entry("allow", "6", "0.0.0.0/0", 443), _entry("allow", "6", "10.0.0.0/8", 104)])
    _acl(ec2, vpc, "pass-nacl-deny-all-world", [_entry("deny", "-1", "0.0.0.0/0")])
    _acl(ec2, vpc, "fail-nacl-dicom-range-ipv6", [_entry("allow", "6", "::/0", 100, 200)])
    _acl(ec2, vpc, "fail-nacl-ssh-world", [_entry("allow", "6", "0.0.0.0/0", 22)])
    _acl(ec2, vpc, "fail-nacl-dicom-world-halves", [_entry("allow", "6", "0.0.0.0/1", 104),
                                                     _entry("allow", "6", "128.0.0.0/1", 104)])
    inventory, findings = run(aws_session(), collect_network_acls)
    defaults = {r.name for r in inventory.resources if r.facts["is_default"]}
    assert len(defaults) == 2  # the default VPC's and the new VPC's: both allow all traffic from anywhere
    base = {"pass-nacl-https-world-dicom-private": "pass", "pass-nacl-deny-all-world": "pass",
            **{name: "fail" for name in defaults}}
    assert verdicts(findings, "AWS-NACL-DICOM") == {**base, "fail-nacl-dicom-range-ipv6": "fail",
                                                    "fail-nacl-ssh-world": "pass",
                                                    "fail-nacl-dicom-world-halves": "fail"}
    assert verdicts(findings, "AWS-NACL-ADMIN") == {**base, "fail-nacl-dicom-range-ipv6": "pass",
                                                    "fail-nacl-ssh-world": "fail",
                                                    "fail-nacl-dicom-world-halves": "pass"}
    halves = next(r for r in inventory.resources if r.name == "fail-nacl-dicom-world-halves").facts["ingress"]
    assert [(e["rule_number"], e["sources"]) for e in halves] == [(10, ["0.0.0.0/1", "128.0.0.0/1"])]


# --- VPC flow logs ---------------------------------------------------------------------------------

def _vpc(ec2: Any, name: str, cidr: str) -> str:
    return str(ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}])["Vpc"]["VpcId"])


def seed_vpcs() -> None:
    ec2 = client("ec2")
    client("s3").create_bucket(Bucket="pacscan-flow-logs")
    logged = _vpc(ec2, "pass-flow-logged", "10.40.0.0/16")
    _vpc(ec2, "fail-flow-none", "10.41.0.0/16")
    ec2.create_flow_logs(ResourceIds=[logged], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
                         LogDestination="arn:aws:s3:::pacscan-flow-logs")


def test_vpc_flow_logs(aws: str) -> None:
    seed_vpcs()
    inventory, findings = run(aws_session(), collect_vpcs)
    default = next(r.name for r in inventory.resources if r.facts["is_default"])
    assert verdicts(findings, "AWS-VPC-FLOW-LOGS") == {"pass-flow-logged": "pass", "fail-flow-none": "fail",
                                                       default: "fail"}
    logged = next(r for r in inventory.resources if r.name == "pass-flow-logged")
    assert logged.facts["flow_logs"][0]["status"] == "ACTIVE"
    assert logged.facts["flow_logs"][0]["traffic_type"] == "ALL"


def test_denied_flow_logs_is_error_for_flow_logs_only(aws: str) -> None:
    seed_vpcs()
    session = aws_session()
    inject(session, "ec2", "us-east-1", "DescribeFlowLogs", Fault("UnauthorizedOperation"))
    inventory, findings = run(session, collect_vpcs)
    assert set(verdicts(findings, "AWS-VPC-FLOW-LOGS").values()) == {"error"}
    assert len(verdicts(findings, "AWS-VPC-FLOW-LOGS")) == 3
    assert all(set(r.errors) == {"flow_logs"} for r in inventory.resources)


@pytest.mark.parametrize("rule", ["AWS-SG-DICOM", "AWS-SG-ADMIN", "AWS-NACL-DICOM", "AWS-NACL-ADMIN"])
def test_rules_read_the_catalog_ports(rule: str) -> None:
    from scanner.engine.rules import parameters_used

    catalog = load_catalog()
    live = next(r for r in catalog.rules if r.id == rule)
    assert set(parameters_used(live.check)) == {"dicom_ports" if "DICOM" in rule else "admin_ports"}
