"""Containers, container immutability, lifecycle policies, blob diagnostic settings and private
endpoints folded into ``azure.storage.account``: each test names the semantic it asserts."""

from __future__ import annotations

from typing import Any

from scanner.facts.values import Unknown
from tests.policies.azure.support import RG, account, after_apply, config, facts, findings, instance, status, statuses

ACCOUNT = "azurerm_storage_account.pacs"
ACCOUNT_REF = {"storage_account_id": (ACCOUNT,)}
UNSET = Unknown('variable "x" has no value')


def container(local: str, access: Any = None, **attrs: Any) -> Any:
    args = {"name": local, "storage_account_name": "pacsacct", **attrs}
    if access is not None:
        args["container_access_type"] = access
    return instance(f"azurerm_storage_container.{local}", args, refs={"storage_account_name": (ACCOUNT,)})


def policy(local: str, container_local: str, **attrs: Any) -> Any:
    target = f"azurerm_storage_container.{container_local}"
    return instance(f"azurerm_storage_container_immutability_policy.{local}", {
        "storage_container_resource_manager_id": after_apply(target, "resource_manager_id"), **attrs},
        refs={"storage_container_resource_manager_id": (target,)})


def test_containers_by_name_reference_literal_name_and_v4_id() -> None:
    v4 = instance("azurerm_storage_container.v4", {"name": "v4", "storage_account_id": after_apply(ACCOUNT),
                                                   "container_access_type": "container"}, refs=ACCOUNT_REF)
    literal = instance("azurerm_storage_container.lit", {"name": "lit", "storage_account_name": "PacsAcct"})
    seen = facts(config(account(), container("images", "private"), v4, literal), ACCOUNT)["containers"]
    assert [(c["name"], c["public_access"]) for c in seen] == [("images", "None"), ("v4", "Container"),
                                                                ("lit", "None")]


def test_container_access_type_default_is_private_and_other_words_unknown() -> None:
    seen = facts(config(account(), container("a"), container("b", "Blob"), container("c", "public")),
                 ACCOUNT)["containers"]
    assert seen[0]["public_access"] == "None" and seen[1]["public_access"] == "Blob"
    assert isinstance(seen[2]["public_access"], Unknown)


def test_private_container_rule_applies_only_where_there_are_containers() -> None:
    assert status(config(account()), "AZURE-CONTAINER-PRIVATE", ACCOUNT) == "not_applicable"
    assert status(config(account(), container("a", "private")), "AZURE-CONTAINER-PRIVATE", ACCOUNT) == "pass"
    assert status(config(account(), container("a", "blob")), "AZURE-CONTAINER-PRIVATE", ACCOUNT) == "fail"


def test_container_whose_account_cannot_be_known_is_an_unknown_element() -> None:
    maybe = instance("azurerm_storage_container.maybe", {"name": "m", "storage_account_name": UNSET,
                                                         "container_access_type": "blob"})
    found = config(account(), maybe)
    assert isinstance(facts(found, ACCOUNT)["containers"][0], Unknown)
    assert status(found, "AZURE-CONTAINER-PRIVATE", ACCOUNT) == "unknown"


def test_container_immutability_policy_locked_or_not() -> None:
    found = config(account(), container("a"), policy("p", "a", locked=True, immutability_period_in_days=2190))
    assert facts(found, ACCOUNT)["containers"][0]["immutability_policy"] == {"state": "Locked", "period_days": 2190}
    assert status(found, "AZURE-CONTAINER-IMMUTABILITY", ACCOUNT) == "pass"
    unlocked = config(account(), container("a"), policy("p", "a", immutability_period_in_days=2190))
    assert facts(unlocked, ACCOUNT)["containers"][0]["immutability_policy"]["state"] == "Unlocked"
    assert status(unlocked, "AZURE-CONTAINER-IMMUTABILITY", ACCOUNT) == "fail"


def test_container_immutability_rule_applies_only_where_a_policy_exists() -> None:
    assert status(config(account(), container("a")), "AZURE-CONTAINER-IMMUTABILITY", ACCOUNT) == "not_applicable"


def test_every_container_locked_makes_the_account_immutable() -> None:
    found = config(account(), container("a"), policy("p", "a", locked=True, immutability_period_in_days=2190))
    assert status(found, "AZURE-STORAGE-IMMUTABILITY", ACCOUNT) == "pass"
    partly = config(account(), container("a"), container("b"),
                    policy("p", "a", locked=True, immutability_period_in_days=2190))
    assert status(partly, "AZURE-STORAGE-IMMUTABILITY", ACCOUNT) == "fail"
    assert status(config(account()), "AZURE-STORAGE-IMMUTABILITY", ACCOUNT) == "fail"  # no containers, no policy


