"""Cloud KMS keys and audit-log configuration -> the facts the live collector reads
(``scanner/collectors/gcp/kms.py``, ``iam.py``).

* ``google_kms_crypto_key`` -> ``gcp.kms.crypto_key``: ``rotation_period`` (``"7776000s"``) in
  whole seconds, null when unset (the key never rotates); a value that is not a duration in seconds
  is unknown. ``purpose`` defaults to ``ENCRYPT_DECRYPT``, ``version_template.protection_level`` to
  ``SOFTWARE``. Labels are its tags.
* ``google_project_iam_audit_config`` (and the folder and organization variants) ->
  ``gcp.project.audit_config``: one resource per project (folder, organization), as live, with the
  ``audit_configs`` of every such resource of that project: GCP applies their union, so
  ``allServices`` may carry DATA_READ and ``storage.googleapis.com`` DATA_WRITE. Its address is
  the first of them. Audit configs not in this configuration are unseen: when none of a project's
  declared configs covers Cloud Storage (``storage.googleapis.com`` or ``allServices``), when the
  configuration sets folder or organization configs the project may inherit, or when a config's
  own project or existence is not known, the project's list holds an unknown element (the rule
  cannot fail on what it cannot see, nor pass). Two configs of the same service for one project
  replace each other (each is authoritative for its service): both are unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from policies.terraform.attrs import blocks, resource
from policies.terraform.gcp.common import located, made, value
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

_DURATION = re.compile(r"\s*(\d+)(?:\.\d+)?s\s*")
_STORAGE_SERVICES = frozenset({"storage.googleapis.com", "allServices"})
#: audit config type -> (the argument naming its scope, what the scope is)
_SCOPES = {"google_project_iam_audit_config": ("project", "project"),
           "google_folder_iam_audit_config": ("folder", "folder"),
           "google_organization_iam_audit_config": ("org_id", "organization")}


def crypto_keys(index: Index) -> Iterator[Resource]:
    for instance in index.of_type("google_kms_crypto_key"):
        template = instance.attrs.get("version_template")
        level: Any = "SOFTWARE"
        if isinstance(template, list) and template and isinstance(template[0], dict):
            level = template[0].get("protection_level") or "SOFTWARE"
        elif isinstance(template, Unknown):
            level = template
        facts = {
            "rotation_period_seconds": rotation_seconds(value(instance, "rotation_period")),
            "next_rotation_time": None,
            "purpose": value(instance, "purpose", "ENCRYPT_DECRYPT"),
            "protection_level": level,
            "primary_state": Unknown("the primary version's state is known only after apply"),
        }
        origins, traced = made(instance, {"rotation_period_seconds": ["rotation_period"], "purpose": ["purpose"],
                                          "protection_level": ["version_template"]})
        labels = instance.attrs.get("labels")
        yield resource("gcp.kms.crypto_key", instance, facts, name=instance.attrs.get("name"),
                       tags={} if labels is None else labels, origins=origins, traced=traced)


def rotation_seconds(raw: Any) -> Any:
    """``"7776000s"`` -> 7776000; None stays None (never rotates); anything else is unknown."""
    if raw is None or isinstance(raw, Unknown):
        return raw
    match = _DURATION.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        return Unknown(f"rotation_period is not a duration in seconds: {raw!r}")
    return int(match.group(1))


def audit_configs(index: Index) -> Iterator[Resource]:
    groups, unplaced, inherited = _audit_groups(index)
    for (what, scope), members in groups.items():
        yield _group(what, scope, members, _others(groups, unplaced, what, scope), inherited)


def _audit_groups(index: Index) -> tuple[dict[tuple[str, str], list[TfInstance]], list[TfInstance],
                                         list[TfInstance]]:
    """(scope -> its audit configs, configs whose scope is not known, folder/organization configs)."""
    groups: dict[tuple[str, str], list[TfInstance]] = {}
    unplaced: list[TfInstance] = []
    for instance in index.of_type(*_SCOPES):
        argument, what = _SCOPES[instance.type]
        scope = instance.attrs.get(argument)
        if isinstance(scope, Unknown):
            unplaced.append(instance)
        groups.setdefault((what, scope if isinstance(scope, str) else "" if scope is None else "?"), []).append(
            instance)
    inherited = [i for i in index.of_type(*_SCOPES) if i.type != "google_project_iam_audit_config"]
    return groups, unplaced, inherited


def _others(groups: dict[tuple[str, str], list[TfInstance]], unplaced: list[TfInstance], what: str,
            scope: str) -> list[TfInstance]:
    """Configs that may apply to this scope: scope not known, or the provider's where this one is named."""
    shared = [i for (w, s), m in groups.items() if w == what and s != scope and "" in (s, scope) for i in m]
    return list({id(i): i for i in [*unplaced, *shared]}.values())


