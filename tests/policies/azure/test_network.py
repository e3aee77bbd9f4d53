"""``azure.network.nsg`` and ``azure.network.application_gateway`` from Terraform: each test names
the semantic it asserts."""

from __future__ import annotations

from typing import Any

import pytest

from policies.terraform.azure.network import port_spec
from scanner.facts.types import to_network_source, to_port_range
from scanner.facts.values import Unknown
from tests.policies.azure.support import RG, after_apply, config, facts, instance, nsg_rule, status

NSG = "azurerm_network_security_group.pacs"
UNSET = Unknown('variable "x" has no value')


def group(*rules: Any, **attrs: Any) -> Any:
    args: dict[str, Any] = {"name": "nsg-pacs", "location": "westeurope", "resource_group_name": "rg-pacs", **attrs}
    if rules:
        args["security_rule"] = list(rules)
    return instance(NSG, args)


def dicom(*rules: Any, **parameters: Any) -> str:
    return status(config(group(*rules)), "AZURE-NSG-DICOM", NSG, **parameters)


def test_inline_rule_in_the_live_collectors_shape() -> None:
    [seen] = facts(config(group(nsg_rule(destination_port_ranges=["100-200", "443"]))), NSG)["rules"]
    assert seen == {"name": "dicom", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                    "sources": ["Internet"], "ports": [{"range": {"from": 104, "to": 104}, "spec": "104"},
                                                       {"range": {"from": 100, "to": 200}, "spec": "100-200"},
                                                       {"range": {"from": 443, "to": 443}, "spec": "443"}]}


@pytest.mark.parametrize("source", ["*", "Internet", "internet", "Any", "0.0.0.0/0", "::/0"])
def test_world_sources(source: str) -> None:
    assert dicom(nsg_rule(source_address_prefix=source)) == "fail"


@pytest.mark.parametrize("sources", [["0.0.0.0/1", "128.0.0.0/1"], ["10.0.0.0/8", "::/0"]])
def test_source_prefix_lists_and_unions_covering_the_world(sources: list[str]) -> None:
    assert dicom(nsg_rule(source_address_prefix=None, source_address_prefixes=sources)) == "fail"


@pytest.mark.parametrize("source", ["10.0.0.0/8", "203.0.113.7/32", "VirtualNetwork", "AzureLoadBalancer"])
def test_narrower_sources(source: str) -> None:
    assert dicom(nsg_rule(source_address_prefix=source)) == "pass"


@pytest.mark.parametrize("spec", ["*", "100-200", " 100 - 200 ", "104", 104])
def test_port_specs_holding_a_dicom_port(spec: Any) -> None:
    assert dicom(nsg_rule(destination_port_range=spec)) == "fail"


def test_port_list_and_a_rule_open_on_other_ports() -> None:
    assert dicom(nsg_rule(destination_port_range=None, destination_port_ranges=["443", "4242"])) == "fail"
    assert dicom(nsg_rule(destination_port_range="443")) == "pass"


@pytest.mark.parametrize("spec", ["200-100", "70000", "var.port", "${var.port}", "security_rule.value.port", True])
def test_port_specs_that_are_not_literal_ranges_are_unknown(spec: Any) -> None:
    assert isinstance(to_port_range(port_spec(spec)["range"]), Unknown)
    assert dicom(nsg_rule(destination_port_range=spec)) == "unknown"


@pytest.mark.parametrize("source", ["security_rule.value.source_address_prefix", "${var.source}", "var.source",
                                    "each.value.cidr"])
def test_leftover_expression_text_is_never_a_source(source: str) -> None:
    assert isinstance(to_network_source(source), Unknown)
    assert dicom(nsg_rule(source_address_prefix=source)) == "unknown"


def test_no_destination_port_is_unknown() -> None:
    assert dicom(nsg_rule(destination_port_range="", destination_port_ranges=[])) == "unknown"


@pytest.mark.parametrize(("protocol", "dicom_status", "admin_status"), [
    ("Tcp", "fail", "fail"), ("tcp", "fail", "fail"), ("*", "fail", "fail"), ("Udp", "pass", "fail"),
    ("Icmp", "pass", "pass"), ("Banana", "unknown", "unknown")])
