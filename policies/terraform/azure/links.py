"""Which azurerm sub-resources configure a resource: by reference, by ARM id, or by name and group.

An azurerm sub-resource names what it configures in one of two ways:

* by ARM id (``storage_account_id``, ``network_security_group_id``,
  ``storage_container_resource_manager_id``): usually ``azurerm_x.y.id`` (a reference, known only
  after apply), sometimes a literal ``/subscriptions/.../resourceGroups/rg/providers/...`` id;
* by name and resource group (azurerm v2 style ``storage_account_name`` + ``resource_group_name``,
  ``network_security_group_name`` + ``resource_group_name``).

Each link is *certain* (computed from this very resource, or naming it literally), *possible* (the
value cannot be known and nothing ties it elsewhere: it may configure this resource), or absent.
A sub-resource whose own ``count``/``for_each`` is unknown may not exist: at most possible.
Storage account names are unique in all of Azure, so a literal name alone is certain; network
security group names are unique only within a resource group, so the group must agree too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from policies.terraform.index import Index, Linked
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

_ARM_ID = re.compile(r"/subscriptions/[^/]+/resourcegroups/(?P<group>[^/]+)/providers/(?P<rest>[^?#]+?)/*",
                     re.IGNORECASE)
#: a value that is exactly one resource's attribute: ``azurerm_key_vault.kv.id``, ``data.x.y["k"].name``
_ATTRIBUTE = re.compile(r"(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*(?P<address>(?:data\.)?[a-z0-9_]+\.[\w-]+"
                        r"(?:\[[^\]]*\])?)\.(?P<attribute>[a-z_]+)")


class Link(Enum):
    CERTAIN = "certain"
    POSSIBLE = "possible"


#: ARM path of a resource: (type, name) pairs after ``providers/``, e.g.
#: ``(("Microsoft.Storage/storageAccounts", "pacs"), ("blobServices", "default"))``
ArmPath = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Target:
    """A resource that sub-resources may configure."""

    instance: TfInstance
    path: ArmPath  # its ARM path, names as evaluated (Unknown where not known)
    unique_names: bool = False  # a literal name alone identifies it (storage accounts)

    @property
    def address(self) -> str:
        return self.instance.address

    @property
    def name(self) -> Any:
        return self.path[-1][1]

    @property
    def group(self) -> Any:
        return self.instance.attrs.get("resource_group_name")


def arm_path(value: str) -> tuple[str, ArmPath] | None:
    """(resource group, ARM path) of a literal ARM resource id, or None if it is not one."""
    match = _ARM_ID.fullmatch(value.strip())
    if match is None:
        return None
    parts = match.group("rest").split("/")
    if len(parts) < 3 or len(parts) % 2 == 0:
        return None
    pairs = [(f"{parts[0]}/{parts[1]}", parts[2])]
    pairs += [(parts[i], parts[i + 1]) for i in range(3, len(parts), 2)]
    return match.group("group"), tuple(pairs)


def attribute_of(symbol: str | None) -> tuple[str, str] | None:
    """(address, attribute) when a value is exactly one resource's attribute (its symbol)."""
    if not symbol:
        return None
    match = _ATTRIBUTE.fullmatch(symbol.strip())
    return (match.group("address"), match.group("attribute")) if match else None


def _same(have: Any, want: Any) -> bool | None:
    """Case-insensitive name equality (Azure names are); None when either is not known."""
    if not isinstance(have, str) or not isinstance(want, str):
        return None
    return have.lower() == want.lower()


def match_path(target: Target, group: Any, path: ArmPath) -> Link | None:
    """How a literal ARM id (its group and path) names ``target``."""
    if len(path) != len(target.path):
        return None
    unknown = False
    for (have_type, have_name), (want_type, want_name) in zip(path, target.path, strict=True):
        if have_type.lower() != want_type.lower():
            return None
        same = _same(have_name, want_name)
        if same is False:
            return None
        unknown = unknown or same is None
    same_group = _same(group, target.group)
    if same_group is False:
        return None
    if unknown or (same_group is None and not target.unique_names):
        return Link.POSSIBLE
    return Link.CERTAIN


def _existing(child: TfInstance, link: Link | None) -> Link | None:
    """A child whose count/for_each is unknown may not exist: it may configure, never certainly."""
    if link is Link.CERTAIN and child.exists is not None:
        return Link.POSSIBLE
    return link


