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

import re
from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, block
from policies.terraform.azure.common import Facts, declared, text, unseen
from policies.terraform.azure.links import Link, Target, arm_path, by_id, linked, match_path
from policies.terraform.azure.storage import ACCOUNT, CUSTOMER_KEY, account_target
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KIND = "azure.keyvault.key"
KEY = "azurerm_key_vault_key"
VAULT = "azurerm_key_vault"
VAULT_TYPE = "Microsoft.KeyVault/vaults"
_KEY_URL = re.compile(r"https://(?P<vault>[^./]+)\.[^/]+/keys/(?P<name>[^/]+)(?:/[^/]*)?/?", re.IGNORECASE)


def keys(index: Index) -> list[Resource]:
    """Every declared key, and a key of unknown rotation for each account whose customer-managed
    key is not declared here (as the live scan reports a key whose vault it cannot read)."""
    declared_keys = [key(index, instance) for instance in index.of_type(KEY)]
    covered = {a for k in declared_keys for a in k.facts.get("protects", []) if isinstance(a, str)}
    return declared_keys + [k for account in index.of_type(ACCOUNT) if account.address not in covered
                            for k in [_undeclared_key(index, account)] if k is not None]


def _undeclared_key(index: Index, account: TfInstance) -> Resource | None:
    """The customer-managed key of ``account`` when it is not a key of this configuration: its
    rotation policy and vault cannot be read (unknown), at the account's address."""
    inline = block(account.attrs, "customer_managed_key")
    target = account_target(account)
    separate = linked(index, (CUSTOMER_KEY,), lambda child: by_id(index, target, child, "storage_account_id"))
    sources = ([inline] if isinstance(inline, Mapping) else []) + [c.attrs for c in separate.certain]
    if not sources:
        return None
    named = [v for k in sources for v in (text(k, "key_vault_key_id"), text(k, "managed_hsm_key_id"),
                                           text(k, "key_name")) if v is not None]
    shown = ", ".join(str(v.symbol or v.reason) if isinstance(v, Unknown) else repr(v) for v in named) or "?"
    why = Unknown(f"the customer-managed key of {account.address} ({shown}) is not declared in this "
                  "configuration: its rotation policy and vault cannot be read")
    facts = Facts(account)
    facts.put("key_uri", why, "customer_managed_key", sources=separate.certain)
    facts.put("rotation_policy", why)
    facts.put("vault", why)
    facts.put("protects", [account.address])
    return facts.resource(KIND, name=f"customer-managed key of {account.address}")


def key(index: Index, instance: TfInstance) -> Resource:
    attrs = instance.attrs
    facts = Facts(instance)
    facts.put("key_uri", attrs.get("versionless_id"), "versionless_id")
    facts.put("rotation_policy", rotation(block(attrs, "rotation_policy")), "rotation_policy")
    vault, source = _vault(index, instance)
    facts.put("vault", vault, "key_vault_id", "purge_protection_enabled", "soft_delete_retention_days",
              sources=[source] if source is not None else [])
    protects, via = _protects(index, instance, vault)
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


def _protects(index: Index, key: TfInstance, vault: Any) -> tuple[list[Any], list[TfInstance]]:
    """Addresses of the storage accounts encrypted with ``key`` (unknown elements for those that
    may be), and the resources that say so: an inline ``customer_managed_key`` or a separate
    customer-managed key computed from the key, or naming it literally (key name and vault)."""
    out: list[Any] = []
    via: list[TfInstance] = []
    for account in index.of_type(ACCOUNT):
        link = _inline_uses(index, key, vault, account)
        if link is Link.CERTAIN:
            out.append(account.address)
        elif link is Link.POSSIBLE:
            out.append(unseen(f"{account.address}'s customer_managed_key may be this key"))
    for cmk in index.of_type(CUSTOMER_KEY):
        uses = _separate_uses(index, key, vault, cmk)
        if uses is None:
            continue
        via.append(cmk)
        for account in index.of_type(ACCOUNT):
            link = by_id(index, account_target(account), cmk, "storage_account_id")
            if link is None:
                continue
            if link is Link.CERTAIN and uses is Link.CERTAIN:
                out += [account.address] if account.address not in out else []
            else:
                out.append(unseen(f"{declared(cmk)} may set this key on {account.address}"))
    return out, via


def _same(have: Any, want: Any) -> bool | None:
    if isinstance(have, str) and isinstance(want, str):
        return have.lower() == want.lower()
    return None


def _inline_uses(index: Index, key: TfInstance, vault: Any, account: TfInstance) -> Link | None:
    if key in index.referenced(account, "customer_managed_key", KEY):
        return Link.CERTAIN
    inline = block(account.attrs, "customer_managed_key")
    key_id = text(inline, "key_vault_key_id") if isinstance(inline, Mapping) else None
    if not isinstance(key_id, str) or (match := _KEY_URL.fullmatch(key_id.strip())) is None:
        return None
    same_name = _same(match.group("name"), key.attrs.get("name"))
    same_vault = _same(match.group("vault"), vault.get("name") if isinstance(vault, Mapping) else None)
    if same_name is False or same_vault is False:
        return None
    return Link.CERTAIN if same_name and same_vault else Link.POSSIBLE


def _separate_uses(index: Index, key: TfInstance, vault: Any, cmk: TfInstance) -> Link | None:
    """Does a separate customer-managed key name ``key``: by reference, or by key name and vault."""
    if any(key in index.referenced(cmk, a, KEY) for a in ("key_name", "key_vault_key_id", "key_version")):
        return Link.CERTAIN
    same_name = _same(text(cmk.attrs, "key_name"), key.attrs.get("name"))
    if same_name is False or text(cmk.attrs, "key_name") is None:
        return None
    key_vaults = set(key.refs.get("key_vault_id", ()))
    cmk_vaults = set(cmk.refs.get("key_vault_id", ()))
    if key_vaults and cmk_vaults:
        same_vault: bool | None = key_vaults == cmk_vaults
    else:
        same_vault = _same(cmk.attrs.get("key_vault_id"), key.attrs.get("key_vault_id"))
        if same_vault is None and isinstance(vault, Mapping) and isinstance(cmk.attrs.get("key_vault_id"), str):
            parsed = arm_path(cmk.attrs["key_vault_id"])
            same_vault = _same(parsed[1][-1][1], vault.get("name")) if parsed else None
    if same_vault is False:
        return None
    return Link.CERTAIN if same_name and same_vault else Link.POSSIBLE
