"""Azure storage account settings declared inline or in the account's own sub-resource.

* PACS_AZURE_STORAGE_CMK (ENC-KEYS): the account is encrypted with a customer-managed key: an
  inline ``customer_managed_key`` block naming a Key Vault or managed HSM key, or an
  ``azurerm_storage_account_customer_managed_key`` for the account.
* PACS_AZURE_STORAGE_NETWORK (NET-STORAGE): network access is denied by default: inline
  ``network_rules { default_action = "Deny" }``, ``public_network_access_enabled = false``, or an
  ``azurerm_storage_account_network_rules`` for the account with ``default_action = "Deny"``. An
  account with no network rules at all is open (CKV_AZURE_35 says nothing then): FAIL.

A sub-resource counts when its ``storage_account_id`` references this account.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies.terraform.common import Observation
from policies.terraform.declared import PASSED, DeclaredCheck, all_of, flag, setting, values

_ACCOUNT = "azurerm_storage_account"


class StorageCustomerManagedKey(DeclaredCheck):
    keys = ("customer_managed_key/key_vault_key_id", "customer_managed_key/managed_hsm_key_id")
    linked = (("azurerm_storage_account_customer_managed_key", "storage_account_id"),)
    absent = "no customer_managed_key block and no azurerm_storage_account_customer_managed_key: Microsoft-managed keys"

    def __init__(self) -> None:
        super().__init__("Storage account is encrypted with a customer-managed key (inline block or separate resource)",
                         "PACS_AZURE_STORAGE_CMK", _ACCOUNT, CheckCategories.ENCRYPTION)

    def inline(self, conf: dict[str, Any]) -> Iterable[Observation]:
        return [Observation(f"customer_managed_key.{name}={value}", PASSED)
                for name in ("key_vault_key_id", "managed_hsm_key_id")
                for value in values(conf, ("customer_managed_key", name)) if value]

    def connected(self, address: str, attrs: dict[str, Any]) -> Iterable[Observation]:
        key = (values(attrs, ("key_vault_key_id",)) or values(attrs, ("managed_hsm_key_id",)) or [None])[0]
        return [Observation(f"{address} sets the account's key" + (f" ({key})" if key else ""), PASSED)]


class StorageNetworkDefaultDeny(DeclaredCheck):
    keys = ("network_rules/default_action", "public_network_access_enabled", "default_action")
    linked = (("azurerm_storage_account_network_rules", "storage_account_id"),)
    absent = "no network_rules, no azurerm_storage_account_network_rules and public network access not disabled: " \
             "the account accepts traffic from any network"

    def __init__(self) -> None:
        super().__init__("Storage account denies network access by default (inline network_rules, a separate "
                         "network rules resource, or no public endpoint)",
                         "PACS_AZURE_STORAGE_NETWORK", _ACCOUNT, CheckCategories.NETWORKING)

    def inline(self, conf: dict[str, Any]) -> Iterable[Observation]:
        out = [setting("network_rules.default_action", v, ("Deny",))
               for v in values(conf, ("network_rules", "default_action"))]
        out += [flag("public_network_access_enabled", v, False, True)
                for v in values(conf, ("public_network_access_enabled",))]
        return out

    def connected(self, address: str, attrs: dict[str, Any]) -> Iterable[Observation]:
        found = values(attrs, ("default_action",))
        return [all_of(address, [setting("default_action", v, ("Deny",)) for v in found])] if found else []


storage_customer_managed_key = StorageCustomerManagedKey()
storage_network_default_deny = StorageNetworkDefaultDeny()
