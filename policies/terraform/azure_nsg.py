"""Azure NSG rules that expose DICOM/PACS or remote-administration ports to the internet.

Each rule is judged on its own: a rule open to the world on 443 does not taint a DICOM rule that
is open only to a private range in the same group. Both inline ``security_rule`` blocks (block or
list-of-objects syntax) and separate ``azurerm_network_security_rule`` resources are read. Rule
priorities are not weighed against Deny rules: an Allow from the internet fails on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies import parameters
from policies.terraform.azure_gcp_common import (
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
from policies.terraform.common import Observation, first, flatten

_RESOURCES = ("azurerm_network_security_group", "azurerm_network_security_rule")


def _literal(rule: dict[str, Any], key: str) -> str | None:
    value = first(rule, key)
    if not isinstance(value, str) or is_unresolved(value):
        return None
    return value.strip()


def _sources(rule: dict[str, Any]) -> list[Any]:
    return flatten(rule.get("source_address_prefix")) + flatten(rule.get("source_address_prefixes"))


def _port_ranges(rule: dict[str, Any]) -> list[Any]:
    return flatten(rule.get("destination_port_range")) + flatten(rule.get("destination_port_ranges"))


def judge_rule(label: str, rule: dict[str, Any], ports: frozenset[int], protocols: frozenset[str],
               what: str) -> Observation:
    """One NSG rule against the forbidden ``ports`` (``what`` names them in the text)."""
    direction, access, protocol = (_literal(rule, k) for k in ("direction", "access", "protocol"))
    if direction is None or access is None or protocol is None:
        return unknown(f"{label}: direction/access/protocol not literal "
                       f"({first(rule, 'direction')}/{first(rule, 'access')}/{first(rule, 'protocol')})")
    head = f"{label} {direction} {access} {protocol}"
    if direction.lower() != "inbound" or access.lower() != "allow" or protocol.lower() not in protocols:
        return passed(f"{head}: cannot admit {what} traffic")
    sources = _sources(rule)
    world = [s for s in sources if is_world_source(s)]
    unresolved_sources = [s for s in sources if is_world_source(s) is None]
    raw_ranges = _port_ranges(rule)
    ranges = [parse_port_range(r) for r in raw_ranges]
    if None in ranges or not raw_ranges:
        return unknown(f"{head}: destination ports not literal ({raw_ranges}) from {sources}")
    hits = sorted({p for r in ranges if isinstance(r, PortRange) for p in r.contains_any(ports)})
    body = f"{head} ports {','.join(str(r) for r in raw_ranges)} from {','.join(map(str, sources)) or 'none'}"
    if hits and world:
        return failed(f"{body}: {what} port(s) {hits} open to the internet")
    if hits and unresolved_sources:
        return unknown(f"{body}: source not literal, {what} port(s) {hits} may be open to the internet")
    return passed(f"{body}: no {what} port open to the internet")


def observe_rules(entity_type: str, conf: dict[str, Any], ports: frozenset[int], protocols: frozenset[str],
                  what: str) -> Iterator[Observation]:
    if entity_type == "azurerm_network_security_rule":
        name = first(conf, "name")
        yield judge_rule(f"rule '{name}'", conf, ports, protocols, what)
        return
    rules = blocks(conf, "security_rule")
    if not rules:
        yield passed("no inline security_rule (Azure default rules deny inbound internet traffic; separate "
                     "azurerm_network_security_rule resources are judged on their own)")
    for index, rule in enumerate(rules):
        yield judge_rule(f"security_rule[{index}] '{first(rule, 'name')}'", rule, ports, protocols, what)


class NsgDicomExposure(ObservingCheck):
    keys = ("security_rule", "direction", "access", "protocol", "source_address_prefix",
            "source_address_prefixes", "destination_port_range", "destination_port_ranges")

    def __init__(self) -> None:
        super().__init__("NSG rules do not expose DICOM/PACS ports to the internet",
                         "PACS_AZURE_NSG_DICOM", _RESOURCES, CheckCategories.NETWORKING)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        return observe_rules(self.entity_type, conf, parameters.ports("dicom_ports"), frozenset({"tcp", "*"}), "DICOM")


class NsgAdminExposure(ObservingCheck):
    keys = NsgDicomExposure.keys

    def __init__(self) -> None:
        super().__init__("NSG rules do not expose remote-administration ports to the internet",
                         "PACS_AZURE_NSG_ADMIN", _RESOURCES, CheckCategories.NETWORKING)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        ports = parameters.ports("admin_ports")
        return observe_rules(self.entity_type, conf, ports, frozenset({"tcp", "udp", "*"}), "admin")


check_dicom = NsgDicomExposure()
check_admin = NsgAdminExposure()
