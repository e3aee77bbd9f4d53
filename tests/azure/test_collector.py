"""The Azure collector against a local HTTPS ARM fixture server, then the real rule engine and catalog.

ARM has no emulator: responses are ARM-shaped JSON built from the SDK's own models (``world.py``),
served over TLS by ``conftest.py``; the unmodified SDK clients reach it through ``base_url``.
Errors (403 AuthorizationFailed, 429 with Retry-After) are injected at the HTTP layer.
"""

from __future__ import annotations

from scanner.collectors.azure.session import arm_action
from scanner.models import Status
from tests.azure import world
from tests.azure.conftest import ArmServer
from tests.azure.helpers import by_rule, outcomes, run

STORAGE_PASS = {"pass-account", "weak-key-account"}
STORAGE_FAIL = {"fail-account"}
_STORAGE_RULES = ("AZURE-STORAGE-CMK", "AZURE-STORAGE-TLS", "AZURE-STORAGE-NETWORK", "AZURE-STORAGE-PUBLIC",
                  "AZURE-CONTAINER-PRIVATE", "AZURE-STORAGE-SHARED-KEY", "AZURE-STORAGE-BLOB-LOGGING",
                  "AZURE-STORAGE-VERSIONING", "AZURE-STORAGE-IMMUTABILITY", "AZURE-CONTAINER-IMMUTABILITY",
                  "AZURE-LIFECYCLE-RETENTION")
ACTIVITY_SUB = f"activity log of {world.SUB}"
ACTIVITY_SUB2 = f"activity log of {world.SUB2}"

EXPECTED: dict[str, dict[str, set[str]]] = {
    **{rule: {"pass": STORAGE_PASS, "fail": STORAGE_FAIL} for rule in _STORAGE_RULES},
    "AZURE-STORAGE-ENCRYPTION-AT-REST": {"pass": STORAGE_PASS | STORAGE_FAIL},
    "AZURE-NSG-DICOM": {"pass": {"pass-nsg", "fail-nsg-admin", "fail-nsg-west"}, "fail": {"fail-nsg-dicom"}},
    "AZURE-NSG-ADMIN": {"pass": {"pass-nsg", "fail-nsg-dicom"}, "fail": {"fail-nsg-admin", "fail-nsg-west"}},
    "AZURE-NSG-FLOW-LOG": {"pass": {"pass-nsg"}, "fail": {"fail-nsg-dicom", "fail-nsg-admin", "fail-nsg-west"}},
    "AZURE-APPGW-TLS": {"pass": {"pass-appgw", "pass-appgw-custom"}, "fail": {"fail-appgw-old", "fail-appgw-default"}},
    "AZURE-RECOVERY-VAULT": {"pass": {"pass-rsv"}, "fail": {"fail-rsv"}},
    "AZURE-BACKUP-RETENTION": {"pass": {"pass-policy-vm"}, "fail": {"fail-policy-files"},
                               "not_applicable": {"sql-policy"}},  # a workload policy: not judged
    "AZURE-KEY-ROTATION": {"pass": {"pass-key"}, "fail": {"fail-key"}},
    "AZURE-KEYVAULT-PURGE-PROTECTION": {"pass": {"pass-key"}, "fail": {"fail-key"}},
    "AZURE-ACTIVITY-LOG": {"pass": {ACTIVITY_SUB}, "fail": {ACTIVITY_SUB2}},
    **{rule: {"pass": {"pass-dicom"}, "fail": {"fail-dicom"}}
       for rule in ("AZURE-DICOM-CMK", "AZURE-DICOM-PUBLIC-NETWORK", "AZURE-DICOM-AUDIT-LOGS")},
    "AZURE-DICOM-ENCRYPTION-AT-REST": {"pass": {"pass-dicom", "fail-dicom"}},
}


def test_every_rule_passes_and_fails_exactly_the_named_resources(arm: ArmServer) -> None:
    world.build(arm)
    inventory, found, _scan = run(arm)
    assert arm.missing == []
    assert inventory.failures == ()
    assert outcomes(found) == EXPECTED
    addresses = {f.resource.address for f in by_rule(found, "AZURE-STORAGE-TLS")}
    assert world.account_id("fail-account") in addresses  # address is the Azure resource id
    assert set(inventory.identities) == {world.SUB, world.SUB2}


def test_evidence_shows_the_observed_facts(arm: ArmServer) -> None:
    world.build(arm)
    _inventory, found, _scan = run(arm)
    tls = next(f for f in by_rule(found, "AZURE-STORAGE-TLS") if f.evidence["resource_name"] == "fail-account")
    assert tls.evidence["observed"] == {"https_only": False, "min_tls_version": "TLS1_0"}
    rest = next(f for f in by_rule(found, "AZURE-STORAGE-ENCRYPTION-AT-REST"))
    assert "cannot be disabled" in rest.evidence["by_design"]
    dicom = next(f for f in by_rule(found, "AZURE-NSG-DICOM") if f.evidence["resource_name"] == "fail-nsg-dicom")
    rules = dicom.evidence["observed"]["rules"]
    assert rules[0]["sources"] == ["Internet"] and rules[0]["ports"][0]["range"] == {"from": 11112, "to": 11112}


