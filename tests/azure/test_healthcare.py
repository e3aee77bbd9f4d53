"""Azure Health Data Services DICOM services, live: azure-mgmt-healthcareapis (and the monitor client
for diagnostic settings) against the ARM fixture server, bodies built from the SDK's own models
(world.py); faults (403, 429) at the HTTP layer give error, never pass."""

from __future__ import annotations

from scanner.catalog import load_catalog
from scanner.engine.evaluate import evaluate_inventory
from scanner.models import Status
from tests.azure import world
from tests.azure.conftest import ArmServer
from tests.azure.helpers import by_rule, collector, outcomes, run

RULES = ("AZURE-DICOM-CMK", "AZURE-DICOM-PUBLIC-NETWORK", "AZURE-DICOM-AUDIT-LOGS", "AZURE-DICOM-ENCRYPTION-AT-REST")


def test_facts_read_from_the_service_and_its_workspace(arm: ArmServer) -> None:
    world.build(arm)
    inventory, _found, _scan = run(arm)
    services = {r.name: r for r in inventory.resources if r.type == "azure.healthcare.dicom_service"}
    good, bad = services["pass-dicom"], services["fail-dicom"]
    assert good.id == world.dicom_id("pass-dicom") and good.account == world.SUB and good.region == "eastus"
    assert good.facts["public_network_access"] == "Disabled"
    assert good.facts["encryption"] == {"key_url": "https://pass-kv.vault.azure.net/keys/dicom"}
    assert {e["id"].rsplit("/", 1)[-1] for e in good.facts["private_endpoints"]} == {"pe-dicom", "pe-ws"}
    assert good.facts["diagnostics"] == [{"name": "audit", "logs": ["AuditLogs"]}]
    assert good.facts["workspace"] == world.WORKSPACE
    assert bad.facts["public_network_access"] is None and bad.facts["encryption"] == {"key_url": None}
    assert good.tags == {"data": "imaging"}


def test_unset_public_access_is_the_arm_default_and_fails(arm: ArmServer) -> None:
    world.build(arm)
    _inventory, found, _scan = run(arm)
    finding = next(f for f in by_rule(found, "AZURE-DICOM-PUBLIC-NETWORK")
                   if f.evidence["resource_name"] == "fail-dicom")
    assert finding.status is Status.FAIL


def test_dicom_services_are_imaging_data_whatever_the_scope_says(arm: ArmServer) -> None:
    world.build(arm)
    catalog = load_catalog()
    narrow = {**catalog.defaults(), "imaging_data": {"tags": {"nothing": "matches"}, "name_patterns": ["none-*"]}}
    found = evaluate_inventory(catalog, narrow, collector(arm).collect(), "azure")
    assert outcomes(found)["AZURE-DICOM-CMK"] == {"pass": {"pass-dicom"}, "fail": {"fail-dicom"}}
    assert "AZURE-STORAGE-CMK" not in outcomes(found)  # the storage accounts are out of this scope


def test_denied_workspace_listing_errors_every_dicom_rule(arm: ArmServer) -> None:
    world.build(arm)
    arm.on(f"/subscriptions/{world.SUB}/providers/Microsoft.HealthcareApis/workspaces", world.denied())
    inventory, found, _scan = run(arm)
    assert [(f.type, f.account) for f in inventory.failures] == [("azure.healthcare.dicom_service", world.SUB)]
    assert "AuthorizationFailed (HTTP 403)" in inventory.failures[0].reason
    for rule in RULES:
        assert {f.status for f in by_rule(found, rule)} == {Status.ERROR}, rule


def test_throttled_dicom_listing_retries_then_errors(arm: ArmServer) -> None:
    world.build(arm)
    listing = f"{world.WORKSPACE}/dicomservices"
    arm.on(listing, world.throttled(), *arm.routes[listing.lower()])
    _inventory, found, _scan = run(arm)
    assert outcomes(found)["AZURE-DICOM-CMK"] == {"pass": {"pass-dicom"}, "fail": {"fail-dicom"}}
    assert sum(path.lower() == listing.lower() for _, path in arm.requests) == 2
    world.build(arm)
    arm.on(listing, world.throttled())
    inventory, found, _scan = run(arm)
    assert [(f.type, f.region) for f in inventory.failures] == [("azure.healthcare.dicom_service", "eastus")]
    assert "TooManyRequests (HTTP 429)" in inventory.failures[0].reason
    for rule in RULES:
        assert {f.status for f in by_rule(found, rule)} == {Status.ERROR}, rule


def test_denied_diagnostic_settings_error_only_the_audit_rule(arm: ArmServer) -> None:
    world.build(arm)
    arm.on(f"{world.dicom_id('pass-dicom')}/providers/Microsoft.Insights/diagnosticSettings", world.denied())
    _inventory, found, _scan = run(arm)
    result = outcomes(found)
    assert result["AZURE-DICOM-AUDIT-LOGS"] == {"error": {"pass-dicom"}, "fail": {"fail-dicom"}}
    assert result["AZURE-DICOM-CMK"] == {"pass": {"pass-dicom"}, "fail": {"fail-dicom"}}


def test_a_subscription_not_registered_for_health_data_services_has_no_dicom_service(arm: ArmServer) -> None:
    from tests.azure.conftest import arm_error

    world.build(arm)
    arm.on(f"/subscriptions/{world.SUB}/providers/Microsoft.HealthcareApis/workspaces", arm_error(
        409, "MissingSubscriptionRegistration",
        "The subscription is not registered to use namespace 'Microsoft.HealthcareApis'."))
    inventory, found, _scan = run(arm)
    assert inventory.failures == ()
    assert not [r for r in inventory.resources if r.type == "azure.healthcare.dicom_service"]
    assert not [f for rule in RULES for f in by_rule(found, rule)]
