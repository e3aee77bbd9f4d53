"""``azure.storage.account`` from Terraform: each test names the semantic it asserts."""

from __future__ import annotations

from scanner.facts.values import PartialDict, Unknown
from tests.policies.azure.support import (
    RG,
    account,
    after_apply,
    config,
    facts,
    findings,
    instance,
    status,
    statuses,
)

ACCOUNT = "azurerm_storage_account.pacs"
ID_REF = {"storage_account_id": ("azurerm_storage_account.pacs",)}
UNSET = Unknown('variable "x" has no value')


def test_absent_arguments_are_the_azurerm_defaults() -> None:
    seen = facts(config(account()), ACCOUNT)
    assert seen["https_only"] is True
    assert seen["min_tls_version"] == "TLS1_2"
    assert seen["allow_blob_public_access"] is True  # azurerm >= 3: allow_nested_items_to_be_public = true
    assert seen["allow_shared_key_access"] is True
    assert seen["public_network_access"] == "Enabled"
    assert seen["network"] is None
    assert seen["encryption"]["key_source"] == "Microsoft.Storage"
    assert seen["encryption"]["infrastructure"] is False
    assert seen["blob_service"] == {"versioning": False, "soft_delete": None, "container_soft_delete": None}
    assert seen["containers"] == [] and seen["lifecycle_rules"] is None and seen["blob_diagnostics"] == []
    assert seen["replication"] == "Standard_GRS"


def test_newer_argument_names_first_then_the_older_ones() -> None:
    older = facts(config(account(enable_https_traffic_only=False, allow_blob_public_access=False)), ACCOUNT)
    assert older["https_only"] is False and older["allow_blob_public_access"] is False
    newer = facts(config(account(https_traffic_only_enabled=True, allow_nested_items_to_be_public=False)), ACCOUNT)
    assert newer["https_only"] is True and newer["allow_blob_public_access"] is False


def test_both_names_with_different_values_are_unknown() -> None:
    seen = facts(config(account(https_traffic_only_enabled=True, enable_https_traffic_only=False)), ACCOUNT)
    assert isinstance(seen["https_only"], Unknown)


def test_a_plan_unset_string_is_not_set() -> None:
    assert facts(config(account(min_tls_version="")), ACCOUNT)["min_tls_version"] == "TLS1_2"


def test_public_network_access_as_the_arm_word_and_unknown_kept() -> None:
    assert facts(config(account(public_network_access_enabled=False)), ACCOUNT)["public_network_access"] == "Disabled"
    assert isinstance(facts(config(account(public_network_access_enabled=UNSET)), ACCOUNT)["public_network_access"],
                      Unknown)
    both = Unknown("conditional", candidates=(True, False))
    word = facts(config(account(public_network_access_enabled=both)), ACCOUNT)["public_network_access"]
    assert isinstance(word, Unknown) and word.candidates == ("Enabled", "Disabled")


def test_inline_network_rules() -> None:
    seen = facts(config(account(network_rules=[{"default_action": "Deny", "bypass": ["AzureServices"],
                                                "ip_rules": ["203.0.113.10"]}])), ACCOUNT)
    assert seen["network"] == {"default_action": "Deny", "bypass": ["AzureServices"], "ip_rules": ["203.0.113.10"]}


def test_network_rules_resource_linked_by_id_reference() -> None:
    rules = instance("azurerm_storage_account_network_rules.r", {
        "storage_account_id": after_apply(ACCOUNT), "default_action": "Deny"}, refs=ID_REF)
    found = config(account(), rules)
    assert facts(found, ACCOUNT)["network"]["default_action"] == "Deny"
    assert status(found, "AZURE-STORAGE-NETWORK", ACCOUNT) == "pass"


def test_network_rules_resource_linked_by_v2_name_and_group() -> None:
    rules = instance("azurerm_storage_account_network_rules.r", {
        "storage_account_name": "pacsacct", "resource_group_name": "rg-pacs", "default_action": "Allow"})
    assert status(config(account(), rules), "AZURE-STORAGE-NETWORK", ACCOUNT) == "fail"


def test_network_rules_resource_in_another_resource_group_is_not_the_accounts() -> None:
    rules = instance("azurerm_storage_account_network_rules.r", {
        "storage_account_name": "pacsacct", "resource_group_name": "rg-other", "default_action": "Deny"})
    assert facts(config(account(), rules), ACCOUNT)["network"] is None


