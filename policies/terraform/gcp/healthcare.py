"""Cloud Healthcare API datasets and DICOM stores -> ``gcp.healthcare.dataset`` and
``gcp.healthcare.dicom_store``, as ``datasets.get`` / ``dicomStores.get`` / ``getIamPolicy`` and
the project's IAM policy give them live (``scanner/collectors/gcp/healthcare.py``).

* ``google_healthcare_dataset``: ``encryption_spec.kms_key_name`` is the customer-managed key of the
  dataset and every store in it (absent: the default Google-managed key; a reference to a
  ``google_kms_crypto_key`` is a key, known only after apply). Its IAM policy is every
  ``google_healthcare_dataset_iam_member`` / ``_binding`` / ``_policy`` naming it in
  ``dataset_id`` (a reference, or a literal ``projects/P/locations/L/datasets/D``, ``P/L/D`` or
  ``L/D``).
* ``google_healthcare_dicom_store``: its ``dataset`` links it to the dataset whose key encrypts
  it and whose grants apply to it (a dataset not declared here: the key is unknown; a link that
  cannot be told: the key is unknown and the candidates' public grants make its IAM unknown). Its
  IAM is its own ``google_healthcare_dicom_store_iam_*`` grants (``dicom_store_id``) and its
  dataset's. ``exports`` are its notification and streaming destinations (``exports.py``).
  ``audit_configs`` are the ``google_project_iam_audit_config`` of the dataset's project
  (``project``, or the provider's): none in the configuration covering the Healthcare API
  (``healthcare.googleapis.com`` or ``allServices``) is unknown, as are folder or organization
  configs the project may inherit (``platform.py``).

Labels are the tags (a plan's ``terraform_labels`` / ``effective_labels`` where given). The
dataset has no labels: its tags are empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import block, resource
from policies.terraform.gcp.bucket_iam import PUBLIC, resource_iam
from policies.terraform.gcp.common import identifier, labels, located, made, value
from policies.terraform.gcp.exports import store_exports, unique
from policies.terraform.gcp.platform import project_audit_items
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

DATASET = "google_healthcare_dataset"
STORE = "google_healthcare_dicom_store"
DATASET_IAM = ("google_healthcare_dataset_iam_member", "google_healthcare_dataset_iam_binding",
               "google_healthcare_dataset_iam_policy")
STORE_IAM = ("google_healthcare_dicom_store_iam_member", "google_healthcare_dicom_store_iam_binding",
             "google_healthcare_dicom_store_iam_policy")
HEALTHCARE_SERVICES = frozenset({"healthcare.googleapis.com", "allServices"})
_KEYS = ("google_kms_crypto_key",)


def dataset_identities(index: Index, instance: TfInstance) -> list[Any]:
    """The ids a grant or a store may name the dataset by. Where the project is the provider's (or
    not known), a literal id naming the dataset's location and name in some project may be it: an
    unknown identity then (the link is possible, never certain)."""
    name, location, project = (instance.attrs.get(k) for k in ("name", "location", "project"))
    if not (isinstance(name, str) and isinstance(location, str)):
        return [Unknown("the dataset's name or location is not known")]
    if isinstance(project, str):
        return [f"projects/{project}/locations/{location}/datasets/{name}", f"{project}/{location}/{name}"]
    out: list[Any] = [f"{location}/{name}"]
    if any(_names_dataset(v, location, name) for v in _literals(index)):
        out.append(Unknown("the dataset's project is the provider's (or not known)"))
    return out


def _literals(index: Index) -> list[str]:
    """Known ids the configuration's grants and stores name datasets and stores by."""
    out: list[str] = []
    for types, via in ((DATASET_IAM, "dataset_id"), ((STORE,), "dataset"), (STORE_IAM, "dicom_store_id")):
        out += [v for i in index.of_type(*types) if isinstance(v := i.attrs.get(via), str)]
    return out


def _names_dataset(literal: str, location: str, name: str) -> bool:
    """Does a literal id (of a dataset, or of a store in it) name this location and dataset name
    in a project given in it?"""
    parts = literal.strip().split("/")
    if len(parts) >= 6 and parts[0] == "projects":
        return parts[3] == location and parts[5] == name
    return len(parts) >= 3 and parts[1] == location and parts[2] == name


def datasets(index: Index) -> list[Resource]:
    return [_dataset(index, instance) for instance in index.of_type(DATASET)]


def _dataset_iam(index: Index, instance: TfInstance) -> tuple[dict[str, Any], list[TfInstance]]:
    return resource_iam(index, instance, DATASET_IAM, "dataset_id", dataset_identities(index, instance), "dataset")


def _key(index: Index, instance: TfInstance) -> Any:
    spec = block(instance.attrs, "encryption_spec")
    if spec is None or isinstance(spec, Unknown):
        return spec
    key = spec.get("kms_key_name")
    return None if key == "" else identifier(index, instance, "encryption_spec", key, _KEYS)


def _dataset(index: Index, instance: TfInstance) -> Resource:
    iam, grants = _dataset_iam(index, instance)
    facts = {"encryption": {"kms_key_name": _key(index, instance)}, "iam": iam,
             "location": value(instance, "location"), "project": value(instance, "project")}
    origins, traced = made(instance, {"encryption": ["encryption_spec"], "location": ["location"],
                                      "project": ["project"], "iam": ["member", "members", "policy_data"]})
    if grants:
        origins["iam"] = ", ".join(located(g) for g in grants)
    return resource("gcp.healthcare.dataset", instance, facts, name=instance.attrs.get("name"), tags={},
                    configured_by=grants, origins=origins, traced=traced)