def test_protocols_as_the_old_checks(protocol: str, dicom_status: str, admin_status: str) -> None:
    found = config(group(nsg_rule(protocol=protocol, destination_port_ranges=["104", "3389"],
                                  destination_port_range=None)))
    assert status(found, "AZURE-NSG-DICOM", NSG) == dicom_status
    assert status(found, "AZURE-NSG-ADMIN", NSG) == admin_status


def test_deny_and_outbound_rules_expose_nothing() -> None:
    assert dicom(nsg_rule(access="Deny"), nsg_rule(direction="Outbound"), nsg_rule(direction="outbound")) == "pass"


def test_each_rule_on_its_own() -> None:
    assert dicom(nsg_rule(destination_port_range="443"), nsg_rule(source_address_prefix="10.20.0.0/16")) == "pass"


def test_no_rules_is_nothing_exposed() -> None:
    assert dicom() == "pass"


def test_dynamic_rules_nobody_could_see_are_unknown_never_no_rules() -> None:
    unseen = Unknown("dynamic 'security_rule': for_each is unknown", spread=True)
    assert dicom(unseen) == "unknown"
    assert status(config(group(security_rule=UNSET)), "AZURE-NSG-DICOM", NSG) == "unknown"
    assert dicom(unseen, nsg_rule()) == "fail"  # a known world rule decides


def test_iterator_values_the_evaluator_could_not_know_are_unknown() -> None:
    assert dicom(nsg_rule(source_address_prefix=UNSET)) == "unknown"
    assert dicom(nsg_rule(destination_port_range=UNSET)) == "unknown"
    assert dicom(nsg_rule(source_address_prefix=None, source_address_prefixes=UNSET)) == "unknown"
    assert dicom(nsg_rule(source_address_prefix=None, source_address_prefixes=["10.0.0.0/8", UNSET])) == "unknown"
    assert dicom(nsg_rule(source_address_prefix=None, source_address_prefixes=["Internet", UNSET])) == "fail"
    assert dicom(nsg_rule(direction=UNSET)) == "unknown"


def separate(**overrides: Any) -> Any:
    args = {"resource_group_name": "rg-pacs", "network_security_group_name": "nsg-pacs", **nsg_rule(), **overrides}
    return instance("azurerm_network_security_rule.r", args)


def test_separate_rules_by_name_and_resource_group() -> None:
    assert status(config(group(), separate()), "AZURE-NSG-DICOM", NSG) == "fail"
    assert status(config(group(), separate(resource_group_name="rg-other")), "AZURE-NSG-DICOM", NSG) == "pass"
    by_ref = separate(network_security_group_name=after_apply(NSG, "name"))
    linked = instance(by_ref.address, by_ref.attrs, refs={"network_security_group_name": (NSG,)})
    assert status(config(group(), linked), "AZURE-NSG-DICOM", NSG) == "fail"


def test_separate_rule_whose_group_cannot_be_known_may_be_any_groups() -> None:
    assert status(config(group(), separate(network_security_group_name=UNSET)), "AZURE-NSG-DICOM", NSG) == "unknown"
    unknown_rg = separate(resource_group_name=UNSET)
    assert status(config(group(), unknown_rg), "AZURE-NSG-DICOM", NSG) == "unknown"


def flow_log(enabled: Any, **link: Any) -> Any:
    args = {"network_security_group_id": after_apply(NSG), "enabled": enabled, **link}
    return instance("azurerm_network_watcher_flow_log.f", args, refs={k: (NSG,) for k in args if k.endswith("_id")})


def test_flow_logs_enabled_disabled_and_absent() -> None:
    assert status(config(group(), flow_log(True)), "AZURE-NSG-FLOW-LOG", NSG) == "pass"
    assert status(config(group(), flow_log(False)), "AZURE-NSG-FLOW-LOG", NSG) == "fail"
    assert status(config(group()), "AZURE-NSG-FLOW-LOG", NSG) == "fail"
    assert status(config(group(), flow_log(UNSET)), "AZURE-NSG-FLOW-LOG", NSG) == "unknown"


