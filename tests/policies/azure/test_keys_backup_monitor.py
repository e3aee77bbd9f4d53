"""``azure.keyvault.key``, ``azure.recovery.*`` and ``azure.monitor.subscription_activity_log`` from
Terraform: each test names the semantic it asserts."""

from __future__ import annotations

from typing import Any

from scanner.facts.values import Unknown
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

KEY = "azurerm_key_vault_key.cmk"
VAULT = "azurerm_key_vault.kv"
UNSET = Unknown('variable "x" has no value')


def vault(**attrs: Any) -> Any:
    return instance(VAULT, {"name": "kv-pacs", "resource_group_name": "rg-pacs", **attrs})


def key(rotation: Any = None, **attrs: Any) -> Any:
    args = {"name": "cmk", "key_vault_id": after_apply(VAULT), **attrs}
    if rotation is not None:
        args["rotation_policy"] = rotation
    return instance(KEY, args, refs={"key_vault_id": (VAULT,)})


def encrypted_account() -> Any:
    found = account(customer_managed_key=[{"key_vault_key_id": after_apply(KEY, "versionless_id")}])
    return instance(found.address, found.attrs, refs={"customer_managed_key": (KEY,)})


def test_automatic_rotation_is_the_rotate_lifetime_action() -> None:
    rotating = key([{"automatic": [{"time_before_expiry": "P30D"}], "expire_after": "P90D",
                     "notify_before_expiry": "P29D"}])
    assert facts(config(vault(), rotating), KEY)["rotation_policy"] == {"expiry_time": "P90D", "lifetime_actions": [
        {"action": "rotate", "time_after_create": None, "time_before_expiry": "P30D"},
        {"action": "notify", "time_after_create": None, "time_before_expiry": "P29D"}]}
    assert status(config(vault(), rotating), "AZURE-KEY-ROTATION", KEY) == "pass"


def test_no_policy_or_notify_only_does_not_rotate() -> None:
    assert status(config(vault(), key()), "AZURE-KEY-ROTATION", KEY) == "fail"
    notify = key([{"expire_after": "P90D", "notify_before_expiry": "P29D"}])
    assert status(config(vault(), notify), "AZURE-KEY-ROTATION", KEY) == "fail"


def test_rotation_trigger_that_cannot_be_known_is_unknown() -> None:
    assert status(config(vault(), key([{"automatic": [{"time_after_creation": UNSET}]}])),
                  "AZURE-KEY-ROTATION", KEY) == "unknown"
    assert status(config(vault(), key(Unknown("dynamic rotation_policy", spread=True))),
                  "AZURE-KEY-ROTATION", KEY) == "unknown"


def test_purge_protection_judged_only_for_keys_protecting_storage() -> None:
    alone = config(vault(), key())
    assert status(alone, "AZURE-KEYVAULT-PURGE-PROTECTION", KEY) == "not_applicable"
    unprotected = config(vault(), key(), encrypted_account())
    assert facts(unprotected, KEY)["protects"] == ["azurerm_storage_account.pacs"]
    assert status(unprotected, "AZURE-KEYVAULT-PURGE-PROTECTION", KEY) == "fail"
    protected = config(vault(purge_protection_enabled=True), key(), encrypted_account())
    assert status(protected, "AZURE-KEYVAULT-PURGE-PROTECTION", KEY) == "pass"


def test_key_protects_accounts_through_the_separate_customer_managed_key() -> None:
    cmk = instance("azurerm_storage_account_customer_managed_key.k", {
        "storage_account_id": after_apply("azurerm_storage_account.pacs"), "key_vault_id": after_apply(VAULT),
        "key_name": after_apply(KEY, "name")}, refs={"storage_account_id": ("azurerm_storage_account.pacs",),
                                                     "key_vault_id": (VAULT,), "key_name": (KEY,)})
    assert facts(config(vault(), key(), account(), cmk), KEY)["protects"] == ["azurerm_storage_account.pacs"]