def stores(index: Index) -> list[Resource]:
    found = index.of_type(STORE)
    if not found:
        return []
    parents = index.of_type(DATASET)
    owners: dict[str, list[tuple[TfInstance, bool]]] = {s.address: [] for s in found}
    identities = {p.address: dataset_identities(index, p) for p in parents}
    for address, linked in index.children_of(parents, (STORE,), "dataset", lambda p: identities[p.address]).items():
        parent = index.get(address)
        assert parent is not None
        for child in linked.certain:
            owners[child.address].append((parent, True))
        for child in linked.possible:
            owners[child.address].append((parent, False))
    return [_store(index, s, owners[s.address]) for s in found]


def _store_identities(index: Index, store: TfInstance, dataset: TfInstance | None) -> list[Any]:
    name, parent = store.attrs.get("name"), store.attrs.get("dataset")
    if not isinstance(name, str):
        return [Unknown("the DICOM store's name is not known")]
    out: list[Any] = []
    if isinstance(parent, str):
        out.append(f"{parent}/dicomStores/{name}")
        parts = parent.split("/")
        if len(parts) == 6 and parts[0] == "projects":
            out.append(f"{parts[1]}/{parts[3]}/{parts[5]}/{name}")
    elif dataset is not None:
        given = dataset_identities(index, dataset)
        out += [f"{i}/dicomStores/{name}" if i.startswith("projects/") else f"{i}/{name}"
                for i in given if isinstance(i, str)]
        out += [i for i in given if isinstance(i, Unknown)]
    return out or [Unknown("the DICOM store's dataset is not known")]


def _store(index: Index, store: TfInstance, owners: list[tuple[TfInstance, bool]]) -> Resource:
    certain = [d for d, sure in owners if sure]
    dataset = certain[0] if len(certain) == 1 and not [d for d, sure in owners if not sure] else None
    iam, grants = resource_iam(index, store, STORE_IAM, "dicom_store_id", _store_identities(index, store, dataset),
                               "DICOM store")
    subs: list[TfInstance] = list(grants)
    key: Any
    project: Any
    if dataset is not None:
        dataset_iam, dataset_grants = _dataset_iam(index, dataset)
        iam = _merged(iam, dataset_iam)
        subs += [dataset, *dataset_grants]
        key = _key(index, dataset)
        project = value(dataset, "project")
        if dataset.exists is not None:
            key = key if key is not None else Unknown(f"{located(dataset)} may not exist: {dataset.exists.reason}")
    else:
        key, project = _unlinked(index, store, owners)
        iam = _merged(iam, {"members": _maybe_public(index, owners), "bindings": []})
    exports, destinations = store_exports(index, store)
    audit, configs = project_audit_items(index, project, HEALTHCARE_SERVICES, "the Cloud Healthcare API")
    subs += [*destinations, *configs]
    parent = store.attrs.get("dataset")
    facts = {
        "dataset": parent if isinstance(parent, str) else dataset.address if dataset is not None else parent,
        "encryption": {"kms_key_name": key}, "iam": iam, "exports": exports, "audit_configs": audit,
    }
    origins, traced = made(store, {"dataset": ["dataset"], "exports": ["notification_config", "stream_configs"],
                                   "iam": ["member", "members", "policy_data"],
                                   "encryption": ["dataset", "encryption_spec"],
                                   "audit_configs": ["service", "audit_log_config"]})
    if dataset is not None:
        origins["encryption"] = located(dataset)
    if configs:
        origins["audit_configs"] = ", ".join(located(c) for c in configs)
    if len(subs) > len(grants):
        origins["iam"] = ", ".join(located(g) for g in subs if g.type.endswith(("_iam_member", "_iam_binding",
                                                                                   "_iam_policy"))) or origins["iam"]
    return resource("gcp.healthcare.dicom_store", store, facts, name=store.attrs.get("name"), tags=labels(store),
                    configured_by=unique(subs), origins=origins, traced=traced)


def _unlinked(index: Index, store: TfInstance, owners: list[tuple[TfInstance, bool]]) -> tuple[Any, Any]:
    """(key, project) of a store whose dataset is not one declared here, or cannot be told."""
    parent = store.attrs.get("dataset")
    if owners:
        shown = ", ".join(located(d) for d, _ in owners)
        unknown = Unknown(f"the store's dataset may be any of {shown} (or one outside this configuration)")
        return unknown, unknown
    if isinstance(parent, str):
        parts = parent.split("/")
        project = parts[1] if len(parts) == 6 and parts[0] == "projects" else Unknown(
            f"the project of dataset {parent!r} is not known")
        return Unknown(f"the dataset {parent!r} is not declared in this configuration: its key cannot be seen"), project
    reason = parent.reason if isinstance(parent, Unknown) else "no dataset"
    unknown = Unknown(f"the store's dataset is not known: {reason}")
    return unknown, unknown


def _maybe_public(index: Index, owners: list[tuple[TfInstance, bool]]) -> list[Any]:
    out: list[Any] = []
    for dataset, _sure in owners:
        members = _dataset_iam(index, dataset)[0]["members"]
        if any(not isinstance(m, str) or m.strip().lower() in PUBLIC for m in members):
            out.append(Unknown(f"{located(dataset)} may be this store's dataset, and its grants may be public",
                               spread=True))
    return out


def _merged(own: Mapping[str, Any], dataset: Mapping[str, Any]) -> dict[str, Any]:
    known = sorted({m for m in [*own["members"], *dataset["members"]] if isinstance(m, str)})
    unseen = [m for m in [*own["members"], *dataset["members"]] if not isinstance(m, str)]
    return {"members": known + unseen, "bindings": [*own["bindings"], *dataset["bindings"]]}