def _by_refs(index: Index, target: Target, child: TfInstance, via: str) -> Link | bool | None:
    """From the references of ``child.<via>``: a Link, False (it names another resource of the
    target's type), or None (the references do not tell)."""
    links = index.link(child, via, target.instance.type)
    if target.address in links.certain:
        return Link.CERTAIN
    if links.certain:
        return False
    if target.address in links.possible:
        return Link.POSSIBLE
    if links.possible:
        return False
    return None


def _data_sources(index: Index, target: Target, child: TfInstance, via: str) -> list[TfInstance]:
    """Data sources of the target's type that ``child.<via>`` was computed from."""
    found = [index.get(ref) for ref in child.refs.get(via, ())]
    return [i for i in found if i is not None and i.mode == "data" and i.type == target.instance.type]


def _unknown_value(index: Index, target: Target, child: TfInstance, via: str, value: Unknown,
                   attribute: str) -> Link | None:
    """An unknown id or name: a data source of the target's type is compared by its arguments; a
    plain attribute of some other resource names that resource, not ours; else it may be ours."""
    sources = _data_sources(index, target, child, via)
    if sources:
        found = [match_path(target, s.attrs.get("resource_group_name"), (*target.path[:-1], (
            target.path[-1][0], s.attrs.get("name")))) for s in sources]
        if Link.CERTAIN in found:
            return Link.CERTAIN
        return Link.POSSIBLE if Link.POSSIBLE in found else None
    plain = attribute_of(value.symbol)
    if plain is not None and plain[1] == attribute:
        other = index.get(plain[0])
        if other is not None and other.type != target.instance.type:
            return None
    return Link.POSSIBLE


def by_id(index: Index, target: Target, child: TfInstance, via: str) -> Link | None:
    """How ``child.<via>``, an ARM id, names ``target``."""
    value = child.attrs.get(via)
    if value is None or value == "":
        return None
    refs = _by_refs(index, target, child, via)
    if refs is False:
        return None
    if isinstance(refs, Link):
        return _existing(child, refs)
    if isinstance(value, str):
        parsed = arm_path(value)
        return _existing(child, match_path(target, *parsed) if parsed else None)
    if isinstance(value, Unknown):
        return _existing(child, _unknown_value(index, target, child, via, value, "id"))
    return None


def _group_agrees(index: Index, target: Target, child: TfInstance, group_via: str) -> bool | None:
    """Do the child's and the target's resource groups agree: True, False, or None (not known)."""
    same = _same(child.attrs.get(group_via), target.group)
    if same is not None:
        return same
    child_refs = set(child.refs.get(group_via, ()))
    if target.address in child_refs:
        return True
    target_refs = set(target.instance.refs.get("resource_group_name", ()))
    return True if child_refs and child_refs == target_refs else None


def by_name(index: Index, target: Target, child: TfInstance, name_via: str, group_via: str | None) -> Link | None:
    """How ``child.<name_via>`` (+ ``<group_via>``) names ``target``."""
    value = child.attrs.get(name_via)
    if value is None or value == "":
        return None
    group = _group_agrees(index, target, child, group_via) if group_via else None
    if group is False:
        return None
    refs = _by_refs(index, target, child, name_via)
    if refs is False:
        return None
    if isinstance(refs, Link):
        return _existing(child, refs)
    if isinstance(value, str):
        same = _same(value, target.name)
        if same is False:
            return None
        certain = same is True and (target.unique_names or group is True)
        return _existing(child, Link.CERTAIN if certain else Link.POSSIBLE)
    if isinstance(value, Unknown):
        return _existing(child, _unknown_value(index, target, child, name_via, value, "name"))
    return None


def linked(index: Index, types: Sequence[str], judge: Callable[[TfInstance], Link | None]) -> Linked:
    """The instances of ``types`` that configure a target, as ``judge`` decides for each."""
    certain: list[TfInstance] = []
    possible: list[TfInstance] = []
    for child in index.of_type(*types):
        link = judge(child)
        if link is Link.CERTAIN:
            certain.append(child)
        elif link is Link.POSSIBLE:
            possible.append(child)
    return Linked(tuple(certain), tuple(possible))


def by_any(index: Index, target: Target, child: TfInstance, ids: Iterable[str] = (),
           names: Iterable[tuple[str, str | None]] = ()) -> Link | None:
    """The strongest link through any of the id arguments or (name, group) argument pairs (a
    resource that may name its target either way, as azurerm v2 and v3 did)."""
    found = [by_id(index, target, child, via) for via in ids]
    found += [by_name(index, target, child, name, group) for name, group in names]
    if Link.CERTAIN in found:
        return Link.CERTAIN
    return Link.POSSIBLE if Link.POSSIBLE in found else None
