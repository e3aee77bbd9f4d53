"""Where a ``google_healthcare_dicom_store`` sends what it holds, and whether the configuration shows
that destination public or encrypted with a customer-managed key: the ``exports`` fact.

* ``notification_config`` (and ``notification_configs``) ``pubsub_topic``: a Pub/Sub topic that
  receives the name of every new DICOM instance. The topic is the ``google_pubsub_topic`` the value
  was computed from (``google_pubsub_topic.t.id``), or the one whose name (and project, where both
  are known) the literal ``projects/P/topics/T`` names. Customer-managed key: its ``kms_key_name``.
  Public: a ``google_pubsub_topic_iam_member`` / ``_binding`` / ``_policy`` granting ``allUsers``
  or ``allAuthenticatedUsers``.
* ``stream_configs`` ``bigquery_destination.table_uri`` (``bq://PROJECT.DATASET.TABLE``): every new
  instance's metadata streamed to a BigQuery table. The dataset and table are the
  ``google_bigquery_dataset`` / ``google_bigquery_table`` the value was computed from, or the ones
  whose ``dataset_id`` / ``table_id`` the literal names. Customer-managed key: the table's
  ``encryption_configuration.kms_key_name``, else the dataset's
  ``default_encryption_configuration.kms_key_name`` (a table the service creates takes the
  dataset's default). Public: an ``access`` block of the dataset, a ``google_bigquery_dataset_access``,
  or a dataset / table IAM grant naming ``allUsers`` / ``allAuthenticatedUsers`` (as a member,
  ``iam_member`` or the ``allAuthenticatedUsers`` special group).

A destination the configuration does not declare (a literal naming something outside it), or that
cannot be told (a value known only after apply computed from several candidates) has ``public`` and
``customer_managed_key`` unknown: never a pass, never a fail. An unseen block (``dynamic`` over an
unknown collection) is an unknown item.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, block, blocks
from policies.terraform.gcp.bucket_iam import PUBLIC, resource_iam
from policies.terraform.gcp.common import identifier, located
from policies.terraform.index import Index
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

TOPIC = "google_pubsub_topic"
TOPIC_IAM = ("google_pubsub_topic_iam_member", "google_pubsub_topic_iam_binding", "google_pubsub_topic_iam_policy")
BQ_DATASET = "google_bigquery_dataset"
BQ_TABLE = "google_bigquery_table"
BQ_DATASET_IAM = ("google_bigquery_dataset_iam_member", "google_bigquery_dataset_iam_binding",
                  "google_bigquery_dataset_iam_policy")
BQ_TABLE_IAM = ("google_bigquery_table_iam_member", "google_bigquery_table_iam_binding",
                "google_bigquery_table_iam_policy")
BQ_ACCESS = "google_bigquery_dataset_access"
_KEYS = ("google_kms_crypto_key",)
_TOPIC = re.compile(r"projects/(?P<project>[^/]+)/topics/(?P<name>[^/]+)")
_TABLE = re.compile(r"bq://(?P<project>[^.]+)\.(?P<dataset>[^.]+)\.(?P<table>[^.]+)")
_SYMBOL = re.compile(r"(?P<address>(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*[a-z0-9_]+\.[\w-]+(?:\[[^\]]*\])?)\.[a-z_]+")


def store_exports(index: Index, store: TfInstance) -> tuple[list[Any], list[TfInstance]]:
    """(the ``exports`` items, the declarations they were read from)."""
    items: list[Any] = []
    sources: list[TfInstance] = []
    for argument in ("notification_config", "notification_configs"):
        for config in blocks(store.attrs, argument):
            if isinstance(config, Unknown):
                items.append(Unknown(f"{argument}: {config.reason}", config.origin, config.error, spread=True))
                continue
            topic = config.get("pubsub_topic")
            if topic is None or topic == "":
                continue
            item, found = _topic(index, store, argument, topic)
            items.append(item)
            sources += found
    for config in blocks(store.attrs, "stream_configs"):
        if isinstance(config, Unknown):
            items.append(Unknown(f"stream_configs: {config.reason}", config.origin, config.error, spread=True))
            continue
        destination = block(config, "bigquery_destination")
        if destination is None:
            continue
        if isinstance(destination, Unknown):
            items.append(Unknown(f"bigquery_destination: {destination.reason}", destination.origin, spread=True))
            continue
        item, found = _bigquery(index, store, destination.get("table_uri"))
        items.append(item)
        sources += found
    return items, unique(sources)


def unique(instances: list[TfInstance]) -> list[TfInstance]:
    """Instances once each (by address), in order."""
    seen: dict[str, TfInstance] = {}
    for instance in instances:
        seen.setdefault(instance.address, instance)
    return list(seen.values())


def _shown(raw: Any) -> Any:
    if isinstance(raw, str):
        return raw
    return raw.symbol if isinstance(raw, Unknown) and raw.symbol else None


def _unread(kind: str, raw: Any, why: str) -> dict[str, Any]:
    unseen = Unknown(why)
    return {"type": kind, "destination": _shown(raw), "public": unseen, "customer_managed_key": unseen}


def _referenced(index: Index, store: TfInstance, argument: str, raw: Any, kind: str) -> list[TfInstance]:
    """The instances of ``kind`` a value was computed from: the one its symbol names, else every
    reference of the store's argument of that kind."""
    if isinstance(raw, Unknown) and raw.symbol:
        named = [index.get(m.group("address")) for m in _SYMBOL.finditer(raw.symbol)]
        found = [n for n in named if n is not None and n.type == kind]
        if found:
            return unique(found)
    return index.referenced(store, argument, kind)


