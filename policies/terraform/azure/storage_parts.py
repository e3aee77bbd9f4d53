"""What configures a storage account from resources of its own: containers (and their
immutability policies), the lifecycle management policy, blob-service diagnostic settings and
private endpoints. Each is a list in the account's facts, as the live collector lists them; a
resource that may belong to the account (its link cannot be known) is an unknown element.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from policies.terraform.attrs import arg, block, blocks
from policies.terraform.azure.common import UNSURE, Facts, canonical, declared, mapped, text, unseen
from policies.terraform.azure.diagnostics import BLOB_SERVICE, diagnostic_logs, targets
from policies.terraform.azure.links import Link, Target, by_any, by_id, linked
from policies.terraform.index import Index
from scanner.facts.types import to_bool
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

CONTAINER = "azurerm_storage_container"
CONTAINER_POLICY = "azurerm_storage_container_immutability_policy"
MANAGEMENT_POLICY = "azurerm_storage_management_policy"
DIAGNOSTIC_SETTING = "azurerm_monitor_diagnostic_setting"
PRIVATE_ENDPOINT = "azurerm_private_endpoint"
#: container_access_type -> the ARM publicAccess word the live collector reads
_ACCESS = {"private": "None", "blob": "Blob", "container": "Container"}
#: base_blob actions that delete the current version of a blob (the live collector's daysAfter*)
_DELETES = {
    "delete_after_days_since_modification_greater_than": "days_after_modification_greater_than",
    "delete_after_days_since_creation_greater_than": "days_after_creation_greater_than",
    "delete_after_days_since_last_access_time_greater_than": "days_after_last_access_time_greater_than",
}


def _possibly(child: TfInstance, what: str) -> Unknown:
    return unseen(f"{declared(child)} may be a {what} of this account ({UNSURE})")


def containers(index: Index, account: Target, facts: Facts) -> None:
    found = linked(index, (CONTAINER,), lambda child: by_any(
        index, account, child, ids=("storage_account_id",), names=(("storage_account_name", None),)))
    items: list[Any] = [_container(index, account, c, facts) for c in found.certain]
    items += [_possibly(c, "container") for c in found.possible]
    facts.put("containers", items, "container_access_type", "immutability_period_in_days", "locked",
              sources=[*found.certain, *found.possible], own=False)


def _container(index: Index, account: Target, container: TfInstance, facts: Facts) -> dict[str, Any]:
    attrs = container.attrs
    access = canonical(text(attrs, "container_access_type", "private"), _ACCESS, "a container access type")
    target = Target(container, (*account.path, ("blobServices", "default"), ("containers", attrs.get("name"))),
                    unique_names=True)
    found = linked(index, (CONTAINER_POLICY,),
                   lambda child: by_id(index, target, child, "storage_container_resource_manager_id"))
    facts.subs += [p for p in (*found.certain, *found.possible) if p not in facts.subs]
    policy: Any
    if found.possible:
        shown = ", ".join(p.address for p in found.possible)
        policy = Unknown(f"{shown} may set this container's immutability policy ({UNSURE})")
    elif len(found.certain) > 1:
        policy = Unknown("the container's immutability policy is declared twice: "
                         + ", ".join(p.address for p in found.certain))
    elif found.certain:
        settings = found.certain[0].attrs
        state = mapped(arg(settings, "locked", False), _locked)
        policy = {"state": state, "period_days": arg(settings, "immutability_period_in_days")}
    else:
        policy = None
    return {"name": attrs.get("name"), "id": container.address, "public_access": mapped(access, _access_word),
            "immutability_policy": policy}


def _access_word(access: Any) -> Any:
    return _ACCESS.get(access, access) if isinstance(access, str) else access


def _locked(value: Any) -> Any:
    locked = to_bool(value)
    return locked if isinstance(locked, Unknown) else ("Locked" if locked else "Unlocked")


def lifecycle_rules(index: Index, account: Target, facts: Facts) -> None:
    """The management policy's rules with their base-blob deletions; None without a policy."""
    found = linked(index, (MANAGEMENT_POLICY,), lambda child: by_id(index, account, child, "storage_account_id"))
    value: Any
    if found.possible:
        shown = ", ".join(p.address for p in found.possible)
        value = Unknown(f"{shown} may be this account's lifecycle policy ({UNSURE})")
    elif len(found.certain) > 1:
        value = Unknown("the lifecycle policy is declared twice: " + ", ".join(p.address for p in found.certain))
    elif found.certain:
        value = [_lifecycle_rule(rule) for rule in blocks(found.certain[0].attrs, "rule")]
    else:
        value = None
    facts.put("lifecycle_rules", value, "rule", sources=[*found.certain, *found.possible], own=False)