def test_network_rules_resource_by_literal_arm_id() -> None:
    rules = instance("azurerm_storage_account_network_rules.r", {
        "storage_account_id": f"{RG}/Microsoft.Storage/storageAccounts/PACSACCT", "default_action": "Deny"})
    assert status(config(account(), rules), "AZURE-STORAGE-NETWORK", ACCOUNT) == "pass"
    other = instance("azurerm_storage_account_network_rules.r", {
        "storage_account_id": f"{RG}/Microsoft.Storage/storageAccounts/other", "default_action": "Deny"})
    assert status(config(account(), other), "AZURE-STORAGE-NETWORK", ACCOUNT) == "fail"


def test_network_rules_of_another_account_of_ours_are_not_this_ones() -> None:
    rules = instance("azurerm_storage_account_network_rules.r", {
        "storage_account_id": after_apply("azurerm_storage_account.other"), "default_action": "Deny"},
        refs={"storage_account_id": ("azurerm_storage_account.other",)})
    found = config(account(), account("other"), rules)
    assert statuses(findings(found), "AZURE-STORAGE-NETWORK") == {
        ACCOUNT: "fail", "azurerm_storage_account.other": "pass"}


def test_network_rules_whose_account_cannot_be_known_make_it_unknown() -> None:
    rules = instance("azurerm_storage_account_network_rules.r", {"storage_account_id": UNSET, "default_action": "Deny"})
    found = config(account(), account("closed", public_network_access_enabled=False), rules)
    assert statuses(findings(found), "AZURE-STORAGE-NETWORK") == {
        ACCOUNT: "unknown", "azurerm_storage_account.closed": "pass"}


def test_network_rules_resource_that_may_not_exist_is_never_a_pass() -> None:
    rules = instance("azurerm_storage_account_network_rules.r", {
        "storage_account_id": after_apply(ACCOUNT), "default_action": "Deny"}, refs=ID_REF,
        exists=Unknown("count is unknown"))
    assert status(config(account(), rules), "AZURE-STORAGE-NETWORK", ACCOUNT) == "unknown"


def test_inline_and_separate_network_rules_decide_only_where_they_agree() -> None:
    rules = instance("azurerm_storage_account_network_rules.r", {
        "storage_account_id": after_apply(ACCOUNT), "default_action": "Deny"}, refs=ID_REF)
    differ = config(account(network_rules=[{"default_action": "Allow"}]), rules)
    assert status(differ, "AZURE-STORAGE-NETWORK", ACCOUNT) == "unknown"
    agree = config(account(network_rules=[{"default_action": "Deny", "ip_rules": ["203.0.113.1"]}]), rules)
    seen = facts(agree, ACCOUNT)["network"]
    assert seen["default_action"] == "Deny" and isinstance(seen["ip_rules"], Unknown)
    assert status(agree, "AZURE-STORAGE-NETWORK", ACCOUNT) == "pass"


def test_default_action_is_read_case_insensitively() -> None:
    assert status(config(account(network_rules=[{"default_action": "deny"}])), "AZURE-STORAGE-NETWORK",
                  ACCOUNT) == "pass"


def test_network_rules_from_a_data_source_reading_the_account_by_name() -> None:
    data = instance("data.azurerm_storage_account.existing", {"name": "pacsacct", "resource_group_name": "rg-pacs"})
    rules = instance("azurerm_storage_account_network_rules.r", {
        "storage_account_id": Unknown("read at plan time", symbol="data.azurerm_storage_account.existing.id"),
        "default_action": "Deny"}, refs={"storage_account_id": ("data.azurerm_storage_account.existing",)})
    assert status(config(account(), data, rules), "AZURE-STORAGE-NETWORK", ACCOUNT) == "pass"


def test_customer_managed_key_inline_or_separate_platform_key_otherwise() -> None:
    inline = account(customer_managed_key=[{"key_vault_key_id": "https://kv.vault.azure.net/keys/cmk/0123",
                                            "user_assigned_identity_id": "id"}])
    seen = facts(config(inline), ACCOUNT)["encryption"]
    assert seen["key_source"] == "Microsoft.Keyvault"
    assert (seen["key_vault_uri"], seen["key_name"], seen["key_version"]) == ("https://kv.vault.azure.net/", "cmk",
                                                                                "0123")
    separate = instance("azurerm_storage_account_customer_managed_key.k", {
        "storage_account_id": after_apply(ACCOUNT), "key_vault_id": after_apply("azurerm_key_vault.kv"),
        "key_name": "cmk"}, refs=ID_REF)
    assert status(config(account(), separate), "AZURE-STORAGE-CMK", ACCOUNT) == "pass"
    assert status(config(account()), "AZURE-STORAGE-CMK", ACCOUNT) == "fail"


