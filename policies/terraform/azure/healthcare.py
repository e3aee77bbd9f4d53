"""``azurerm_healthcare_dicom_service`` (+ its workspace, private endpoints and diagnostic settings)
-> ``azure.healthcare.dicom_service``, the facts the live collector reads
(``scanner/collectors/azure/healthcare.py``):

* ``public_network_access``: ``public_network_access_enabled`` (azurerm default true) as the ARM
  word ``Enabled`` / ``Disabled``;
* ``encryption.key_url``: ``encryption_key_url`` (azurerm >= 4.x), or the key URL of a
  ``customer_managed_key`` block where a provider version has one; none is the Microsoft-managed key;
* ``storage_account``: the ``storage`` block's ``storage_account_id`` (external Data Lake storage);
* ``private_endpoints``: every ``azurerm_private_endpoint`` whose ``private_service_connection``
  points at the service or at its ``azurerm_healthcare_workspace`` (Azure Health Data Services
  connects private endpoints to the workspace, for all its services);
* ``diagnostics``: every ``azurerm_monitor_diagnostic_setting`` whose ``target_resource_id`` is
  the service, with the log categories and category groups it enables.

The service is linked by reference, or by its ARM id (``.../workspaces/W/dicomServices/N``) with the
workspace's name and resource group. A setting or endpoint whose target cannot be told may be the
service's: an unknown item, never a pass (nor a fail by its absence).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from policies.terraform.attrs import arg, block
from policies.terraform.azure.common import UNSURE, Facts, declared, enabled_word, mapped, text, unseen
from policies.terraform.azure.diagnostics import diagnostic_logs, shape
from policies.terraform.azure.links import Link, Target, arm_path, by_id
from policies.terraform.azure.storage_parts import private_endpoints
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KIND = "azure.healthcare.dicom_service"
SERVICE = "azurerm_healthcare_dicom_service"
WORKSPACE = "azurerm_healthcare_workspace"
WORKSPACE_TYPE = "Microsoft.HealthcareApis/workspaces"
DIAGNOSTIC_SETTING = "azurerm_monitor_diagnostic_setting"
PRIVATE_ENDPOINT = "azurerm_private_endpoint"
_KEY_URL = re.compile(r"https://[^/\s]+/keys/[^/\s]+(?:/[^/\s]*)?/?", re.IGNORECASE)


def dicom_services(index: Index) -> list[Resource]:
    return [_service(index, instance) for instance in index.of_type(SERVICE)]


def _workspace(index: Index, service: TfInstance) -> tuple[TfInstance | None, Any, Any]:
    """(the workspace declared here, its name, its resource group) of a service."""
    found = index.referenced(service, "workspace_id", WORKSPACE)
    if len(found) == 1:
        attrs = found[0].attrs
        return found[0], attrs.get("name"), attrs.get("resource_group_name")
    raw = service.attrs.get("workspace_id")
    parsed = arm_path(raw) if isinstance(raw, str) else None
    if parsed is not None and len(parsed[1]) == 1 and parsed[1][0][0].lower() == WORKSPACE_TYPE.lower():
        return None, parsed[1][0][1], parsed[0]
    why = Unknown(f"the service's workspace is not known: {raw.reason if isinstance(raw, Unknown) else raw!r}")
    return None, why, why


def _service(index: Index, instance: TfInstance) -> Resource:
    attrs = instance.attrs
    workspace, workspace_name, group = _workspace(index, instance)
    shadow = replace(instance, attrs={**attrs, "resource_group_name": group})
    target = Target(shadow, ((WORKSPACE_TYPE, workspace_name), ("dicomservices", attrs.get("name"))))
    facts = Facts(instance)
    facts.put("workspace", workspace.address if workspace is not None else attrs.get("workspace_id"), "workspace_id",
              sources=[workspace] if workspace is not None else [])
    facts.put("public_network_access", enabled_word(arg(attrs, "public_network_access_enabled", True)),
              "public_network_access_enabled")
    facts.put("encryption", {"key_url": _key_url(attrs)}, "encryption_key_url", "customer_managed_key")
    storage = block(attrs, "storage")
    facts.put("storage_account", storage.get("storage_account_id") if isinstance(storage, Mapping) else storage,
              "storage")
    targets = [target]
    if workspace is not None:
        targets.append(Target(workspace, ((WORKSPACE_TYPE, workspace_name),)))
    private_endpoints(index, targets, facts, owner="service")
    _diagnostics(index, target, facts)
    return facts.resource(KIND, name=attrs.get("name"), tags=arg(attrs, "tags", {}))


def _key_url(attrs: Mapping[str, Any]) -> Any:
    url = text(attrs, "encryption_key_url")
    if url is not None:
        return mapped(url, _valid_key_url)
    key = block(attrs, "customer_managed_key")
    if key is None or isinstance(key, Unknown):
        return key
    for argument in ("key_url", "encryption_key_url", "key_vault_key_id"):
        found = text(key, argument)
        if found is not None:
            return mapped(found, _valid_key_url)
    return Unknown("a customer_managed_key block names no key URL")


def _valid_key_url(url: Any) -> Any:
    """A Key Vault (or managed HSM) key URL, else unknown (never "a key is set")."""
    if isinstance(url, str) and _KEY_URL.fullmatch(url.strip()):
        return url.strip()
    return Unknown(f"not a Key Vault key URL: {url!r}")


def _diagnostics(index: Index, target: Target, facts: Facts) -> None:
    certain: list[TfInstance] = []
    possible: list[TfInstance] = []
    for setting in index.of_type(DIAGNOSTIC_SETTING):
        if shape(setting) in ("blob", "subscription") or _elsewhere(index, setting):
            continue
        link = by_id(index, target, setting, "target_resource_id")
        if link is Link.CERTAIN:
            certain.append(setting)
        elif link is Link.POSSIBLE:
            possible.append(setting)
    items: list[Any] = [{"name": s.attrs.get("name"), "logs": diagnostic_logs(s.attrs)} for s in certain]
    items += [unseen(f"{declared(s)} may be a diagnostic setting of this service ({UNSURE})") for s in possible]
    facts.put("diagnostics", items, "enabled_log", "log", "target_resource_id", sources=[*certain, *possible],
              own=False)


def _elsewhere(index: Index, setting: TfInstance) -> bool:
    """A target computed only from resources of other types (a storage account's blob service, a
    key vault): not a DICOM service's."""
    refs = [index.get(r) for r in setting.refs.get("target_resource_id", ())]
    found = [r for r in refs if r is not None]
    return bool(found) and len(found) == len(refs) and all(r.type != SERVICE for r in found)
