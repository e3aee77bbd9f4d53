"""The Health Data Services DICOM service normaliser on hand-built configurations, each test naming
its semantic; and the never-pass property over its deciding arguments (the forms of
test_never_pass_unresolved.py)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.iac.tfmodel import TfInstance
from tests.policies.azure.support import after_apply, config, facts, instance, status
from tests.policies.azure.test_never_pass_unresolved import FORMS, Case, Form, _hide, _status

WS = "azurerm_healthcare_workspace.ws"
DICOM = "azurerm_healthcare_dicom_service.dicom"
SETTING = "azurerm_monitor_diagnostic_setting.audit"
WS_ID = "/subscriptions/s/resourceGroups/rg-pacs/providers/Microsoft.HealthcareApis/workspaces/pacsws"


def workspace() -> TfInstance:
    return instance(WS, {"name": "pacsws", "resource_group_name": "rg-pacs", "location": "eastus"})


def service(address: str = DICOM, **attrs: object) -> TfInstance:
    return instance(address, {"name": address.rsplit(".", 1)[-1], "workspace_id": after_apply(WS),
                              "location": "eastus", **attrs}, refs={"workspace_id": (WS,)})


def setting(address: str = SETTING, target: str = DICOM, **logs: object) -> TfInstance:
    return instance(address, {"name": "audit", "target_resource_id": after_apply(target),
                              "enabled_log": [{"category": "AuditLogs"}], **logs},
                    refs={"target_resource_id": (target,)})


def endpoint(target: str, address: str = "azurerm_private_endpoint.pe") -> TfInstance:
    return instance(address, {"name": "pe", "private_service_connection": [{
        "name": "c", "private_connection_resource_id": after_apply(target), "is_manual_connection": False}]},
        refs={"private_service_connection": (target,)})


def test_defaults_are_public_access_and_the_microsoft_managed_key() -> None:
    found = facts(config(workspace(), service()), DICOM)
    assert found["public_network_access"] == "Enabled" and found["encryption"] == {"key_url": None}
    assert found["diagnostics"] == [] and found["private_endpoints"] == [] and found["storage_account"] is None
    cfg = config(workspace(), service())
    assert status(cfg, "AZURE-DICOM-PUBLIC-NETWORK", DICOM) == "fail"
    assert status(cfg, "AZURE-DICOM-CMK", DICOM) == "fail"
    assert status(cfg, "AZURE-DICOM-AUDIT-LOGS", DICOM) == "fail"


def test_private_endpoints_to_the_service_or_its_workspace_are_its_own() -> None:
    cfg = config(workspace(), service(), endpoint(WS, "azurerm_private_endpoint.ws"),
                 endpoint(DICOM, "azurerm_private_endpoint.svc"))
    assert {e["id"] for e in facts(cfg, DICOM)["private_endpoints"]} == {"azurerm_private_endpoint.ws",
                                                                          "azurerm_private_endpoint.svc"}
    other = instance("azurerm_storage_account.a", {"name": "a", "resource_group_name": "rg-pacs"})
    cfg = config(workspace(), service(), other, endpoint("azurerm_storage_account.a"))
    assert facts(cfg, DICOM)["private_endpoints"] == []


def test_a_setting_on_a_storage_account_is_not_the_services() -> None:
    other = instance("azurerm_storage_account.a", {"name": "a", "resource_group_name": "rg-pacs"})
    blob = instance("azurerm_monitor_diagnostic_setting.blob", {
        "name": "blob", "enabled_log": [{"category": "StorageRead"}],
        "target_resource_id": after_apply("azurerm_storage_account.a")},
        refs={"target_resource_id": ("azurerm_storage_account.a",)})
    assert status(config(workspace(), service(), other, blob), "AZURE-DICOM-AUDIT-LOGS", DICOM) == "fail"


def test_a_literal_service_id_names_it_with_its_workspaces_group() -> None:
    literal = instance(SETTING, {"name": "audit", "enabled_log": [{"category_group": "allLogs"}],
                                 "target_resource_id": f"{WS_ID}/dicomServices/dicom"})
    assert status(config(workspace(), service(), literal), "AZURE-DICOM-AUDIT-LOGS", DICOM) == "pass"
    elsewhere = instance(SETTING, {"name": "audit", "enabled_log": [{"category_group": "allLogs"}],
                                   "target_resource_id": f"{WS_ID}/dicomServices/other"})
    assert status(config(workspace(), service(), elsewhere), "AZURE-DICOM-AUDIT-LOGS", DICOM) == "fail"


def test_a_literal_workspace_id_is_the_services_workspace() -> None:
    literal = instance(DICOM, {"name": "dicom", "workspace_id": WS_ID, "location": "eastus"})
    assert facts(config(literal), DICOM)["workspace"] == WS_ID
    by_id = instance(SETTING, {"name": "audit", "enabled_log": [{"category": "AuditLogs"}],
                               "target_resource_id": f"{WS_ID}/dicomservices/dicom"})
    assert status(config(literal, by_id), "AZURE-DICOM-AUDIT-LOGS", DICOM) == "pass"


def test_a_customer_managed_key_block_counts_where_a_provider_has_one() -> None:
    keyed = service(customer_managed_key=[{"key_url": "https://kv.vault.azure.net/keys/k"}])
    assert status(config(workspace(), keyed), "AZURE-DICOM-CMK", DICOM) == "pass"


# --- property -----------------------------------------------------------------------------------------

GOOD = (workspace(), service(public_network_access_enabled=False,
                             encryption_key_url="https://kv.vault.azure.net/keys/dicom"), setting())
CASES: tuple[Case, ...] = (
    Case("AZURE-DICOM-PUBLIC-NETWORK", DICOM, GOOD, ((DICOM, ("public_network_access_enabled",)),)),
    Case("AZURE-DICOM-CMK", DICOM, GOOD, ((DICOM, ("encryption_key_url",)),)),
    Case("AZURE-DICOM-AUDIT-LOGS", DICOM, GOOD, (
        (SETTING, ("target_resource_id",)), (SETTING, ("enabled_log",)), (SETTING, ("enabled_log", 0)),
        (SETTING, ("enabled_log", 0, "category")))),
)


def test_every_base_configuration_passes() -> None:
    for case in CASES:
        assert _status(case, case.instances) == "pass", case.rule


HIDDEN = [(case, address, path) for case in CASES for address, path in case.deciding]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(HIDDEN), st.sampled_from(FORMS))
def test_an_unresolvable_deciding_argument_never_passes(hidden: tuple[Case, str, tuple[object, ...]],
                                                        form: Form) -> None:
    case, address, path = hidden
    got = _status(case, _hide(case, address, path, form))
    assert got not in ("pass", "not_applicable"), f"{case.rule}: {address} {path} gives {got}"
