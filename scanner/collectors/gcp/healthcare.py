"""Cloud Healthcare API datasets and DICOM stores (``gcp.healthcare.dataset``,
``gcp.healthcare.dicom_store``), read over the Healthcare REST API v1 with google-auth's
``AuthorizedSession`` (no client library exists for it): ``projects.locations.list``, then per
location ``datasets.list`` and per dataset ``datasets.get`` and ``datasets.getIamPolicy``,
``dicomStores.list`` and per store ``dicomStores.get`` and ``dicomStores.getIamPolicy`` (policy
version 3). No DICOM instance, study or series is ever read.

A listing that fails becomes a ``CollectionFailure``: locations for both kinds in the project,
datasets for both kinds in that location, a dataset's stores for ``gcp.healthcare.dicom_store`` in
that location (a 403 ``SERVICE_DISABLED`` is such a failure: the API is not enabled). A ``get`` or
``getIamPolicy`` that fails is an error for the facts it feeds: a dataset's key and IAM policy feed
its stores too. ``address`` is the resource name (``projects/P/locations/L/datasets/D``,
``.../dicomStores/S``); ``region`` the location.

``gcp.healthcare.dataset``

| key | meaning | source |
| --- | --- | --- |
| ``encryption.kms_key_name`` | Cloud KMS key of the dataset and its stores; None for the default Google-managed key | datasets.get ``encryptionSpec.kmsKeyName`` |
| ``iam.members`` / ``iam.bindings`` | as for buckets | datasets.getIamPolicy |
| ``location`` / ``project`` | from the resource name | |

``gcp.healthcare.dicom_store``

| key | meaning | source |
| --- | --- | --- |
| ``dataset`` | the dataset's resource name | |
| ``encryption.kms_key_name`` | the dataset's key | datasets.get |
| ``iam.members`` / ``iam.bindings`` | the store's policy and its dataset's (dataset grants apply to its stores) | dicomStores.getIamPolicy, datasets.getIamPolicy |
| ``exports`` | ``[{type, destination, public, customer_managed_key}]``: ``pubsub`` for ``notificationConfig.pubsubTopic`` and each ``notificationConfigs[].pubsubTopic``, ``bigquery`` for each ``streamConfigs[].bigqueryDestination.tableUri``; ``public`` and ``customer_managed_key`` are unknown (the destination's own configuration is not read) | dicomStores.get |
| ``audit_configs`` | the project's audit configs, as ``gcp.project.audit_config`` read them in the same scan (``iam.py``) | projects.getIamPolicy |
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from scanner.collectors.gcp.errors import api_errors, reason
from scanner.collectors.gcp.session import FactReader, GcpSession
from scanner.facts.resource import CollectionFailure, Resource
from scanner.facts.values import Unknown

DATASET = "gcp.healthcare.dataset"
STORE = "gcp.healthcare.dicom_store"
AUDIT = "gcp.project.audit_config"
ENDPOINT = "https://healthcare.googleapis.com"
Result = tuple[list[Resource], list[CollectionFailure]]
_NOT_READ = ("the live scan does not read the destination's own configuration (its IAM policy and key): "
             "check it in its project")


def _url(session: GcpSession, path: str) -> str:
    base = (session.endpoints.healthcare or ENDPOINT).rstrip("/")
    return f"{base}/v1/{path}"


def _get(session: GcpSession, operation: str, path: str, params: Mapping[str, str] | None = None) -> Any:
    """One GET, retried on throttling and 5xx; a failed response raises the api_core exception
    Google's client libraries raise for it (its reasons and ErrorInfo parsed from the body)."""
    from google.api_core.exceptions import GoogleAPICallError, from_http_response

    client = session.client("healthcare")

    def once() -> Any:
        response = client.get(_url(session, path), params=dict(params or {}), timeout=session.timeout)
        if response.status_code >= 400:
            raise from_http_response(response)  # type: ignore[no-untyped-call]
        try:
            return response.json()
        except ValueError:
            raise GoogleAPICallError(f"{path}: the response is not JSON") from None  # type: ignore[no-untyped-call]

    return session.call(operation, lambda: session.retry(once)())


def _pages(session: GcpSession, operation: str, path: str, field: str) -> Iterator[Any]:
    token = ""
    while True:
        page = _get(session, operation, path, {"pageToken": token} if token else None)
        yield from page.get(field) or ()
        token = page.get("nextPageToken") or ""
        if not token:
            return


def collect(session: GcpSession, workers: int) -> Result:
    try:
        listed = _pages(session, "healthcare:locations.list", f"projects/{session.project}/locations", "locations")
        locations = sorted({str(loc.get("locationId") or str(loc.get("name", "")).rsplit("/", 1)[-1])
                            for loc in listed})
    except api_errors() as err:
        why = reason(err)
        return [], [CollectionFailure("gcp", kind, session.project, None, why) for kind in (DATASET, STORE)]
    resources: list[Resource] = []
    failures: list[CollectionFailure] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for found, failed in pool.map(lambda location: _location(session, location), locations):
            resources += found
            failures += failed
    return resources, failures


