"""``azurerm_key_vault_key`` (+ its ``azurerm_key_vault``) -> ``azure.keyvault.key``.

``rotation_policy { automatic { time_after_creation | time_before_expiry } }`` is the live
``rotate`` lifetime action; ``notify_before_expiry`` the ``notify`` one; ``expire_after`` the
expiry time. The vault is the ``azurerm_key_vault`` the key's ``key_vault_id`` was computed from
(or names literally): purge protection (``purge_protection_enabled``, default false) and soft
delete (always on since azurerm 3.0; ``soft_delete_enabled`` before). A vault not declared in the
configuration is unknown. ``protects`` lists the storage accounts the key encrypts (an inline
``customer_managed_key`` or an ``azurerm_storage_account_customer_managed_key`` computed from it);
Terraform reports every key, the live scan only those protecting storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, block
from policies.terraform.azure.common import Facts, declared, text, unseen
from policies.terraform.azure.links import Link, Target, arm_path, by_id, match_path
from policies.terraform.azure.storage import ACCOUNT, CUSTOMER_KEY, account_target
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KIND = "azure.keyvault.key"
KEY = "azurerm_key_vault_key"
VAULT = "azurerm_key_vault"
VAULT_TYPE = "Microsoft.KeyVault/vaults"


def keys(index: Index) -> list[Resource]:
    return [key(index, instance) for instance in index.of_type(KEY)]


def key(index: Index, instance: TfInstance) -> Resource:
    attrs = instance.attrs
    facts = Facts(instance)
    facts.put("key_uri", attrs.get("versionless_id"), "versionless_id")
    facts.put("rotation_policy", rotation(block(attrs, "rotation_policy")), "rotation_policy")
    vault, source = _vault(index, instance)
    facts.put("vault", vault, "key_vault_id", "purge_protection_enabled", "soft_delete_retention_days",
              sources=[source] if source is not None else [])
    protects, via = _protects(index, instance)
    facts.put("protects", protects, "customer_managed_key", "key_name", "key_vault_key_id", sources=via)
    return facts.resource(KIND, name=attrs.get("name"), tags=arg(attrs, "tags", {}))


def rotation(policy: Mapping[str, Any] | Unknown | None) -> Any:
    if policy is None or isinstance(policy, Unknown):
        return policy
    actions: list[Any] = []
    automatic = block(policy, "automatic")
    if isinstance(automatic, Unknown):
        actions.append(unseen(automatic.reason, automatic.origin))
    elif automatic is not None:
        actions.append({"action": "rotate", "time_after_create": text(automatic, "time_after_creation"),
                        "time_before_expiry": text(automatic, "time_before_expiry")})
    notify = text(policy, "notify_before_expiry")
    if notify is not None:
        actions.append({"action": "notify", "time_after_create": None, "time_before_expiry": notify})
    return {"expiry_time": text(policy, "expire_after"), "lifetime_actions": actions}


def _vault(index: Index, key: TfInstance) -> tuple[Any, TfInstance | None]:
    """The facts of the key's vault, and the vault resource they came from."""
    value = key.attrs.get("key_vault_id")
    found = [v for v in index.referenced(key, "key_vault_id", VAULT) if v.mode == "managed"]
    if not found and isinstance(value, str) and (parsed := arm_path(value)) is not None:
        found = [v for v in index.of_type(VAULT)
                 if match_path(Target(v, ((VAULT_TYPE, v.attrs.get("name")),)), *parsed) is Link.CERTAIN]
    if len(found) == 1:
        vault = found[0]
        attrs = vault.attrs
        return {"id": attrs.get("id", Unknown(f"{vault.address}.id is known only after apply")),
                "name": attrs.get("name"), "purge_protection": arg(attrs, "purge_protection_enabled", False),
                "soft_delete": arg(attrs, "soft_delete_enabled", True),
                "soft_delete_days": arg(attrs, "soft_delete_retention_days", 90)}, vault
    if len(found) > 1:
        return Unknown("key_vault_id may be any of " + ", ".join(v.address for v in found)), None
    why = Unknown(f"the key's vault is not declared in this configuration (key_vault_id={_shown(value)})")
    parsed = arm_path(value) if isinstance(value, str) else None
    name = parsed[1][-1][1] if parsed else value if isinstance(value, Unknown) else why
    return {"id": value, "name": name, "purge_protection": why, "soft_delete": why, "soft_delete_days": why}, None


def _shown(value: Any) -> str:
    if isinstance(value, Unknown):
        return value.symbol or value.reason
    return repr(value)


def _protects(index: Index, key: TfInstance) -> tuple[list[Any], list[TfInstance]]:
    """Addresses of the storage accounts encrypted with ``key`` (unknown elements for those that
    may be), and the resources that say so."""
    out: list[Any] = []
    via: list[TfInstance] = []
    for account in index.of_type(ACCOUNT):
        if key in index.referenced(account, "customer_managed_key", KEY):
            out.append(account.address)
    for cmk in index.of_type(CUSTOMER_KEY):
        uses = [key in index.referenced(cmk, argument, KEY) for argument in ("key_name", "key_vault_key_id",
                                                                          "managed_hsm_key_id", "key_version")]
        if not any(uses):
            continue
        via.append(cmk)
        for account in index.of_type(ACCOUNT):
            link = by_id(index, account_target(account), cmk, "storage_account_id")
            if link is Link.CERTAIN and account.address not in out:
                out.append(account.address)
            elif link is Link.POSSIBLE:
                out.append(unseen(f"{declared(cmk)} may set this key on {account.address}"))
    return out, via