def _project_agrees(instance: TfInstance, project: str | None) -> bool | None:
    have = instance.attrs.get("project")
    if isinstance(have, str) and project is not None:
        return have == project
    return None


def _by_literal(index: Index, kind: str, checks: Mapping[str, str],
                project: str | None) -> tuple[list[TfInstance], bool]:
    """Instances of ``kind`` whose arguments equal ``checks``: (matches, whether some may match)."""
    certain: list[TfInstance] = []
    maybe = False
    for instance in index.of_type(kind):
        values = [instance.attrs.get(k) for k in checks]
        if any(isinstance(v, str) and v != want for v, want in zip(values, checks.values(), strict=True)):
            continue
        same_project = _project_agrees(instance, project)
        if same_project is False:
            continue
        if all(isinstance(v, str) for v in values) and same_project is True and instance.exists is None:
            certain.append(instance)
        else:
            maybe = True
    return certain, maybe


def _topic(index: Index, store: TfInstance, argument: str, raw: Any) -> tuple[dict[str, Any], list[TfInstance]]:
    found = _referenced(index, store, argument, raw, TOPIC)
    if not found and isinstance(raw, str):
        match = _TOPIC.fullmatch(raw.strip())
        if match is None:
            return _unread("pubsub", raw, f"pubsub_topic is not a topic name: {raw!r}"), []
        found, maybe = _by_literal(index, TOPIC, {"name": match.group("name")}, match.group("project"))
        if not found:
            why = "may be" if maybe else "is not"
            return _unread("pubsub", raw, f"the topic {why} declared in this configuration: its access and key "
                                          "cannot be seen"), []
    if len(found) != 1:
        why = raw.reason if isinstance(raw, Unknown) and not found else (
            "it may be any of " + ", ".join(located(f) for f in found))
        return _unread("pubsub", raw, f"which topic the notifications go to is not known: {why}"), []
    topic = found[0]
    name = topic.attrs.get("name")
    project = topic.attrs.get("project")
    identities = _identities(index, TOPIC_IAM, "topic", name, project, "topics")
    iam, grants = resource_iam(index, topic, TOPIC_IAM, "topic", identities, "topic")
    key = _key(index, topic, "kms_key_name", topic.attrs.get("kms_key_name"))
    return {"type": "pubsub", "destination": _shown(raw) or topic.address, "public": _public(iam["members"]),
            "customer_managed_key": _unless_maybe(topic, key)}, [topic, *grants]


def _bigquery(index: Index, store: TfInstance, raw: Any) -> tuple[dict[str, Any], list[TfInstance]]:
    if raw is None or raw == "":
        return _unread("bigquery", raw, "bigquery_destination names no table"), []
    tables = _referenced(index, store, "stream_configs", raw, BQ_TABLE)
    datasets = _referenced(index, store, "stream_configs", raw, BQ_DATASET)
    maybe = False
    if isinstance(raw, str):
        match = _TABLE.fullmatch(raw.strip())
        if match is None:
            return _unread("bigquery", raw, f"table_uri is not bq://PROJECT.DATASET.TABLE: {raw!r}"), []
        project = match.group("project")
        if not datasets:
            datasets, maybe = _by_literal(index, BQ_DATASET, {"dataset_id": match.group("dataset")}, project)
        if not tables:
            tables, _ = _by_literal(index, BQ_TABLE, {"dataset_id": match.group("dataset"),
                                                      "table_id": match.group("table")}, project)
    if len(tables) == 1 and not datasets:
        datasets = index.referenced(tables[0], "dataset_id", BQ_DATASET)
        named, project = tables[0].attrs.get("dataset_id"), tables[0].attrs.get("project")
        if not datasets and isinstance(named, str):
            datasets, maybe = _by_literal(index, BQ_DATASET, {"dataset_id": named},
                                          project if isinstance(project, str) else None)
    if len(datasets) != 1 or len(tables) > 1:
        if not datasets and not maybe and not isinstance(raw, Unknown):
            why = "the BigQuery dataset is not declared in this configuration: its access and key cannot be seen"
        elif isinstance(raw, Unknown) and not datasets:
            why = f"which BigQuery dataset the store streams to is not known: {raw.reason}"
        else:
            why = "the BigQuery dataset the store streams to may be any of several (or one outside this configuration)"
        return _unread("bigquery", raw, why), []
    dataset = datasets[0]
    table = tables[0] if tables else None
    public, grants = _dataset_public(index, dataset, table)
    key = _dataset_key(index, dataset, table)
    return {"type": "bigquery", "destination": _shown(raw) or dataset.address, "public": public,
            "customer_managed_key": key}, [dataset, *([table] if table else []), *grants]


