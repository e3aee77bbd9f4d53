"""GCP firewall rules that expose DICOM/PACS or remote-administration ports to the internet.

An INGRESS rule (the default direction) that is not disabled is judged allow block by allow
block: protocol ``all`` or an allow block without ``ports`` opens every port, a range such as
``"100-200"`` counts when it contains a forbidden port. An ingress rule with no ``source_ranges``,
``source_tags`` or ``source_service_accounts`` applies to ``0.0.0.0/0`` (GCP's default).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies import parameters
from policies.terraform.azure_gcp_common import (
    ALL_PORTS,
    ObservingCheck,
    PortRange,
    blocks,
    failed,
    is_unresolved,
    is_world_source,
    parse_port_range,
    passed,
    unknown,
)
from policies.terraform.common import Observation, as_bool, first, flatten

_DICOM_PROTOCOLS = frozenset({"tcp", "6", "all"})
_ADMIN_PROTOCOLS = frozenset({"tcp", "udp", "6", "17", "all"})


def _world_sources(conf: dict[str, Any]) -> tuple[list[str], list[Any], bool]:
    """(world ranges, unresolved ranges, whether the sources were defaulted to 0.0.0.0/0)."""
    ranges = flatten(conf.get("source_ranges"))
    if not ranges and not flatten(conf.get("source_tags")) and not flatten(conf.get("source_service_accounts")):
        return ["0.0.0.0/0"], [], True
    world = [str(r) for r in ranges if is_world_source(r)]
    return world, [r for r in ranges if is_world_source(r) is None], False


def _allow_ports(allow: dict[str, Any]) -> list[PortRange | None]:
    raw = flatten(allow.get("ports"))
    return [parse_port_range(p) for p in raw] if raw else [ALL_PORTS]


def _judge_allow(index: int, allow: dict[str, Any], ports: frozenset[int], protocols: frozenset[str],
                 what: str, world: list[str], unresolved: list[Any]) -> Observation:
    protocol = first(allow, "protocol")
    label = f"allow[{index}] {protocol} ports {flatten(allow.get('ports')) or 'all'}"
    if not isinstance(protocol, str) or is_unresolved(protocol):
        return unknown(f"{label}: protocol not literal")
    if protocol.strip().lower() not in protocols:
        return passed(f"{label}: cannot carry {what} traffic")
    ranges = _allow_ports(allow)
    if None in ranges:
        return unknown(f"{label}: ports not literal")
    hits = sorted({p for r in ranges if r is not None for p in r.contains_any(ports)})
    if hits and world:
        return failed(f"{label} from {','.join(world)}: {what} port(s) {hits} open to the internet")
    if hits and unresolved:
        return unknown(f"{label} from {unresolved}: source not literal, {what} port(s) {hits} may be open")
    return passed(f"{label}: no {what} port open to the internet")


def observe_firewall(conf: dict[str, Any], ports: frozenset[int], protocols: frozenset[str],
                     what: str) -> Iterator[Observation]:
    direction = first(conf, "direction") or "INGRESS"
    disabled = first(conf, "disabled")
    if is_unresolved(direction) or (disabled is not None and as_bool(disabled) is None):
        yield unknown(f"direction={direction} disabled={disabled}: not literal")
        return
    if str(direction).upper() != "INGRESS" or as_bool(disabled):
        yield passed(f"direction={direction} disabled={disabled}: admits no inbound traffic")
        return
    world, unresolved, defaulted = _world_sources(conf)
    if defaulted:
        yield passed("no source_ranges/tags/service accounts: GCP applies the rule to 0.0.0.0/0")
    allows = blocks(conf, "allow")
    if not allows:
        yield passed(f"no allow block (deny rule): opens nothing; source_ranges={conf.get('source_ranges')}")
    for index, allow in enumerate(allows):
        yield _judge_allow(index, allow, ports, protocols, what, world, unresolved)


class FirewallDicomExposure(ObservingCheck):
    keys = ("direction", "disabled", "source_ranges", "source_tags", "allow/[0]/protocol", "allow/[0]/ports")

    def __init__(self) -> None:
        super().__init__("Firewall rules do not expose DICOM/PACS ports to the internet",
                         "PACS_GCP_FIREWALL_DICOM", ["google_compute_firewall"], CheckCategories.NETWORKING)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        return observe_firewall(conf, parameters.ports("dicom_ports"), _DICOM_PROTOCOLS, "DICOM")


class FirewallAdminExposure(ObservingCheck):
    keys = FirewallDicomExposure.keys

    def __init__(self) -> None:
        super().__init__("Firewall rules do not expose remote-administration ports to the internet",
                         "PACS_GCP_FIREWALL_ADMIN", ["google_compute_firewall"], CheckCategories.NETWORKING)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        return observe_firewall(conf, parameters.ports("admin_ports"), _ADMIN_PROTOCOLS, "admin")


check_dicom = FirewallDicomExposure()
check_admin = FirewallAdminExposure()