def project_audit_items(index: Index, project: Any, services: frozenset[str],
                        service_name: str) -> tuple[list[Any], list[TfInstance]]:
    """The ``audit_configs`` items that apply to ``project`` (a project id, None for the provider's
    project, Unknown when not known), as :func:`audit_configs` gives them for that project, judged
    for ``services`` (one of them, or ``allServices``, must be configured in the configuration, else
    an unknown item stands for a config set outside it); and the configs certainly applying."""
    groups, unplaced, inherited = _audit_groups(index)
    if isinstance(project, Unknown):
        every = index.of_type("google_project_iam_audit_config")
        items: list[Any] = [Unknown(f"{located(i)} may apply to this project: the project is not known ("
                                    f"{project.reason})", spread=True) for i in every]
        items.append(Unknown(f"the project is not known ({project.reason}): its audit configs cannot be told",
                             spread=True))
        return items, []
    scope = project if isinstance(project, str) else ""
    members = groups.get(("project", scope), [])
    others = _others(groups, unplaced, "project", scope)
    return _items("project", members, others, inherited, services, service_name), members


def _group(what: str, scope: str, members: list[TfInstance], unplaced: list[TfInstance],
           inherited: list[TfInstance]) -> Resource:
    first = members[0]
    items = _items(what, members, unplaced, inherited, _STORAGE_SERVICES, "Cloud Storage")
    origins = {"audit_configs": ", ".join(located(i) for i in members)}
    _, traced = made(first, {"audit_configs": ["service", "audit_log_config"]})
    name = scope if scope not in ("", "?") else (f"{what} of the provider" if scope == "" else f"{what} not known")
    return resource("gcp.project.audit_config", first, {"audit_configs": items}, name=name,
                    configured_by=members[1:], origins=origins, traced=traced)


def _items(what: str, members: list[TfInstance], unplaced: list[TfInstance], inherited: list[TfInstance],
           services: frozenset[str], service_name: str) -> list[Any]:
    items: list[Any] = []
    services_of = [i.attrs.get("service") for i in members]
    for instance, service in zip(members, services_of, strict=True):
        twice = [m for m, s in zip(members, services_of, strict=True) if m is not instance and isinstance(s, str)
                 and s == service]
        if twice:
            items.append(Unknown(f"{located(instance)} and {located(twice[0])} both configure {service} for this "
                                 f"{what}: each replaces the other's, which one holds is not known", spread=True))
        elif instance.exists is None and not isinstance(instance.attrs.get(_SCOPES[instance.type][0]), Unknown):
            items.append(config_item(instance))
        else:
            why = instance.exists.reason if instance.exists is not None else f"its {what} is not known"
            items.append(Unknown(f"{located(instance)} may apply here: {why}", spread=True))
    covered = any(isinstance(i, dict) and i.get("service") in services for i in items)
    if not covered:
        items.append(Unknown(f"no audit config of this {what} in the configuration covers {service_name}: "
                             f"one set outside it cannot be seen", spread=True))
    for other in unplaced:
        if all(other is not m for m in members):
            items.append(Unknown(f"{located(other)} may apply to this {what}: its {_SCOPES[other.type][1]} "
                                 f"is not known (or is the provider's)", spread=True))
    if what == "project" and inherited:
        items.append(Unknown(f"the configuration sets folder or organization audit configs this project may "
                             f"inherit: {', '.join(located(i) for i in inherited)}", spread=True))
    return items


def config_item(instance: TfInstance) -> Any:
    """``{service, log_types, exempted_members}`` of one audit config resource."""
    service = instance.attrs.get("service")
    types: list[Any] = []
    exempted: list[Any] = []
    for entry in blocks(instance.attrs, "audit_log_config"):
        if isinstance(entry, Unknown):
            types.append(entry)
            continue
        types.append(entry.get("log_type"))
        members = entry.get("exempted_members")
        if isinstance(members, list):
            exempted += members
        elif members is not None:
            exempted.append(members)
    known = sorted({t for t in types if isinstance(t, str)})
    return {"service": service, "log_types": known + [t for t in types if not isinstance(t, str)],
            "exempted_members": exempted}
