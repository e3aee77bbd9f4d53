"""``azurerm_monitor_diagnostic_setting``: what it targets and which logs it exports.

Its ``target_resource_id`` decides what it logs: ``<account id>/blobServices/default`` is the blob
service of a storage account (AUD-ACCESS), ``/subscriptions/<id>`` (or ``data.azurerm_subscription.x.id``)
the subscription activity log (AUD-TRAIL), anything else another resource. The target is read from
the literal id, or from the expression the evaluator kept for a value known only after apply
(its symbol, e.g. ``${azurerm_storage_account.pacs.id}/blobServices/default``), with the
resources the value was computed from. A target that cannot be told (a plan's value known only
after apply, a variable with no value) may be any of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, blocks
from policies.terraform.azure.links import Link, Target, arm_path, attribute_of, match_path
from policies.terraform.index import Index
from scanner.facts.types import to_bool
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

#: the ARM path below an account of its blob service
BLOB_SERVICE = (("blobServices", "default"),)
_BLOB_SUFFIX = re.compile(r"/blobservices/default/*$", re.IGNORECASE)
_SUBSCRIPTION = re.compile(r"/subscriptions/(?P<id>[^/]+)/*", re.IGNORECASE)
_SUBSCRIPTION_SYMBOL = re.compile(r"/subscriptions/\$\{[^}]+\}/*|(?:data\.)?azurerm_subscription\.[\w-]+"
                                  r"(?:\[[^\]]*\])?\.id", re.IGNORECASE)
SUBSCRIPTION_TYPES = ("azurerm_subscription",)


def shape(setting: TfInstance) -> str | None:
    """What the target is, as far as its text tells: ``blob`` (a blob service), ``subscription``,
    ``resource`` (some resource's own id), or None (it cannot be told)."""
    value = setting.attrs.get("target_resource_id")
    written = value if isinstance(value, str) else value.symbol if isinstance(value, Unknown) else None
    if not written:
        return None
    if _BLOB_SUFFIX.search(written):
        return "blob"
    if _SUBSCRIPTION.fullmatch(written.strip()) or _SUBSCRIPTION_SYMBOL.fullmatch(written.strip()):
        return "subscription"
    plain = attribute_of(written)
    if isinstance(value, str) or (plain is not None and plain[1] == "id"):
        return "resource"
    return None


def targets(index: Index, setting: TfInstance, account: Target, below: tuple[tuple[str, str], ...]) -> Link | None:
    """Does ``setting`` log ``account``'s sub-resource at ``below`` (its blob service)?"""
    value = setting.attrs.get("target_resource_id")
    if value is None:
        return None
    kind = shape(setting)
    if isinstance(value, str):
        parsed = arm_path(value)
        if parsed is None:
            return None
        service = Target(account.instance, (*account.path, *below), account.unique_names)
        return _existing(setting, match_path(service, *parsed))
    if kind in ("subscription", "resource"):
        return None
    links = index.link(setting, "target_resource_id", account.instance.type)
    if links.certain and account.address not in links.certain:
        return None  # the blob service (or the account) of another account of ours
    if kind == "blob" and account.address in links.certain:
        return _existing(setting, Link.CERTAIN)
    if kind == "blob":
        return _data_source(index, setting, account)
    # the target cannot be told: resources it was computed from of some other kind make it theirs
    refs = [index.get(r) for r in setting.refs.get("target_resource_id", ())]
    others = [r for r in refs if r is not None and r.type != account.instance.type]
    if others and len(others) == len(refs) and not links.possible:
        return None
    return Link.POSSIBLE


def _data_source(index: Index, setting: TfInstance, account: Target) -> Link | None:
    """A blob service of a ``data.azurerm_storage_account``: ours when it reads one of ours by name."""
    sources = [index.get(r) for r in setting.refs.get("target_resource_id", ())]
    found = [s for s in sources if s is not None and s.mode == "data" and s.type == account.instance.type]
    if not found:
        return Link.POSSIBLE
    links = [match_path(account, s.attrs.get("resource_group_name"), ((account.path[0][0], s.attrs.get("name")),))
             for s in found]
    if Link.CERTAIN in links:
        return _existing(setting, Link.CERTAIN)
    return Link.POSSIBLE if Link.POSSIBLE in links else None


def _existing(setting: TfInstance, link: Link | None) -> Link | None:
    return Link.POSSIBLE if link is Link.CERTAIN and setting.exists is not None else link


def subscription_key(index: Index, setting: TfInstance) -> str | None:
    """Which subscription a subscription-level setting exports: the lower-cased id when known,
    else the address of the subscription data source it reads (or the expression)."""
    value = setting.attrs.get("target_resource_id")
    if isinstance(value, str):
        match = _SUBSCRIPTION.fullmatch(value.strip())
        return match.group("id").lower() if match else None
    for ref in setting.refs.get("target_resource_id", ()):
        source = index.get(ref)
        if source is not None and source.type in SUBSCRIPTION_TYPES:
            given = source.attrs.get("subscription_id")
            return given.lower() if isinstance(given, str) and given else source.address
    return value.symbol if isinstance(value, Unknown) else None


def diagnostic_logs(attrs: Mapping[str, Any]) -> list[Any]:
    """The categories and category groups a setting exports: every ``enabled_log`` block (azurerm
    >= 3.39), and the legacy ``log`` blocks whose ``enabled`` is true (the default)."""
    out: list[Any] = []
    for entry in blocks(attrs, "enabled_log"):
        out += _names(entry)
    for entry in blocks(attrs, "log"):
        if not isinstance(entry, Mapping):
            out += _names(entry)
            continue
        enabled = to_bool(arg(entry, "enabled", True))
        if isinstance(enabled, Unknown):
            out += [Unknown(f"log {entry.get('category') or entry.get('category_group')}: enabled is unknown: "
                            f"{enabled.reason}", enabled.origin, spread=True)]
        elif enabled:
            out += _names(entry)
    return out


def _names(entry: Any) -> list[Any]:
    if isinstance(entry, Unknown):
        return [Unknown(entry.reason, entry.origin, entry.error, spread=True)]
    names = [v for v in (entry.get("category"), entry.get("category_group")) if v not in (None, "")]
    return names or [Unknown("a log block names no category")]