def test_calls_stay_within_the_reader_role_and_never_list_keys(arm: ArmServer) -> None:
    world.build(arm)
    inventory, _found, scan = run(arm)
    assert scan.session is not None
    wire = scan.session.wire
    assert wire and sorted(wire) == sorted(arm.requests)  # what the SDK sent is what the server saw
    actions = {arm_action(method, path) for method, path in wire}
    assert {method for method, _ in wire} == {"GET"}
    assert all(action.endswith("/read") for action in actions), actions  # Reader grants */read
    assert not any("listkeys" in action.lower() for action in actions)
    assert actions == set(inventory.calls)
    assert actions == {
        "Microsoft.Resources/subscriptions/read", "Microsoft.Storage/storageAccounts/read",
        "Microsoft.Storage/storageAccounts/blobServices/read",
        "Microsoft.Storage/storageAccounts/blobServices/containers/read",
        "Microsoft.Storage/storageAccounts/managementPolicies/read", "Microsoft.Insights/diagnosticSettings/read",
        "Microsoft.Network/networkSecurityGroups/read", "Microsoft.Network/networkWatchers/read",
        "Microsoft.Network/networkWatchers/flowLogs/read", "Microsoft.Network/applicationGateways/read",
        "Microsoft.RecoveryServices/vaults/read", "Microsoft.RecoveryServices/vaults/backupPolicies/read",
        "Microsoft.KeyVault/vaults/read", "Microsoft.KeyVault/vaults/keys/read",
        "Microsoft.HealthcareApis/workspaces/read", "Microsoft.HealthcareApis/workspaces/dicomservices/read",
    }


def test_arm_action_maps_paths_to_authorization_actions() -> None:
    account = world.account_id("a")
    assert arm_action("POST", f"{account}/listKeys?api-version=2023-01-01") == \
        "Microsoft.Storage/storageAccounts/listKeys/action"
    assert arm_action("GET", f"{account}/blobServices/default/containers") == \
        "Microsoft.Storage/storageAccounts/blobServices/containers/read"
    assert arm_action("POST", f"/subscriptions/{world.SUB}/providers/Microsoft.Storage/register") == \
        "Microsoft.Storage/register/action"
    assert arm_action("GET", "/subscriptions") == "Microsoft.Resources/subscriptions/read"


def test_denied_container_listing_errors_exactly_the_rules_it_feeds(arm: ArmServer) -> None:
    world.build(arm)
    arm.on(f"{world.account_id('pass-account')}/blobServices/default/containers", world.denied())
    _inventory, found, _scan = run(arm)
    errors = [f for f in found if f.status is Status.ERROR]
    assert {(f.check_id, f.evidence["resource_name"]) for f in errors} == {
        ("AZURE-CONTAINER-PRIVATE", "pass-account"), ("AZURE-CONTAINER-IMMUTABILITY", "pass-account")}
    assert all("AuthorizationFailed (HTTP 403)" in e.message for e in errors)
    expected = {rule: {k: set(v) for k, v in by.items()} for rule, by in EXPECTED.items()}
    for rule in ("AZURE-CONTAINER-PRIVATE", "AZURE-CONTAINER-IMMUTABILITY"):
        expected[rule]["pass"] = expected[rule]["pass"] - {"pass-account"}
        expected[rule]["error"] = {"pass-account"}
    assert outcomes(found) == expected


def test_throttling_that_resolves_gives_the_same_findings(arm: ArmServer) -> None:
    world.build(arm)
    arm.on(f"/subscriptions/{world.SUB}/providers/Microsoft.Storage/storageAccounts", world.throttled(),
           *[arm.routes[f"/subscriptions/{world.SUB}/providers/microsoft.storage/storageaccounts"][-1]])
    arm.on(f"{world.account_id('fail-account')}/blobServices/default", world.throttled(),
           *arm.routes[f"{world.account_id('fail-account')}/blobServices/default".lower()])
    _inventory, found, _scan = run(arm)
    assert outcomes(found) == EXPECTED
    listing = f"/subscriptions/{world.SUB}/providers/Microsoft.Storage/storageAccounts"
    storage_lists = [r for r in arm.requests if r[1] == listing]
    assert len(storage_lists) == 2  # one 429, one retry


def test_throttling_that_never_resolves_is_a_collection_failure(arm: ArmServer) -> None:
    world.build(arm)
    arm.on(f"/subscriptions/{world.SUB}/providers/Microsoft.Network/networkSecurityGroups", world.throttled())
    inventory, found, _scan = run(arm)
    assert [(f.type, f.account) for f in inventory.failures] == [("azure.network.nsg", world.SUB)]
    assert "TooManyRequests (HTTP 429)" in inventory.failures[0].reason
    for rule in ("AZURE-NSG-DICOM", "AZURE-NSG-ADMIN", "AZURE-NSG-FLOW-LOG"):
        statuses = {(f.status, f.resource.address) for f in by_rule(found, rule)}
        assert statuses == {(Status.ERROR, f"azure:{world.SUB}:global:azure.network.nsg")}
    assert outcomes(found)["AZURE-STORAGE-TLS"] == EXPECTED["AZURE-STORAGE-TLS"]