def test_key_named_literally_by_the_account_or_a_separate_key() -> None:
    inline = account(customer_managed_key=[{"key_vault_key_id": "https://KV-PACS.vault.azure.net/keys/cmk/0a1b"}])
    assert facts(config(vault(), key(), inline), KEY)["protects"] == ["azurerm_storage_account.pacs"]
    other_vault = account(customer_managed_key=[{"key_vault_key_id": "https://kv-other.vault.azure.net/keys/cmk"}])
    assert facts(config(vault(), key(), other_vault), KEY)["protects"] == []
    separate = instance("azurerm_storage_account_customer_managed_key.k", {
        "storage_account_id": after_apply("azurerm_storage_account.pacs"), "key_vault_id": after_apply(VAULT),
        "key_name": "cmk"}, refs={"storage_account_id": ("azurerm_storage_account.pacs",), "key_vault_id": (VAULT,)})
    assert facts(config(vault(), key(), account(), separate), KEY)["protects"] == ["azurerm_storage_account.pacs"]
    literal = instance("azurerm_storage_account_customer_managed_key.k", {
        "storage_account_id": after_apply("azurerm_storage_account.pacs"),
        "key_vault_id": f"{RG}/Microsoft.KeyVault/vaults/kv-pacs", "key_name": "cmk"},
        refs={"storage_account_id": ("azurerm_storage_account.pacs",)})
    assert facts(config(vault(), key(), account(), literal), KEY)["protects"] == ["azurerm_storage_account.pacs"]


def test_key_that_may_protect_an_account_never_fails_purge_protection() -> None:
    unknown_vault = instance("azurerm_storage_account_customer_managed_key.k", {
        "storage_account_id": after_apply("azurerm_storage_account.pacs"), "key_vault_id": UNSET, "key_name": "cmk"},
        refs={"storage_account_id": ("azurerm_storage_account.pacs",)})
    found = config(vault(), key(), account(), unknown_vault)
    assert isinstance(facts(found, KEY)["protects"][0], Unknown)
    assert status(found, "AZURE-KEYVAULT-PURGE-PROTECTION", KEY) == "unknown"
    protected = config(vault(purge_protection_enabled=True), key(), account(), unknown_vault)
    assert status(protected, "AZURE-KEYVAULT-PURGE-PROTECTION", KEY) == "pass"


def test_customer_managed_key_not_declared_here_has_unknown_rotation() -> None:
    outside = account(customer_managed_key=[{"key_vault_key_id": "https://kv-else.vault.azure.net/keys/cmk"}])
    found = findings(config(outside))
    assert statuses(found, "AZURE-STORAGE-CMK") == {outside.address: "pass"}
    assert statuses(found, "AZURE-KEY-ROTATION") == {outside.address: "unknown"}
    assert statuses(found, "AZURE-KEYVAULT-PURGE-PROTECTION") == {outside.address: "unknown"}
    declared_here = findings(config(vault(), key([{"automatic": [{"time_after_creation": "P90D"}]}]),
                                    encrypted_account()))
    assert statuses(declared_here, "AZURE-KEY-ROTATION") == {KEY: "pass"}  # no stand-in for a declared key
    assert statuses(findings(config(account())), "AZURE-KEY-ROTATION") == {}  # no customer-managed key


def test_vault_not_declared_here_is_unknown() -> None:
    outside = instance(KEY, {"name": "cmk", "key_vault_id": f"{RG}/Microsoft.KeyVault/vaults/kv-elsewhere"})
    found = config(outside, encrypted_account())
    assert facts(found, KEY)["vault"]["name"] == "kv-elsewhere"
    assert status(found, "AZURE-KEYVAULT-PURGE-PROTECTION", KEY) == "unknown"


def test_vault_by_literal_id_found_in_the_configuration() -> None:
    literal = instance(KEY, {"name": "cmk", "key_vault_id": f"{RG}/Microsoft.KeyVault/vaults/kv-pacs"})
    found = config(vault(purge_protection_enabled=True), literal, encrypted_account())
    assert status(found, "AZURE-KEYVAULT-PURGE-PROTECTION", KEY) == "pass"


RSV = "azurerm_recovery_services_vault.rsv"


def test_recovery_vault_soft_delete_default_and_immutability() -> None:
    def judged(**attrs: Any) -> str:
        return status(config(instance(RSV, {"name": "rsv", **attrs})), "AZURE-RECOVERY-VAULT", RSV)

    assert judged(immutability="Locked") == "pass"
    assert judged(immutability="Unlocked", soft_delete_enabled=True) == "pass"
    assert judged(immutability="Locked", soft_delete_enabled=False) == "fail"
    assert judged() == "fail"
    assert judged(immutability="Disabled") == "fail"
    assert judged(immutability=UNSET) == "unknown"