def _location(session: GcpSession, location: str) -> Result:
    parent = f"projects/{session.project}/locations/{location}"
    try:
        names = [str(d["name"]) for d in _pages(session, "healthcare:datasets.list", f"{parent}/datasets", "datasets")]
    except api_errors() as err:
        why = f"datasets of {location}: {reason(err)}"
        return [], [CollectionFailure("gcp", kind, session.project, location, why) for kind in (DATASET, STORE)]
    resources: list[Resource] = []
    failures: list[CollectionFailure] = []
    for name in names:
        found, failed = _dataset(session, location, name)
        resources += found
        failures += failed
    return resources, failures


def _dataset(session: GcpSession, location: str, name: str) -> Result:
    reader = FactReader(facts={"location": location, "project": session.project})
    reader.read(("encryption",), lambda: {"encryption": _encryption(_get(session, "healthcare:datasets.get", name))})
    reader.read(("iam",), lambda: {"iam": _iam(session, "healthcare:datasets.getIamPolicy", name)})
    dataset = Resource(provider="gcp", type=DATASET, id=name, name=name.rsplit("/", 1)[-1], account=session.project,
                       region=location, facts=reader.facts, errors=reader.errors)
    try:
        stores = [str(s["name"]) for s in _pages(session, "healthcare:dicomStores.list", f"{name}/dicomStores",
                                                  "dicomStores")]
    except api_errors() as err:
        return [dataset], [CollectionFailure("gcp", STORE, session.project, location,
                                             f"DICOM stores of {name}: {reason(err)}")]
    return [dataset, *(_store(session, location, dataset, store) for store in stores)], []


def _encryption(dataset: Mapping[str, Any]) -> dict[str, Any]:
    spec = dataset.get("encryptionSpec") or {}
    return {"kms_key_name": spec.get("kmsKeyName") or None}


def _iam(session: GcpSession, operation: str, name: str) -> dict[str, Any]:
    policy = _get(session, operation, f"{name}:getIamPolicy", {"options.requestedPolicyVersion": "3"})
    bindings = [{"role": b.get("role"), "members": sorted(b.get("members") or ()),
                 "condition": (b.get("condition") or {}).get("expression")} for b in policy.get("bindings") or ()]
    return {"members": sorted({m for b in bindings for m in b["members"]}), "bindings": bindings}


def _inherited(dataset: Resource, store: FactReader, key: str, combine: Callable[[Any], Any]) -> None:
    """A store fact that comes (partly) from its dataset: the dataset's error is the store's."""
    if key in dataset.errors:
        store.errors[key] = f"its dataset's {key}: {dataset.errors[key]}"
        store.facts.pop(key, None)
    elif key not in store.errors:
        store.facts[key] = combine(dataset.facts[key])


def _store(session: GcpSession, location: str, dataset: Resource, name: str) -> Resource:
    reader = FactReader(facts={"dataset": dataset.id})
    labels: dict[str, str] = {}

    def settings() -> dict[str, Any]:
        found = _get(session, "healthcare:dicomStores.get", name)
        labels.update({str(k): str(v) for k, v in (found.get("labels") or {}).items()})
        return {"exports": exports(found)}

    reader.read(("exports",), settings)
    reader.read(("iam",), lambda: {"iam": _iam(session, "healthcare:dicomStores.getIamPolicy", name)})
    _inherited(dataset, reader, "encryption", lambda key: key)
    own = reader.facts.get("iam")
    _inherited(dataset, reader, "iam", lambda inherited: _merged(own, inherited))
    return Resource(provider="gcp", type=STORE, id=name, name=name.rsplit("/", 1)[-1], account=session.project,
                    region=location, tags=labels, facts=reader.facts, errors=reader.errors)


def _merged(own: Any, inherited: Mapping[str, Any]) -> dict[str, Any]:
    own = own or {"members": [], "bindings": []}
    return {"members": sorted({*own["members"], *inherited["members"]}),
            "bindings": [*own["bindings"], *inherited["bindings"]]}


def exports(store: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The destinations of a DicomStore resource (its JSON): Pub/Sub topics, BigQuery tables."""
    out: list[dict[str, Any]] = []
    configs = [store.get("notificationConfig") or {}, *(store.get("notificationConfigs") or ())]
    out += [_export("pubsub", c["pubsubTopic"]) for c in configs if c.get("pubsubTopic")]
    for stream in store.get("streamConfigs") or ():
        table = (stream.get("bigqueryDestination") or {}).get("tableUri")
        out.append(_export("bigquery", table))
    return out


def _export(kind: str, destination: Any) -> dict[str, Any]:
    return {"type": kind, "destination": destination, "public": Unknown(_NOT_READ),
            "customer_managed_key": Unknown(_NOT_READ)}


def with_audit(resources: list[Resource], failures: list[CollectionFailure], project: str) -> list[Resource]:
    """The stores with their project's audit configs, as ``iam.py`` read them in this scan: the
    value, or the reason it could not be read."""
    audit = next((r for r in resources if r.type == AUDIT and r.account == project), None)
    failed = next((f for f in failures if f.type == AUDIT and f.account == project), None)
    out: list[Resource] = []
    for resource in resources:
        if resource.type != STORE or resource.account != project:
            out.append(resource)
            continue
        facts, errors = dict(resource.facts), dict(resource.errors)
        if audit is not None and "audit_configs" in audit.facts:
            facts["audit_configs"] = audit.facts["audit_configs"]
        else:
            why = audit.errors.get("audit_configs") if audit is not None else None
            errors["audit_configs"] = f"the project's IAM policy: {why or (failed.reason if failed else 'not read')}"
        out.append(replace(resource, facts=facts, errors=errors))
    return out