def test_denied_flow_logs_in_one_region_error_only_that_regions_nsgs(arm: ArmServer) -> None:
    world.build(arm)
    arm.on(f"{world.GROUP}/providers/Microsoft.Network/networkWatchers/nw-westus/flowLogs", world.denied())
    _inventory, found, _scan = run(arm)
    result = outcomes(found)
    assert result["AZURE-NSG-FLOW-LOG"] == {"pass": {"pass-nsg"}, "fail": {"fail-nsg-dicom", "fail-nsg-admin"},
                                            "error": {"fail-nsg-west"}}
    assert result["AZURE-NSG-ADMIN"] == EXPECTED["AZURE-NSG-ADMIN"]


def test_failed_subscription_listing_errors_every_rule(arm: ArmServer) -> None:
    world.build(arm)
    arm.on("/subscriptions", world.denied())
    inventory, found, _scan = run(arm)
    assert inventory.resources == ()
    assert {f.type for f in inventory.failures} == {
        "azure.storage.account", "azure.network.nsg", "azure.network.application_gateway",
        "azure.monitor.subscription_activity_log", "azure.recovery.vault", "azure.recovery.backup_policy",
        "azure.keyvault.key", "azure.healthcare.dicom_service"}
    assert found and {f.status for f in found} == {Status.ERROR}
    assert {str(f.check_id) for f in found} == set(EXPECTED)


def test_named_subscription_skips_the_listing(arm: ArmServer) -> None:
    from scanner.collectors.azure import AzureTarget

    world.build(arm)
    arm.on("/subscriptions", world.denied())
    inventory, found, _scan = run(arm, target=AzureTarget(subscriptions=(world.SUB,)))
    assert inventory.failures == ()
    assert outcomes(found)["AZURE-ACTIVITY-LOG"] == {"pass": {ACTIVITY_SUB}}


def test_unreadable_key_vault_is_an_error_not_a_pass(arm: ArmServer) -> None:
    world.build(arm)
    arm.on(f"/subscriptions/{world.SUB}/providers/Microsoft.KeyVault/vaults", world.denied())
    _inventory, found, _scan = run(arm)
    result = outcomes(found)
    for rule in ("AZURE-KEY-ROTATION", "AZURE-KEYVAULT-PURGE-PROTECTION"):
        assert result[rule] == {"error": {"pass-key", "fail-key"}}
    message = by_rule(found, "AZURE-KEY-ROTATION")[0].message
    assert "not found in the scanned subscriptions" in message and "AuthorizationFailed" in message


def test_the_read_plan_spares_accounts_outside_the_scope_and_kinds_no_rule_judges(arm: ArmServer) -> None:
    """Planned as a scan plans it, with imaging_data naming one account: the other accounts get none of
    their four own requests (the listing's names decide), and the buckets in scope are judged as a full
    read judges them. Narrowed to one NSG rule: only the subscription and NSG listings are made."""
    from scanner.catalog import load_catalog
    from scanner.engine.evaluate import evaluate_inventory
    from scanner.engine.plan import NOT_READ, ReadPlan
    from tests.azure.helpers import collector

    world.build(arm)
    catalog = load_catalog()
    parameters = {**catalog.defaults(), "imaging_data": {"tags": {}, "name_patterns": ["pass-*"]}}
    plan = ReadPlan.for_rules(catalog, catalog.rules_for("azure"), parameters, "azure")
    planned = collector(arm).collect(plan=plan)
    full = collector(arm).collect()
    assert evaluate_inventory(catalog, parameters, planned, "azure", plan.rules) == evaluate_inventory(
        catalog, parameters, full, "azure")
    accounts = {r.name: r for r in planned.resources if r.type == "azure.storage.account"}
    outside = f"{NOT_READ} (outside the imaging_data scope, so no rule judges this resource)"
    assert accounts["fail-account"].skipped == dict.fromkeys(
        ("blob_service", "containers", "lifecycle_rules", "blob_diagnostics"), outside)
    assert accounts["pass-account"].skipped == {}
    requests = "Microsoft.Storage/storageAccounts/blobServices/containers/read"
    assert planned.calls[requests] < full.calls[requests]
    assert planned.calls_by_kind["azure.storage.account"][requests] == planned.calls[requests]
    nsg = ReadPlan.for_rules(catalog, [r for r in catalog.rules if r.id == "AZURE-NSG-DICOM"], parameters, "azure")
    only = collector(arm).collect(plan=nsg)
    assert set(only.calls) == {"Microsoft.Resources/subscriptions/read", "Microsoft.Network/networkSecurityGroups/read"}
