"""Who outside the account may act on a HealthImaging data store: the ``external_access`` fact.

HealthImaging has no resource-based policy: the way in from outside the account is a role of the
account that outsiders may assume and whose permission policies allow HealthImaging actions on the
data store. This module reads the grants, the same way for Terraform documents (which may hold
unknown parts) and the live account's:

**Grants** (:func:`store_grants`): the HealthImaging actions (``medical-imaging:*``, its known
actions by name, or any other name a policy spells out) that some ``Allow`` statement grants on the
data store or on some image set in it (``Resource`` patterns: :mod:`~scanner.healthimaging.arns`;
``NotResource`` grants unless it leaves out the data store and all its image sets), minus those a
``Deny`` without condition refuses on the data store and all its image sets. Conditions on an
``Allow`` narrow it but it still grants (the control is about who may get in at all).
Permissions boundaries and organisation SCPs can only narrow a grant and are not read.

Who may use the role is :mod:`scanner.healthimaging.trust`'s question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.facts.logic import Truth, all_of, any_of, negate
from scanner.facts.values import Unknown
from scanner.healthimaging.arns import DataStore, covers, covers_everything, pattern
from scanner.iam_privilege import as_items, matches
from scanner.policydoc import effect_is, statements

#: HealthImaging actions that act on a data store or its image sets (ListDatastores and
#: CreateDatastore act on none); an Action naming another medical-imaging action counts too
DATASTORE_ACTIONS = (
    "CopyImageSet", "DeleteDatastore", "DeleteImageSet", "GetDatastore", "GetDICOMBulkdata", "GetDICOMImportJob",
    "GetDICOMInstance", "GetDICOMInstanceFrames", "GetDICOMInstanceMetadata", "GetDICOMSeriesMetadata",
    "GetDICOMStudyMetadata", "GetImageFrame", "GetImageSet", "GetImageSetMetadata", "ListDICOMImportJobs",
    "ListImageSetVersions", "ListTagsForResource", "SearchDICOMInstances", "SearchDICOMSeries",
    "SearchDICOMStudies", "SearchImageSets", "StartDICOMImportJob", "StoreDICOM", "StoreDICOMStudy", "TagResource",
    "UntagResource", "UpdateImageSetMetadata",
)
_NOT_ON_A_DATASTORE = frozenset({"listdatastores", "createdatastore"})
_SERVICE = "medical-imaging:"


# --- grants --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    actions: tuple[str, ...]  # granted for certain (``medical-imaging:*`` for all of them)
    grants: Truth  # some action is granted


def entries(value: Any) -> list[Any] | Unknown:
    """A policy element as a list of entries: an unknown value that names one thing by its symbol
    (``aws_iam_role.r.arn``, ``${...datastore_arn}/*``) is one entry; any other unknown stands for
    entries nobody could see."""
    if isinstance(value, Unknown) and value.symbol and not value.spread and not value.candidates:
        return [value]
    return as_items(value)


def covers_actions(statement: Mapping[str, Any], wanted: Sequence[str]) -> Truth:
    """Does the statement's Action (or NotAction) cover some of ``wanted``?"""
    return any_of(_action(statement, a) for a in wanted)


def _action(statement: Mapping[str, Any], action: str) -> Truth:
    if "NotAction" in statement:
        excluded = as_items(statement["NotAction"])
        if isinstance(excluded, Unknown):
            return excluded
        return negate(any_of(_matches(p, action) for p in excluded))
    listed = as_items(statement.get("Action"))
    if isinstance(listed, Unknown):
        return listed
    return any_of(_matches(p, action) for p in listed)


def _matches(entry: Any, action: str) -> Truth:
    if isinstance(entry, Unknown):
        return Unknown(f"action not known: {entry.reason}", entry.origin, entry.error)
    return matches(str(entry), action)


def _named(documents: Iterable[Any]) -> list[str]:
    """medical-imaging actions the documents name that are not in :data:`DATASTORE_ACTIONS`."""
    known = {a.lower() for a in DATASTORE_ACTIONS} | _NOT_ON_A_DATASTORE
    out: list[str] = []
    for document in documents:
        found = statements(document)
        for statement in found if isinstance(found, list) else []:
            listed = as_items(statement.get("Action")) if isinstance(statement, Mapping) else []
            for entry in listed if isinstance(listed, list) else []:
                text = str(entry) if isinstance(entry, str) else ""
                name = text.split(":", 1)[1] if text.lower().startswith(_SERVICE) else ""
                if name and not {"*", "?"} & set(name) and name.lower() not in known and name not in out:
                    out.append(name)
    return out


def store_grants(documents: Sequence[Any], store: DataStore, types: Mapping[str, str] | None = None) -> Grant:
    """Which HealthImaging actions the documents (policies of one role, or one statement's
    document) grant on the data store (see the module docstring)."""
    actions = [*DATASTORE_ACTIONS, *_named(documents)]
    allows: dict[str, list[Truth]] = {a: [] for a in actions}
    denies: dict[str, list[Truth]] = {a: [] for a in actions}
    for document in documents:
        found = statements(document)
        listed: list[Any] = [found] if isinstance(found, Unknown) else found
        for statement in listed:
            if isinstance(statement, Unknown) or not isinstance(statement, Mapping):
                why = statement if isinstance(statement, Unknown) else Unknown("a statement is not an object")
                for action in actions:
                    allows[action].append(why)
                continue
            allow = effect_is(statement, "allow")
            if allow is not False:
                where = _resources(statement, store, types, everything=False)
                for action in actions:
                    allows[action].append(all_of([allow, _action(statement, _SERVICE + action), where]))
            deny = all_of([effect_is(statement, "deny"), "Condition" not in statement])
            if deny is not False:
                where = _resources(statement, store, types, everything=True)
                for action in actions:
                    denies[action].append(all_of([deny, _action(statement, _SERVICE + action), where]))
    granted = {a: all_of([any_of(allows[a]), negate(any_of(denies[a]))]) for a in actions}
    certain = tuple(_SERVICE + a for a in actions if granted[a] is True)
    if len(certain) >= len(DATASTORE_ACTIONS) and all(granted[a] is True for a in DATASTORE_ACTIONS):
        certain = (_SERVICE + "*",)  # every action (shown as the wildcard)
    return Grant(certain, any_of(granted.values()))


def _resources(statement: Mapping[str, Any], store: DataStore, types: Mapping[str, str] | None,
               everything: bool) -> Truth:
    """Allow (``everything`` False): does Resource cover the data store or some image set in it?
    Deny (True): the data store and all its image sets? NotResource: the opposite of what it
    leaves out (an Allow still grants unless it leaves out everything)."""
    named = dict(types or {})
    if "NotResource" in statement:
        excluded = entries(statement["NotResource"])
        if isinstance(excluded, Unknown):
            return excluded
        left_out = [pattern(e, store, named) for e in excluded]
        if everything:
            return negate(any_of(covers(t, store) for t in left_out))
        return negate(any_of(covers_everything(t, store) for t in left_out))
    listed = entries(statement.get("Resource"))
    if isinstance(listed, Unknown):
        return listed
    if everything:
        return any_of(covers_everything(pattern(e, store, named), store) for e in listed)
    return any_of(covers(pattern(e, store, named), store) for e in listed)
