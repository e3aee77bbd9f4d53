"""Network facts the live collector reads beyond the shared world: Application Gateway SSL profiles
(their policy replaces the gateway's on the listeners using them) and NSG port specs that are not
ranges (kept, unknown by type, never dropped as "no port"), against the HTTPS ARM fixture server."""

from __future__ import annotations

from typing import Any

from tests.azure import world
from tests.azure.conftest import ArmServer
from tests.azure.helpers import by_rule, outcomes, run

NET = f"/subscriptions/{world.SUB}/providers/Microsoft.Network"


def _profiled(name: str, **profile_policy: Any) -> Any:
    from azure.mgmt.network import models as m

    found = world.gateway(name, policy_type="Predefined", policy_name="AppGwSslPolicy20220101S")
    policy = m.ApplicationGatewaySslPolicy(**profile_policy) if profile_policy else None
    found.properties.ssl_profiles = [m.ApplicationGatewaySslProfile(
        name="partners", properties=m.ApplicationGatewaySslProfilePropertiesFormat(ssl_policy=policy))]
    return found


def test_ssl_profiles_are_judged_with_the_gateway_policy(arm: ArmServer) -> None:
    world.build(arm)
    arm.on(f"{NET}/applicationGateways", world.page(
        _profiled("pass-profile", policy_type="CustomV2", min_protocol_version="TLSv1_2"),
        _profiled("fail-profile", policy_type="Predefined", policy_name="AppGwSslPolicy20150501"),
        _profiled("unknown-profile"),
        world.gateway("unknown-name", policy_type="Predefined", policy_name="AppGwSslPolicy20990101S"),
    ))
    inventory, found, _scan = run(arm)
    assert arm.missing == [] and inventory.failures == ()
    assert outcomes(found)["AZURE-APPGW-TLS"] == {"pass": {"pass-profile"}, "fail": {"fail-profile"},
                                                  "unknown": {"unknown-profile", "unknown-name"}}
    gateway = next(r for r in inventory.resources if r.name == "fail-profile")
    assert gateway.facts["ssl_profiles"] == [{"name": "partners", "lowest_protocol": "TLSv1_0"}]


def test_port_specs_that_are_not_ranges_are_kept_and_unknown(arm: ArmServer) -> None:
    world.build(arm)
    arm.on(f"{NET}/networkSecurityGroups", world.page(
        world.nsg("unknown-spec", world.nsg_rule("odd", 100, "Internet", "dicom")),
        world.nsg("unknown-reversed", world.nsg_rule("rev", 100, "Internet", "200-100")),
        world.nsg("fail-beside-odd", world.nsg_rule("odd", 100, "Internet", "dicom"),
                  world.nsg_rule("open", 110, "*", "104")),
    ))
    inventory, found, _scan = run(arm)
    assert arm.missing == []
    assert outcomes(found)["AZURE-NSG-DICOM"] == {"unknown": {"unknown-spec", "unknown-reversed"},
                                                  "fail": {"fail-beside-odd"}}
    odd = next(r for r in inventory.resources if r.name == "unknown-spec")
    assert odd.facts["rules"][0]["ports"] == [{"range": "dicom", "spec": "dicom"}]
    assert "not a port range" in by_rule(found, "AZURE-NSG-DICOM")[0].message