def test_backup_policy_types_and_daily_retention() -> None:
    vm = instance("azurerm_backup_policy_vm.vm", {"name": "vm", "retention_daily": [{"count": 35}]})
    share = instance("azurerm_backup_policy_file_share.fs", {"name": "fs", "retention_daily": [{"count": 10}]})
    sql = instance("azurerm_backup_policy_vm_workload.sql", {"name": "sql"})
    none = instance("azurerm_backup_policy_vm.none", {"name": "none"})
    unset = instance("azurerm_backup_policy_vm.unset", {"name": "unset", "retention_daily": [{"count": UNSET}]})
    found = findings(config(vm, share, sql, none, unset))
    assert statuses(found, "AZURE-BACKUP-RETENTION") == {
        vm.address: "pass", share.address: "fail", sql.address: "not_applicable", none.address: "fail",
        unset.address: "unknown"}
    assert statuses(findings(config(share), min_backup_retention_days=7), "AZURE-BACKUP-RETENTION") == {
        share.address: "pass"}


def test_backup_policy_names_its_vault() -> None:
    rsv = instance(RSV, {"name": "rsv"})
    policy = instance("azurerm_backup_policy_vm.vm", {"name": "vm", "recovery_vault_name": "rsv"},
                      refs={"recovery_vault_name": (RSV,)})
    assert facts(config(rsv, policy), policy.address)["vault"] == RSV


def setting(local: str, target: Any, *categories: str, refs: tuple[str, ...] = ()) -> Any:
    return instance(f"azurerm_monitor_diagnostic_setting.{local}", {
        "name": local, "target_resource_id": target, "enabled_log": [{"category": c} for c in categories]},
        refs={"target_resource_id": refs})


CURRENT = "data.azurerm_subscription.current"


def current() -> Any:
    return instance(CURRENT, {})


def of_current() -> Unknown:
    return Unknown("read at plan time", symbol=f"{CURRENT}.id")


def test_activity_log_one_resource_per_subscription_passing_when_any_setting_exports_both() -> None:
    first = setting("health", "/subscriptions/1111", "ServiceHealth")
    second = setting("audit", "/subscriptions/1111/", "Administrative", "Security")
    found = findings(config(first, second))
    assert statuses(found, "AZURE-ACTIVITY-LOG") == {first.address: "pass"}


def test_activity_log_missing_a_category_fails() -> None:
    found = findings(config(current(), setting("a", of_current(), "Administrative", refs=(CURRENT,))))
    assert statuses(found, "AZURE-ACTIVITY-LOG") == {"azurerm_monitor_diagnostic_setting.a": "fail"}


def test_activity_log_legacy_log_blocks_honour_enabled() -> None:
    legacy = instance("azurerm_monitor_diagnostic_setting.l", {"name": "l", "target_resource_id": "/subscriptions/1",
                      "log": [{"category": "Administrative", "enabled": True},
                              {"category": "Security", "enabled": False}]})
    assert status(config(legacy), "AZURE-ACTIVITY-LOG", legacy.address) == "fail"


def test_activity_log_subscriptions_that_may_be_the_same_are_never_failed() -> None:
    weak = setting("weak", of_current(), "ServiceHealth", refs=(CURRENT,))
    strong = setting("strong", "/subscriptions/1111", "Administrative", "Security")
    found = findings(config(current(), weak, strong))
    assert statuses(found, "AZURE-ACTIVITY-LOG") == {weak.address: "unknown", strong.address: "pass"}
    other = setting("other", "/subscriptions/2222", "ServiceHealth")
    literal = findings(config(other, strong))
    assert statuses(literal, "AZURE-ACTIVITY-LOG") == {other.address: "fail", strong.address: "pass"}


def test_activity_log_setting_with_an_unknown_target() -> None:
    maybe = setting("maybe", UNSET, "Administrative", "Security")
    assert statuses(findings(config(maybe)), "AZURE-ACTIVITY-LOG") == {maybe.address: "unknown"}
    weak = setting("weak", "/subscriptions/1111", "ServiceHealth")
    assert statuses(findings(config(weak, maybe)), "AZURE-ACTIVITY-LOG") == {weak.address: "unknown"}


def test_settings_on_other_resources_are_not_activity_log_exports() -> None:
    on_account = setting("acct", after_apply("azurerm_storage_account.pacs"), "StorageRead",
                         refs=("azurerm_storage_account.pacs",))
    on_blob = setting("blob", f"{RG}/Microsoft.Storage/storageAccounts/pacsacct/blobServices/default", "StorageRead")
    assert statuses(findings(config(account(), on_account, on_blob)), "AZURE-ACTIVITY-LOG") == {}