def _identities(index: Index, types: tuple[str, ...], via: str, name: Any, project: Any, collection: str) -> list[Any]:
    """What a grant may name a topic or BigQuery dataset by: its name, and ``projects/P/<collection>/NAME``.
    Where the project is not known, a literal of that form naming this name in some project may be
    it: an unknown identity then (the link is possible, never certain)."""
    if not isinstance(name, str):
        return [name]
    if isinstance(project, str):
        return [name, f"projects/{project}/{collection}/{name}"]
    literals = [v for i in index.of_type(*types) if isinstance(v := i.attrs.get(via), str)]
    if any(v.startswith("projects/") and v.endswith(f"/{collection}/{name}") for v in literals):
        return [name, Unknown("the project is not known")]
    return [name]


def _key(index: Index, instance: TfInstance, argument: str, raw: Any) -> Any:
    """A customer-managed key argument: set (a name, or a reference to a Cloud KMS key known only
    after apply) -> True; absent -> False; anything else unknown."""
    if raw is None or raw == "":
        return False
    found = identifier(index, instance, argument, raw, _KEYS)
    return found if isinstance(found, Unknown) else True


def _unless_maybe(instance: TfInstance, value: Any) -> Any:
    if instance.exists is not None and value is not True:
        return Unknown(f"{located(instance)} may not exist: {instance.exists.reason}")
    return value


def _dataset_key(index: Index, dataset: TfInstance, table: TfInstance | None) -> Any:
    if table is not None:
        own = block(table.attrs, "encryption_configuration")
        if isinstance(own, Unknown):
            return own
        if own is not None:
            key = _key(index, table, "encryption_configuration", own.get("kms_key_name"))
            if key is not False:
                return key
    default = block(dataset.attrs, "default_encryption_configuration")
    if isinstance(default, Unknown):
        return default
    key = False if default is None else _key(index, dataset, "default_encryption_configuration",
                                             default.get("kms_key_name"))
    return _unless_maybe(dataset, key)


def _dataset_public(index: Index, dataset: TfInstance, table: TfInstance | None) -> tuple[Any, list[TfInstance]]:
    members: list[Any] = []
    for entry in blocks(dataset.attrs, "access"):
        members += _access_members(entry)
    dataset_id = dataset.attrs.get("dataset_id")
    project = dataset.attrs.get("project")
    identities = _identities(index, (*BQ_DATASET_IAM, BQ_ACCESS), "dataset_id", dataset_id, project, "datasets")
    iam, grants = resource_iam(index, dataset, BQ_DATASET_IAM, "dataset_id", identities, "BigQuery dataset")
    members += iam["members"]
    linked = index.children(dataset, (BQ_ACCESS,), "dataset_id", identities)
    for access in linked.certain:
        members += _access_members(access.attrs) if access.exists is None else [
            Unknown(f"{located(access)} may exist: {access.exists.reason}", spread=True)]
    members += [Unknown(f"{located(a)} may grant access to this dataset: its dataset is not known", spread=True)
                for a in linked.possible if _access_members(a.attrs) != []]
    grants += list(linked.certain)
    if table is not None:
        table_id = table.attrs.get("table_id")
        table_iam, table_grants = resource_iam(index, table, BQ_TABLE_IAM, "table_id", [table_id], "BigQuery table")
        members += table_iam["members"]
        grants += table_grants
    return _public(members), grants


def _access_members(entry: Any) -> list[Any]:
    """The public-looking principals of one dataset ``access`` block (or ``google_bigquery_dataset_access``)."""
    if isinstance(entry, Unknown):
        return [Unknown(entry.reason, entry.origin, entry.error, spread=True)]
    out: list[Any] = []
    for argument in ("special_group", "iam_member", "user_by_email", "group_by_email", "domain"):
        value = arg(entry, argument)
        if isinstance(value, Unknown):
            out.append(Unknown(f"access {argument}: {value.reason}", value.origin, spread=True))
        elif isinstance(value, str) and value.strip().lower() in PUBLIC:
            out.append(value.strip())
    return out


def _public(members: list[Any]) -> Any:
    """True when a known member is public, unknown when a member cannot be seen, else False."""
    if any(isinstance(m, str) and m.strip().lower() in PUBLIC for m in members):
        return True
    unseen = [m for m in members if isinstance(m, Unknown)]
    if unseen:
        return Unknown(f"a grant on the destination cannot be seen: {unseen[0].reason}", unseen[0].origin,
                       unseen[0].error)
    return False
