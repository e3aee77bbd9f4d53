"""Subscription diagnostic settings -> ``azure.monitor.subscription_activity_log``.

The live collector reports one resource per subscription listing all its diagnostic settings; the
rule passes when any of them exports both Administrative and Security. Here the
``azurerm_monitor_diagnostic_setting`` resources whose target is a subscription are grouped by
subscription (a literal id, or the ``azurerm_subscription`` data source they read), one resource per
subscription at the address of its first setting. Two groups whose subscriptions may be the same
(a data source and a literal id) each see the other's settings as unknown elements, as does every
setting whose target cannot be told: a subscription whose export may live in such a setting is
never failed. Settings on other resources (storage accounts, key vaults) are not activity-log
exports. A configuration with no subscription-level setting declares no activity-log export:
nothing of the kind, as for the old check. A setting whose target cannot be told, with no
subscription-level setting beside it, is reported as a subscription export that cannot be decided.
"""

from __future__ import annotations

from typing import Any

from policies.terraform.azure.common import Facts, declared, unseen
from policies.terraform.azure.diagnostics import SUBSCRIPTION_TYPES, diagnostic_logs, shape, subscription_key
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KIND = "azure.monitor.subscription_activity_log"
SETTING = "azurerm_monitor_diagnostic_setting"
_LITERAL = "/"  # keys of subscriptions known by id never start with a resource address


def activity_logs(index: Index) -> list[Resource]:
    groups: dict[str, list[TfInstance]] = {}
    unclear: list[TfInstance] = []
    for setting in index.of_type(SETTING):
        kind = shape(setting)
        if kind == "subscription":
            key = subscription_key(index, setting) or setting.address
            groups.setdefault(key, []).append(setting)
        elif kind is None and _may_be_subscription(index, setting):
            unclear.append(setting)
    if not groups:
        return [_undecided(setting) for setting in unclear]
    return [_subscription(key, members, groups, unclear) for key, members in groups.items()]


def _may_be_subscription(index: Index, setting: TfInstance) -> bool:
    """A target that cannot be told may be a subscription, unless it was computed only from
    resources that are not subscriptions (their own ids)."""
    refs = [index.get(r) for r in setting.refs.get("target_resource_id", ())]
    if refs and all(r is not None and r.type not in SUBSCRIPTION_TYPES for r in refs):
        return False
    return setting.attrs.get("target_resource_id") is not None


def _setting(setting: TfInstance) -> dict[str, Any]:
    return {"name": setting.attrs.get("name"), "logs": diagnostic_logs(setting.attrs)}


def _known_id(key: str) -> bool:
    """A key that is a literal subscription id (not a data source or an expression)."""
    return "." not in key and "$" not in key and _LITERAL not in key


def _subscription(key: str, members: list[TfInstance], groups: dict[str, list[TfInstance]],
                  unclear: list[TfInstance]) -> Resource:
    first = members[0]
    facts = Facts(first)
    items: list[Any] = [_setting(s) for s in members]
    for other, settings in groups.items():
        if other != key and not (_known_id(other) and _known_id(key)):
            items += [unseen(f"{declared(s)} may export this subscription's activity log (it targets "
                             f"{other}, which may be the same subscription)") for s in settings]
    items += [unseen(f"{declared(s)} may export this subscription's activity log (its target is not known)")
              for s in unclear]
    facts.put("settings", items, "target_resource_id", "enabled_log", "log", sources=[*members[1:], *unclear])
    return facts.resource(KIND, name=f"activity log of subscription {key}")


def _undecided(setting: TfInstance) -> Resource:
    facts = Facts(setting)
    why = Unknown(f"whether {setting.address} exports a subscription's activity log is not known "
                  "(its target_resource_id cannot be told)")
    facts.put("settings", [why], "target_resource_id")
    return facts.resource(KIND, name=f"activity log export {setting.address}")