def test_flow_log_by_literal_id_and_by_v4_target() -> None:
    literal = instance("azurerm_network_watcher_flow_log.f", {
        "network_security_group_id": f"{RG}/Microsoft.Network/networkSecurityGroups/nsg-pacs", "enabled": True})
    assert status(config(group(), literal), "AZURE-NSG-FLOW-LOG", NSG) == "pass"
    v4 = instance("azurerm_network_watcher_flow_log.f", {"target_resource_id": after_apply(NSG), "enabled": True},
                  refs={"target_resource_id": (NSG,)})
    assert status(config(group(), v4), "AZURE-NSG-FLOW-LOG", NSG) == "pass"
    vnet = instance("azurerm_network_watcher_flow_log.f", {
        "target_resource_id": f"{RG}/Microsoft.Network/virtualNetworks/nsg-pacs", "enabled": True})
    assert status(config(group(), vnet), "AZURE-NSG-FLOW-LOG", NSG) == "fail"


def test_flow_log_whose_group_cannot_be_known_is_unknown() -> None:
    maybe = instance("azurerm_network_watcher_flow_log.f", {"network_security_group_id": UNSET, "enabled": True})
    assert status(config(group(), maybe), "AZURE-NSG-FLOW-LOG", NSG) == "unknown"


GATEWAY = "azurerm_application_gateway.gw"


def gateway(**attrs: Any) -> Any:
    return instance(GATEWAY, {"name": "gw", **attrs})


def tls(*blocks: Any, **parameters: Any) -> str:
    return status(config(gateway(**{k: v for b in blocks for k, v in b.items()})), "AZURE-APPGW-TLS", GATEWAY,
                  **parameters)


@pytest.mark.parametrize(("policy", "expected"), [
    ({"policy_type": "Predefined", "policy_name": "AppGwSslPolicy20220101S"}, "pass"),
    ({"policy_type": "Predefined", "policy_name": "AppGwSslPolicy20170401"}, "fail"),
    ({"policy_type": "CustomV2", "min_protocol_version": "TLSv1_2"}, "pass"),
    ({"policy_type": "Custom", "min_protocol_version": "TLSv1_1"}, "fail"),
    ({"disabled_protocols": ["TLSv1_0", "TLSv1_1"]}, "pass"),
    ({"disabled_protocols": ["TLSv1_0"]}, "fail"),
    ({}, "fail"),
    ({"policy_type": "Predefined", "policy_name": "AppGwSslPolicy20990101"}, "unknown"),
    ({"policy_type": "Predefined", "policy_name": UNSET}, "unknown"),
    ({"policy_type": "Custom", "min_protocol_version": UNSET}, "unknown"),
    ({"disabled_protocols": ["TLSv1_0", UNSET]}, "unknown"),
    ({"disabled_protocols": UNSET}, "unknown"),
])
def test_gateway_tls_policy(policy: dict[str, Any], expected: str) -> None:
    assert tls({"ssl_policy": [policy]}) == expected


def test_gateway_without_ssl_policy_fails_and_an_unseen_one_is_unknown() -> None:
    assert tls() == "fail"
    assert tls({"ssl_policy": [Unknown("dynamic ssl_policy", spread=True)]}) == "unknown"


def test_predefined_name_with_both_branches_known_is_decided() -> None:
    both = Unknown("var.strict ? ... : ...", candidates=("AppGwSslPolicy20220101", "AppGwSslPolicy20170401S"))
    assert tls({"ssl_policy": [{"policy_type": "Predefined", "policy_name": both}]}) == "pass"


def test_ssl_profiles_are_judged_too() -> None:
    good = {"ssl_policy": [{"policy_name": "AppGwSslPolicy20220101S"}]}
    weak = {"ssl_profile": [{"name": "p", "ssl_policy": [{"policy_name": "AppGwSslPolicy20150501"}]}]}
    assert tls(good, weak) == "fail"
    strong = {"ssl_profile": [{"name": "p", "ssl_policy": [{"min_protocol_version": "TLSv1_3"}]}]}
    assert tls(good, strong) == "pass"
    assert tls(good, {"ssl_profile": [{"name": "p"}]}) == "unknown"


def test_min_tls_version_parameter_flows_to_gateways() -> None:
    policy = {"ssl_policy": [{"policy_type": "CustomV2", "min_protocol_version": "TLSv1_2"}]}
    assert tls(policy, min_tls_version="1.3") == "fail"
    assert tls({"ssl_policy": [{"min_protocol_version": "TLSv1_3"}]}, min_tls_version="1.3") == "pass"