def test_customer_managed_key_whose_account_cannot_be_known_is_unknown() -> None:
    separate = instance("azurerm_storage_account_customer_managed_key.k", {
        "storage_account_id": UNSET, "key_vault_id": "kv", "key_name": "cmk"})
    assert status(config(account(), separate), "AZURE-STORAGE-CMK", ACCOUNT) == "unknown"


def test_key_id_known_only_after_apply_still_is_a_customer_managed_key() -> None:
    inline = account(customer_managed_key=[{"key_vault_key_id": after_apply("azurerm_key_vault_key.k",
                                                                            "versionless_id")}])
    seen = facts(config(inline), ACCOUNT)["encryption"]
    assert seen["key_source"] == "Microsoft.Keyvault" and isinstance(seen["key_name"], Unknown)


def test_encryption_at_rest_is_by_design_even_when_the_key_is_unknown() -> None:
    separate = instance("azurerm_storage_account_customer_managed_key.k", {"storage_account_id": UNSET})
    assert status(config(account(), separate), "AZURE-STORAGE-ENCRYPTION-AT-REST", ACCOUNT) == "pass"


def test_account_level_immutability_policy() -> None:
    locked = account(immutability_policy=[{"state": "Locked", "period_since_creation_in_days": 2190,
                                           "allow_protected_append_writes": False}])
    assert facts(config(locked), ACCOUNT)["immutability"] == {"enabled": True, "state": "Locked", "period_days": 2190}
    assert status(config(locked), "AZURE-STORAGE-IMMUTABILITY", ACCOUNT) == "pass"
    short = account(immutability_policy=[{"state": "Locked", "period_since_creation_in_days": 30}])
    assert status(config(short), "AZURE-STORAGE-IMMUTABILITY", ACCOUNT) == "fail"
    assert status(config(short), "AZURE-STORAGE-IMMUTABILITY", ACCOUNT, min_retention_days=30) == "pass"


def test_blob_properties_versioning_and_soft_delete() -> None:
    props = account(blob_properties=[{"versioning_enabled": True, "delete_retention_policy": [{"days": 30}],
                                      "container_delete_retention_policy": [{}]}])
    assert facts(config(props), ACCOUNT)["blob_service"] == {
        "versioning": True, "soft_delete": {"enabled": True, "days": 30},
        "container_soft_delete": {"enabled": True, "days": 7}}
    unseen = account(blob_properties=Unknown("dynamic blob_properties over an unknown collection"))
    assert status(config(unseen), "AZURE-STORAGE-VERSIONING", ACCOUNT) == "unknown"


def test_name_and_tags_as_evaluated_for_the_imaging_scope() -> None:
    tags = PartialDict({"team": "pacs"}, Unknown('variable "tags" has no value'))
    found = config(account(name=UNSET, tags=tags))
    assert status(found, "AZURE-STORAGE-TLS", ACCOUNT, imaging_data={"tags": {"data": "imaging"}}) == "unknown"
    assert status(found, "AZURE-STORAGE-TLS", ACCOUNT,
                  imaging_data={"name_patterns": ["pacs*"], "tags": {}}) == "pass"  # its Terraform name matches
    named = config(account(tags={"data": "imaging"}))
    assert status(named, "AZURE-STORAGE-TLS", ACCOUNT, imaging_data={"tags": {"data": "imaging"}}) == "pass"
    assert "AZURE-STORAGE-TLS" not in {f.check_id for f in findings(
        config(account(tags={"data": "billing"})), imaging_data={"tags": {"data": "imaging"}})}


def test_unknown_scope_never_passes_even_a_failing_account() -> None:
    found = config(account(tags=Unknown('variable "tags" has no value'), min_tls_version="TLS1_0"))
    assert status(found, "AZURE-STORAGE-TLS", ACCOUNT, imaging_data={"tags": {"data": "imaging"}}) == "unknown"


def test_origins_and_sub_resources_in_the_evidence() -> None:
    rules = instance("azurerm_storage_account_network_rules.r", {
        "storage_account_id": after_apply(ACCOUNT), "default_action": "Deny"}, refs=ID_REF, line=40)
    finding = next(f for f in findings(config(account(), rules)) if f.check_id == "AZURE-STORAGE-NETWORK")
    [sub] = finding.evidence["configured_by"]
    assert sub.startswith("azurerm_storage_account_network_rules.r (") and sub.endswith("tf/main.tf:40)")
    assert finding.evidence["origins"]["network"].startswith("azurerm_storage_account_network_rules.r")