def test_container_policy_by_literal_container_id() -> None:
    literal = instance("azurerm_storage_container_immutability_policy.p", {
        "storage_container_resource_manager_id":
            f"{RG}/Microsoft.Storage/storageAccounts/pacsacct/blobServices/default/containers/a",
        "locked": True, "immutability_period_in_days": 3000})
    other = instance("azurerm_storage_container_immutability_policy.q", {
        "storage_container_resource_manager_id":
            f"{RG}/Microsoft.Storage/storageAccounts/pacsacct/blobServices/default/containers/zzz", "locked": True})
    seen = facts(config(account(), container("a"), literal, other), ACCOUNT)["containers"][0]
    assert seen["immutability_policy"] == {"state": "Locked", "period_days": 3000}


def test_two_policies_on_one_container_or_one_that_may_be_its_are_unknown() -> None:
    twice = config(account(), container("a"), policy("p", "a", locked=True, immutability_period_in_days=2190),
                   policy("q", "a", locked=True, immutability_period_in_days=2190))
    assert status(twice, "AZURE-CONTAINER-IMMUTABILITY", ACCOUNT) == "unknown"
    maybe = instance("azurerm_storage_container_immutability_policy.m", {
        "storage_container_resource_manager_id": UNSET, "locked": True, "immutability_period_in_days": 2190})
    assert status(config(account(), container("a"), maybe), "AZURE-STORAGE-IMMUTABILITY", ACCOUNT) == "unknown"


def management(*rules: Any, **link: Any) -> Any:
    return instance("azurerm_storage_management_policy.m", {
        "storage_account_id": after_apply(ACCOUNT), "rule": list(rules), **link}, refs=ACCOUNT_REF)


def test_lifecycle_rules_and_their_base_blob_deletions() -> None:
    rule = {"name": "purge", "enabled": True, "actions": [{
        "base_blob": [{"tier_to_cool_after_days_since_modification_greater_than": 30,
                       "delete_after_days_since_creation_greater_than": 90}],
        "snapshot": [{"delete_after_days_since_creation_greater_than": 1}]}]}
    found = config(account(), management(rule))
    assert facts(found, ACCOUNT)["lifecycle_rules"] == [{"name": "purge", "enabled": True, "deletions": [
        {"action": "days_after_creation_greater_than", "days": 90}]}]
    assert status(found, "AZURE-LIFECYCLE-RETENTION", ACCOUNT) == "fail"
    assert status(found, "AZURE-LIFECYCLE-RETENTION", ACCOUNT, min_retention_days=90) == "pass"


def test_lifecycle_rule_disabled_or_without_deletion_deletes_nothing() -> None:
    off = {"name": "old", "enabled": False, "actions": [{"base_blob": [
        {"delete_after_days_since_modification_greater_than": 7}]}]}
    tier = {"name": "tier", "enabled": True, "actions": [{"base_blob": [
        {"tier_to_archive_after_days_since_modification_greater_than": 7}]}]}
    assert status(config(account(), management(off, tier)), "AZURE-LIFECYCLE-RETENTION", ACCOUNT) == "pass"


def test_lifecycle_rule_applies_only_with_a_policy() -> None:
    assert status(config(account()), "AZURE-LIFECYCLE-RETENTION", ACCOUNT) == "not_applicable"


def test_lifecycle_unknowns_never_pass() -> None:
    days = {"name": "var", "enabled": True, "actions": [{"base_blob": [
        {"delete_after_days_since_modification_greater_than": UNSET}]}]}
    assert status(config(account(), management(days)), "AZURE-LIFECYCLE-RETENTION", ACCOUNT) == "unknown"
    unseen = instance("azurerm_storage_management_policy.m", {
        "storage_account_id": after_apply(ACCOUNT), "rule": [Unknown("dynamic rule", spread=True)]}, refs=ACCOUNT_REF)
    assert status(config(account(), unseen), "AZURE-LIFECYCLE-RETENTION", ACCOUNT) == "unknown"
    maybe = instance("azurerm_storage_management_policy.m", {"storage_account_id": UNSET, "rule": []})
    assert status(config(account(), maybe), "AZURE-LIFECYCLE-RETENTION", ACCOUNT) == "unknown"


