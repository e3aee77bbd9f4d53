"""``azurerm_storage_account`` (+ the resources that configure it) -> ``azure.storage.account``.

The facts are the live collector's (scanner/collectors/azure/storage.py), read from:

* the account's own arguments, azurerm v4 names first, then the older names
  (``https_traffic_only_enabled`` / ``enable_https_traffic_only``, ``allow_nested_items_to_be_public``
  / ``allow_blob_public_access``), absent ones at the azurerm (>= 3.0) default;
* network rules: the inline ``network_rules`` block or one ``azurerm_storage_account_network_rules``
  (linked by ``storage_account_id``, or by ``storage_account_name`` + ``resource_group_name`` as in
  azurerm v2). Both, or two of them, is unknown: azurerm documents that they overwrite each other;
* the key: an inline ``customer_managed_key`` block or an
  ``azurerm_storage_account_customer_managed_key`` makes ``encryption.key_source`` the
  customer-managed ``Microsoft.Keyvault``; none is the platform-managed ``Microsoft.Storage``;
* ``immutability_policy`` (account-level), ``blob_properties`` (versioning, soft delete);
* containers, lifecycle policy, blob diagnostic settings and private endpoints (storage_parts.py).

A sub-resource that may configure the account (its link cannot be known) makes the setting it
carries unknown for the account: it never lets it pass, and its absence never fails it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, block
from policies.terraform.azure.common import UNSURE, Facts, canonical, either, enabled_word, text
from policies.terraform.azure.links import Target, by_any, by_id, linked
from policies.terraform.azure.storage_parts import blob_diagnostics, containers, lifecycle_rules, private_endpoints
from policies.terraform.index import Index, Linked
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KIND = "azure.storage.account"
ACCOUNT = "azurerm_storage_account"
ARM_TYPE = "Microsoft.Storage/storageAccounts"
NETWORK_RULES = "azurerm_storage_account_network_rules"
CUSTOMER_KEY = "azurerm_storage_account_customer_managed_key"
#: azurerm >= 3.0 default (v2 defaulted to TLS1_0)
DEFAULT_TLS = "TLS1_2"
_KEY_ID = re.compile(r"(?P<uri>https://[^/]+/)keys/(?P<name>[^/]+)(?:/(?P<version>[^/]+))?/?", re.IGNORECASE)


def account_target(instance: TfInstance) -> Target:
    return Target(instance, ((ARM_TYPE, instance.attrs.get("name")),), unique_names=True)


def accounts(index: Index) -> list[Resource]:
    return [account(index, instance) for instance in index.of_type(ACCOUNT)]


def account(index: Index, instance: TfInstance) -> Resource:
    attrs = instance.attrs
    target = account_target(instance)
    facts = Facts(instance)
    facts.put("https_only", either(attrs, ("https_traffic_only_enabled", "enable_https_traffic_only"), True),
              "https_traffic_only_enabled", "enable_https_traffic_only")
    facts.put("min_tls_version", text(attrs, "min_tls_version", DEFAULT_TLS), "min_tls_version")
    facts.put("allow_blob_public_access",
              either(attrs, ("allow_nested_items_to_be_public", "allow_blob_public_access"), True),
              "allow_nested_items_to_be_public", "allow_blob_public_access")
    facts.put("allow_shared_key_access", arg(attrs, "shared_access_key_enabled", True), "shared_access_key_enabled")
    facts.put("public_network_access", enabled_word(arg(attrs, "public_network_access_enabled", True)),
              "public_network_access_enabled")
    _network(index, target, facts)
    _encryption(index, target, facts)
    facts.put("replication", _replication(attrs), "account_tier", "account_replication_type")
    facts.put("immutability", _immutability(block(attrs, "immutability_policy")), "immutability_policy")
    facts.put("blob_service", _blob_service(block(attrs, "blob_properties")), "blob_properties")
    containers(index, target, facts)
    lifecycle_rules(index, target, facts)
    blob_diagnostics(index, target, facts)
    private_endpoints(index, [target], facts)
    return facts.resource(KIND, name=attrs.get("name"), tags=arg(attrs, "tags", {}))


def _maybe(found: Linked, what: str) -> Unknown:
    shown = ", ".join(i.address for i in found.possible)
    return Unknown(f"{shown} may configure the {what} of this account ({UNSURE})")


def _network(index: Index, target: Target, facts: Facts) -> None:
    found = linked(index, (NETWORK_RULES,), lambda child: by_any(
        index, target, child, ids=("storage_account_id",), names=(("storage_account_name", "resource_group_name"),)))
    inline = block(target.instance.attrs, "network_rules")
    sources = [*([target.instance] if inline is not None else []), *found.certain]
    value: Any
    if isinstance(inline, Unknown):
        value = inline
    elif found.possible:
        value = _maybe(found, "network rules")
    elif sources:
        every = [_network_rules(inline)] if isinstance(inline, Mapping) else []
        every += [_network_rules(c.attrs) for c in found.certain]
        value = _agreed(every, ", ".join(s.address for s in sources))
    else:
        value = None
    facts.put("network", value, "network_rules", "default_action", "bypass", "ip_rules",
              sources=[*found.certain, *found.possible], own=inline is not None or not found)


def _network_rules(rules: Mapping[str, Any]) -> dict[str, Any]:
    return {"default_action": canonical(arg(rules, "default_action"), ("Allow", "Deny"), "a default action"),
            "bypass": arg(rules, "bypass"), "ip_rules": arg(rules, "ip_rules")}


def _agreed(every: list[dict[str, Any]], where: str) -> dict[str, Any]:
    """Network rules declared in several places (inline and a separate resource, which azurerm
    documents overwrite each other; or a plan's computed inline copy of the separate resource's
    rules): a setting they all give alike is that setting, one they give differently is unknown."""
    out: dict[str, Any] = {}
    for key in every[0]:
        values = [rules[key] for rules in every]
        unknown = next((v for v in values if isinstance(v, Unknown)), None)
        if unknown is not None:
            out[key] = unknown
        elif all(v == values[0] for v in values):
            out[key] = values[0]
        else:
            out[key] = Unknown(f"{key} is configured differently in {where} (azurerm documents that they "
                               "overwrite each other)")
    return out


def _encryption(index: Index, target: Target, facts: Facts) -> None:
    attrs = target.instance.attrs
    found = linked(index, (CUSTOMER_KEY,), lambda child: by_id(index, target, child, "storage_account_id"))
    inline = block(attrs, "customer_managed_key")
    keys: list[Mapping[str, Any]] = [k for k in [inline] if isinstance(k, Mapping)]
    keys += [c.attrs for c in found.certain]
    source: Any
    details: dict[str, Any] = {"key_vault_uri": None, "key_name": None, "key_version": None}
    if keys:
        source = "Microsoft.Keyvault"
        if len(keys) == 1:
            details = _key_details(keys[0])
        else:
            twice = Unknown("the customer-managed key is configured twice")
            details = dict.fromkeys(details, twice)
    elif isinstance(inline, Unknown):
        source = inline
    elif found.possible:
        source = _maybe(found, "customer-managed key")
    else:
        source = "Microsoft.Storage"
    encryption = {"key_source": source, **details,
                  "infrastructure": arg(attrs, "infrastructure_encryption_enabled", False)}
    facts.put("encryption", encryption, "customer_managed_key", "infrastructure_encryption_enabled", "key_vault_id",
              "key_name", "key_version", "key_vault_key_id", sources=[*found.certain, *found.possible])


def _key_details(key: Mapping[str, Any]) -> dict[str, Any]:
    """The vault URI, key name and version of a customer-managed key: from a key id URL
    (``key_vault_key_id`` / ``managed_hsm_key_id``), or from the separate resource's arguments."""
    key_id = text(key, "key_vault_key_id")
    if key_id is None:
        key_id = text(key, "managed_hsm_key_id")
    if isinstance(key_id, str):
        match = _KEY_ID.fullmatch(key_id.strip())
        if match is None:
            bad = Unknown(f"not a Key Vault key id: {key_id!r}")
            return {"key_vault_uri": bad, "key_name": bad, "key_version": bad}
        return {"key_vault_uri": match.group("uri"), "key_name": match.group("name"),
                "key_version": match.group("version")}
    if isinstance(key_id, Unknown):
        return {"key_vault_uri": key_id, "key_name": key_id, "key_version": key_id}
    uri = text(key, "key_vault_uri")
    if uri is None and text(key, "key_vault_id") is not None:
        uri = Unknown("the vault URI of key_vault_id is known only after apply")
    return {"key_vault_uri": uri, "key_name": text(key, "key_name"), "key_version": text(key, "key_version")}


