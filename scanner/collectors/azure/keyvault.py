"""Key Vault keys that protect storage accounts (``azure.keyvault.key``): every customer-managed
key named by a scanned storage account, read through the management plane (Reader suffices; no
data-plane key permission is needed and no key material is ever read).

Facts (key: meaning), grouped by the call that reads them:

Keys_Get (``Microsoft.KeyVault/vaults/keys/read``)
    rotation_policy                   None: no rotation policy
    rotation_policy.expiry_time       ISO-8601 duration after which a new key version expires
    rotation_policy.lifetime_actions  [{action (rotate / notify, lower-cased), time_after_create,
                                      time_before_expiry}] (ISO-8601 durations)
Vaults_ListBySubscription (``Microsoft.KeyVault/vaults/read``)
    vault.id / vault.name             the vault holding the key
    vault.purge_protection            enablePurgeProtection (None: not enabled)
    vault.soft_delete                 enableSoftDelete
    vault.soft_delete_days            softDeleteRetentionInDays
the storage account facts
    key_uri                           the key's URI (without version)
    protects                          ids of the scanned storage accounts encrypted with the key

A key whose vault cannot be found in the scanned subscriptions gets errors for ``rotation_policy``
and ``vault`` (with the reason), never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import AzureError

from scanner.collectors.azure.errors import reason
from scanner.collectors.azure.reader import FactReader, resource_group
from scanner.collectors.azure.session import AzureSession
from scanner.collectors.azure.storage import ACCOUNT, attr
from scanner.facts.resource import Resource

KEY = "azure.keyvault.key"


@dataclass(frozen=True)
class _Vaults:
    found: dict[str, tuple[str, Any]]  # lower-cased vault name -> (subscription, vault)
    failed: dict[str, str]  # subscription -> why its vaults could not be listed


def _list_vaults(session: AzureSession, subscriptions: Iterable[str]) -> _Vaults:
    found: dict[str, tuple[str, Any]] = {}
    failed: dict[str, str] = {}
    for subscription in subscriptions:
        try:
            for vault in session.client("keyvault", subscription).vaults.list_by_subscription():
                found[str(vault.name).lower()] = (subscription, vault)
        except AzureError as err:
            failed[subscription] = reason(err)
    return _Vaults(found, failed)


def _rotation(key: Any) -> dict[str, Any] | None:
    policy = attr(key, "properties", "rotation_policy")
    if policy is None:
        return None
    return {
        "expiry_time": attr(policy, "attributes", "expiry_time"),
        "lifetime_actions": [{
            "action": str(attr(a, "action", "type") or "").lower() or None,
            "time_after_create": attr(a, "trigger", "time_after_create"),
            "time_before_expiry": attr(a, "trigger", "time_before_expiry"),
        } for a in attr(policy, "lifetime_actions") or []],
    }


def _vault_facts(vault: Any) -> dict[str, Any]:
    return {
        "id": vault.id, "name": vault.name,
        "purge_protection": attr(vault, "properties", "enable_purge_protection"),
        "soft_delete": attr(vault, "properties", "enable_soft_delete"),
        "soft_delete_days": attr(vault, "properties", "soft_delete_retention_in_days"),
    }


def _missing(uri: str, key_name: str, vault_name: str, vaults: _Vaults, protects: list[str]) -> Resource:
    why = f"key vault {vault_name} not found in the scanned subscriptions"
    if vaults.failed:
        why += "; vaults could not be listed in " + "; ".join(f"{s}: {r}" for s, r in sorted(vaults.failed.items()))
    else:
        why += " (it may live in a subscription this identity cannot read)"
    account = protects[0].split("/")[2] if protects and protects[0].count("/") >= 2 else ""
    return Resource(provider="azure", type=KEY, id=uri, name=key_name, account=account, region=None,
                         facts={"key_uri": uri, "protects": protects},
                         errors={"rotation_policy": why, "vault": why})


def _key(session: AzureSession, uri: str, key_name: str, vaults: _Vaults, protects: list[str]) -> Resource:
    vault_name = (urlsplit(uri).hostname or "").split(".", 1)[0]
    if vault_name.lower() not in vaults.found:
        return _missing(uri, key_name, vault_name, vaults, protects)
    subscription, vault = vaults.found[vault_name.lower()]
    client = session.client("keyvault", subscription)
    reader = FactReader(facts={"key_uri": uri, "vault": _vault_facts(vault), "protects": protects})
    reader.read("rotation_policy", lambda: client.keys.get(resource_group(vault.id), vault.name, key_name), _rotation)
    return Resource(provider="azure", type=KEY, id=f"{vault.id}/keys/{key_name}", name=key_name,
                         account=subscription, region=vault.location,
                         facts=reader.facts, errors=reader.errors)


def storage_keys(accounts: Iterable[Resource]) -> dict[tuple[str, str], list[str]]:
    """(vault URI, key name) -> ids of the storage accounts it encrypts."""
    out: dict[tuple[str, str], list[str]] = {}
    for account in accounts:
        encryption = account.facts.get("encryption") or {}
        if account.type != ACCOUNT or str(encryption.get("key_source", "")).lower() != "microsoft.keyvault":
            continue
        uri, name = encryption.get("key_vault_uri"), encryption.get("key_name")
        if uri and name:
            out.setdefault((str(uri).rstrip("/") + "/keys/" + str(name), str(name)), []).append(account.id)
    return out


def collect_keys(session: AzureSession, subscriptions: Iterable[str],
                 accounts: Iterable[Resource]) -> list[Resource]:
    wanted = storage_keys(accounts)
    if not wanted:
        return []
    vaults = _list_vaults(session, subscriptions)
    return [_key(session, uri, name, vaults, sorted(protects)) for (uri, name), protects in sorted(wanted.items())]