def setting(local: str, target: Any, refs: tuple[str, ...] = (), **blocks: Any) -> Any:
    return instance(f"azurerm_monitor_diagnostic_setting.{local}", {"name": local, "target_resource_id": target,
                                                                    **blocks}, refs={"target_resource_id": refs})


def blob_of(address: str) -> Unknown:
    return Unknown(f"{address}.id is known only after apply", symbol=f"${{{address}.id}}/blobServices/default")


def test_blob_diagnostics_on_the_blob_service_not_on_the_account() -> None:
    on_blob = setting("blob", blob_of(ACCOUNT), (ACCOUNT,), enabled_log=[{"category": "StorageRead"}])
    on_account = setting("acct", after_apply(ACCOUNT), (ACCOUNT,), enabled_log=[{"category": "Transaction"}])
    seen = facts(config(account(), on_blob, on_account), ACCOUNT)["blob_diagnostics"]
    assert seen == [{"name": "blob", "logs": ["StorageRead"]}]
    assert status(config(account(), on_account), "AZURE-STORAGE-BLOB-LOGGING", ACCOUNT) == "fail"


def test_blob_diagnostics_categories_groups_and_legacy_log_blocks() -> None:
    legacy = setting("legacy", blob_of(ACCOUNT), (ACCOUNT,), log=[
        {"category": "StorageRead", "enabled": False}, {"category": "StorageWrite"}],
        enabled_log=[{"category_group": "audit"}])
    assert facts(config(account(), legacy), ACCOUNT)["blob_diagnostics"][0]["logs"] == ["audit", "StorageWrite"]
    writes = setting("w", blob_of(ACCOUNT), (ACCOUNT,), log=[{"category": "StorageRead", "enabled": False}])
    assert status(config(account(), writes), "AZURE-STORAGE-BLOB-LOGGING", ACCOUNT) == "fail"


def test_blob_diagnostics_by_literal_blob_service_id() -> None:
    literal = setting("lit", f"{RG}/Microsoft.Storage/storageAccounts/pacsacct/blobServices/default",
                      enabled_log=[{"category_group": "allLogs"}])
    assert status(config(account(), literal), "AZURE-STORAGE-BLOB-LOGGING", ACCOUNT) == "pass"


def test_setting_with_an_unknown_target_may_be_any_accounts() -> None:
    maybe = setting("maybe", UNSET, enabled_log=[{"category": "StorageRead"}])
    assert status(config(account(), maybe), "AZURE-STORAGE-BLOB-LOGGING", ACCOUNT) == "unknown"


def test_setting_on_another_resource_is_not_the_accounts() -> None:
    vault = setting("kv", after_apply("azurerm_key_vault.kv"), ("azurerm_key_vault.kv",),
                    enabled_log=[{"category_group": "audit"}])
    found = config(account(), instance("azurerm_key_vault.kv", {"name": "kv"}), vault)
    assert status(found, "AZURE-STORAGE-BLOB-LOGGING", ACCOUNT) == "fail"


def test_plan_setting_referring_to_the_account_may_be_its_blob_service() -> None:
    """A plan keeps no expression text: ``${account.id}/blobServices/default`` and ``account.id``
    look alike (known only after apply, referring to the account), so it may be the blob service."""
    planned = setting("p", Unknown("known only after apply", symbol="azurerm_monitor_diagnostic_setting.p"
                                   ".target_resource_id"), (ACCOUNT,), enabled_log=[{"category": "StorageRead"}])
    assert status(config(account(), planned), "AZURE-STORAGE-BLOB-LOGGING", ACCOUNT) == "unknown"


def test_private_endpoints_to_the_account() -> None:
    endpoint = instance("azurerm_private_endpoint.pe", {"name": "pe", "private_service_connection": [{
        "name": "psc", "private_connection_resource_id": after_apply(ACCOUNT), "subresource_names": ["blob"],
        "is_manual_connection": False}]}, refs={"private_service_connection": (ACCOUNT,)})
    assert facts(config(account(), endpoint), ACCOUNT)["private_endpoints"] == [
        {"id": "azurerm_private_endpoint.pe", "status": "Approved"}]


def test_all_storage_rules_judge_every_account() -> None:
    found = findings(config(account(), account("other")))
    rules = {f.check_id for f in found}
    assert {"AZURE-STORAGE-TLS", "AZURE-STORAGE-NETWORK", "AZURE-STORAGE-CMK",
            "AZURE-LIFECYCLE-RETENTION"} <= rules
    assert set(statuses(found, "AZURE-STORAGE-TLS")) == {ACCOUNT, "azurerm_storage_account.other"}
