"""Security-group ingress open to the internet on DICOM/PACS or remote-administration ports.

Evaluated resources: ``aws_security_group`` (inline ``ingress`` blocks), ``aws_security_group_rule``
(``type = "ingress"`` only) and ``aws_vpc_security_group_ingress_rule``. A rule is judged on its own,
so a world-open 443 rule never taints a DICOM rule that is open only to a private CIDR in the same
group. A rule exposes a port when:

* its source includes the whole internet: a CIDR with prefix length 0 (``0.0.0.0/0``, ``::/0``);
  other sources (private CIDRs, security groups, prefix lists) are not judged as world;
* its protocol carries TCP: ``tcp``/``6``, or ``-1``/``all`` (every protocol and port);
* its port range ``from_port..to_port`` contains one of the parameter's ports (a range that merely
  contains 104 counts).

Unrendered values (``var.x``) in a source, protocol or port make the rule UNKNOWN, never PASSED.
Ports come from the catalog parameters ``dicom_ports`` / ``admin_ports`` (rules.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies import parameters
from policies.terraform.aws_common import blocks, is_unresolved
from policies.terraform.common import Observation, as_int, combine, first, flatten, is_zero_prefix

ALL_PROTOCOLS = frozenset({"-1", "all"})
TCP_PROTOCOLS = frozenset({"tcp", "6"})


@dataclass(frozen=True)
class IngressRule:
    """One ingress rule as written: where it came from, protocol, port bounds and sources."""

    label: str
    protocol: Any
    from_port: Any
    to_port: Any
    sources: tuple[Any, ...]


def is_world(cidr: str) -> bool:
    """True when ``cidr`` covers the whole IPv4 or IPv6 internet (prefix length 0)."""
    return is_zero_prefix(cidr)


def port_span(protocol: str, from_port: Any, to_port: Any) -> range | None:
    """The TCP ports a rule opens (empty for non-TCP protocols), or None when unresolvable."""
    proto = protocol.strip().lower()
    if proto in ALL_PROTOCOLS:
        return range(0, 65536)
    if proto not in TCP_PROTOCOLS:
        return range(0)
    low, high = as_int(from_port), as_int(to_port)
    if low is None or high is None:
        return None
    if low == -1 and high == -1:
        return range(0, 65536)
    return range(low, high + 1)


def exposed_ports(span: range, watched: frozenset[int]) -> list[int]:
    """The watched ports that fall inside ``span``, sorted."""
    return sorted(p for p in watched if p in span)


def judge(rule: IngressRule, watched: frozenset[int], kind: str) -> Observation | None:
    """The verdict for one rule, or None when it is not open to the world at all."""
    text = f"{rule.label} protocol={rule.protocol} ports={rule.from_port}-{rule.to_port}"
    unresolved_sources = [s for s in rule.sources if not isinstance(s, str) or is_unresolved(s)]
    world = [s for s in rule.sources if isinstance(s, str) and is_world(s)]
    if not world and not unresolved_sources:
        return None
    where = f"from {', '.join(map(str, world or unresolved_sources))}"
    if not isinstance(rule.protocol, str) or is_unresolved(rule.protocol):
        return Observation(f"{text} {where}: protocol not resolvable", CheckResult.UNKNOWN)
    span = port_span(rule.protocol, rule.from_port, rule.to_port)
    if span is None:
        return Observation(f"{text} {where}: port range not resolvable", CheckResult.UNKNOWN)
    hits = exposed_ports(span, watched)
    if not hits:
        return Observation(f"{text} {where}: no {kind} port", CheckResult.PASSED)
    verdict = CheckResult.FAILED if world else CheckResult.UNKNOWN
    suffix = "" if world else " (source not resolvable)"
    return Observation(f"{text} {where}: exposes {kind} ports {hits}{suffix}", verdict)


def _sources(block: dict[str, Any], keys: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(v for key in keys for v in flatten(block.get(key)))


def ingress_rules(conf: dict[str, Any], resource_type: str) -> list[IngressRule]:
    """The ingress rules a resource declares, in the shape of :class:`IngressRule`."""
    if resource_type == "aws_security_group":
        return [
            IngressRule(
                f"ingress[{i}]",
                first(b, "protocol"),
                first(b, "from_port"),
                first(b, "to_port"),
                _sources(b, ("cidr_blocks", "ipv6_cidr_blocks")),
            )
            for i, b in enumerate(blocks(conf, "ingress"))
        ]
    if resource_type == "aws_security_group_rule":
        if str(first(conf, "type")).lower() != "ingress":
            return []
        return [
            IngressRule(
                "rule",
                first(conf, "protocol"),
                first(conf, "from_port"),
                first(conf, "to_port"),
                _sources(conf, ("cidr_blocks", "ipv6_cidr_blocks")),
            )
        ]
    protocol = first(conf, "ip_protocol")
    from_port, to_port = first(conf, "from_port"), first(conf, "to_port")
    return [IngressRule("rule", protocol, from_port, to_port, _sources(conf, ("cidr_ipv4", "cidr_ipv6")))]


class WorldIngressCheck(BaseResourceCheck):
    """Fails when any ingress rule opens one of the ``parameter`` ports to the whole internet."""

    def __init__(self, name: str, check_id: str, parameter: str, kind: str) -> None:
        self.parameter = parameter
        self.kind = kind
        super().__init__(
            name=name,
            id=check_id,
            categories=(CheckCategories.NETWORKING,),
            supported_resources=(
                "aws_security_group",
                "aws_security_group_rule",
                "aws_vpc_security_group_ingress_rule",
            ),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        watched = parameters.ports(self.parameter)
        rules = ingress_rules(conf, self.entity_type)
        observations = [o for o in (judge(r, watched, self.kind) for r in rules) if o is not None]
        self.evaluated_keys = (
            ["ingress"]
            if self.entity_type == "aws_security_group"
            else [
                "type",
                "protocol",
                "ip_protocol",
                "from_port",
                "to_port",
                "cidr_blocks",
                "ipv6_cidr_blocks",
                "cidr_ipv4",
                "cidr_ipv6",
            ]
        )
        self.details = [f"{self.parameter}={sorted(watched)}"] + [o.text for o in observations]
        if not observations:
            self.details.append(f"{len(rules)} ingress rule(s), none open to 0.0.0.0/0 or ::/0")
        return combine(observations, CheckResult.PASSED)


dicom_check = WorldIngressCheck(
    "DICOM/PACS ports are not reachable from the internet (0.0.0.0/0, ::/0)",
    "PACS_AWS_SG_DICOM",
    "dicom_ports",
    "DICOM/PACS",
)
admin_check = WorldIngressCheck(
    "Remote administration ports (SSH/RDP) and all-protocol rules are not open to the internet",
    "PACS_AWS_SG_ADMIN",
    "admin_ports",
    "admin",
)