def _replication(attrs: Mapping[str, Any]) -> Any:
    tier, kind = attrs.get("account_tier"), attrs.get("account_replication_type")
    for part in (tier, kind):
        if isinstance(part, Unknown):
            return part
    return f"{tier}_{kind}" if isinstance(tier, str) and isinstance(kind, str) else None


def _immutability(policy: Mapping[str, Any] | Unknown | None) -> Any:
    if policy is None or isinstance(policy, Unknown):
        return policy
    return {"enabled": True, "state": arg(policy, "state"), "period_days": arg(policy, "period_since_creation_in_days")}


def _retention(policy: Mapping[str, Any] | Unknown | None) -> Any:
    """A delete retention policy block: soft delete on for ``days`` (azurerm default 7)."""
    if policy is None or isinstance(policy, Unknown):
        return policy
    return {"enabled": True, "days": arg(policy, "days", 7)}


def _blob_service(properties: Mapping[str, Any] | Unknown | None) -> Any:
    """``blob_properties``: absent is the Azure default (no versioning, no soft delete)."""
    if isinstance(properties, Unknown):
        return properties
    props: Mapping[str, Any] = properties or {}
    return {"versioning": arg(props, "versioning_enabled", False),
            "soft_delete": _retention(block(props, "delete_retention_policy")),
            "container_soft_delete": _retention(block(props, "container_delete_retention_policy"))}