def _lifecycle_rule(rule: Any) -> Any:
    if not isinstance(rule, Mapping):
        return rule  # an unseen rule (dynamic block over an unknown collection)
    return {"name": rule.get("name"), "enabled": arg(rule, "enabled", True), "deletions": _deletions(rule)}


def _deletions(rule: Mapping[str, Any]) -> list[Any]:
    actions = block(rule, "actions")
    if isinstance(actions, Unknown):
        return [Unknown(actions.reason, actions.origin, actions.error, spread=True)]
    base = block(actions, "base_blob") if actions is not None else None
    if isinstance(base, Unknown):
        return [Unknown(base.reason, base.origin, base.error, spread=True)]
    if base is None:
        return []
    return [{"action": action, "days": base[argument]} for argument, action in _DELETES.items()
            if base.get(argument) is not None]


def blob_diagnostics(index: Index, account: Target, facts: Facts) -> None:
    """Diagnostic settings on ``<account>/blobServices/default``: {name, logs}."""
    certain: list[TfInstance] = []
    possible: list[TfInstance] = []
    for setting in index.of_type(DIAGNOSTIC_SETTING):
        link = targets(index, setting, account, BLOB_SERVICE)
        if link is Link.CERTAIN:
            certain.append(setting)
        elif link is Link.POSSIBLE:
            possible.append(setting)
    items: list[Any] = [{"name": s.attrs.get("name"), "logs": diagnostic_logs(s.attrs)} for s in certain]
    items += [_possibly(s, "diagnostic setting of the blob service") for s in possible]
    facts.put("blob_diagnostics", items, "enabled_log", "log", "target_resource_id", sources=[*certain, *possible],
              own=False)


def private_endpoints(index: Index, targets: Sequence[Target], facts: Facts, owner: str = "account") -> None:
    """Private endpoints whose ``private_service_connection`` points at any of ``targets`` (the
    storage account; a DICOM service by each way it may be named), the resource being this ``owner``."""
    items: list[Any] = []
    sources: list[TfInstance] = []
    for endpoint in index.of_type(PRIVATE_ENDPOINT):
        connections = blocks(endpoint.attrs, "private_service_connection")
        links = [_endpoint_link(index, t, endpoint, c) for t in targets for c in connections]
        if Link.CERTAIN in links:
            manual = next((arg(c, "is_manual_connection", False) for c in connections if isinstance(c, Mapping)),
                          False)
            items.append({"id": endpoint.address, "status": mapped(manual, _status)})
            sources.append(endpoint)
        elif Link.POSSIBLE in links:
            items.append(unseen(f"{declared(endpoint)} may be a private endpoint of this {owner} ({UNSURE})"))
            sources.append(endpoint)
    facts.put("private_endpoints", items, "private_service_connection", sources=sources, own=False)


def _endpoint_link(index: Index, account: Target, endpoint: TfInstance, connection: Any) -> Link | None:
    if not isinstance(connection, Mapping):
        return Link.POSSIBLE
    shadow = replace(endpoint, attrs={"id": connection.get("private_connection_resource_id")},
                     refs={"id": endpoint.refs.get("private_service_connection", ())})
    return by_id(index, account, shadow, "id")


def _status(manual: Any) -> Any:
    flag = to_bool(manual)
    return flag if isinstance(flag, Unknown) else ("Pending" if flag else "Approved")
