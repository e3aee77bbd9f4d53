"""Cloud Healthcare API v1 responses, shaped as the public API reference documents them (there is no
client library, hence no message types to build them from; field names and nesting follow the
reference pages and the API's discovery document, ``healthcare:v1``):

* ``projects.locations.list`` -> ``ListLocationsResponse``
  ``{"locations": [{"name": "projects/P/locations/L", "locationId": "L"}], "nextPageToken": ""}``
* ``projects.locations.datasets.list`` -> ``ListDatasetsResponse`` ``{"datasets": [Dataset], "nextPageToken"}``;
  ``datasets.get`` -> ``Dataset``
  ``{"name": "projects/P/locations/L/datasets/D", "timeZone": "UTC",
  "encryptionSpec": {"kmsKeyName": "projects/P/locations/L/keyRings/R/cryptoKeys/K"}}``
  (``encryptionSpec`` absent: the default Google-managed key)
* ``datasets.dicomStores.list`` -> ``ListDicomStoresResponse`` ``{"dicomStores": [DicomStore], "nextPageToken"}``;
  ``dicomStores.get`` -> ``DicomStore``
  ``{"name": ".../dicomStores/S", "labels": {..}, "notificationConfig": {"pubsubTopic":
  "projects/P/topics/T", "sendForBulkImport": false}, "streamConfigs": [{"bigqueryDestination":
  {"tableUri": "bq://P.D.T", "force": false, "writeDisposition": "WRITE_APPEND"}}],
  "notificationConfigs": [{"pubsubTopic": "...", "filter": "..."}]}``
* ``datasets.getIamPolicy`` / ``dicomStores.getIamPolicy`` (GET, ``options.requestedPolicyVersion``)
  -> ``Policy`` ``{"version": 1, "etag": "BwX...", "bindings": [{"role": "roles/...", "members":
  ["allUsers", ...], "condition": {"expression": "..."}}]}``
* errors: Google's JSON error body (``conftest.google_error``): 403 ``PERMISSION_DENIED``, 403 with an
  ``ErrorInfo`` reason ``SERVICE_DISABLED``, 429 ``RESOURCE_EXHAUSTED``.
"""

from __future__ import annotations

from typing import Any

from tests.gcp.conftest import PROJECT, RestFixture

LOCATION = "us-central1"
KEY = f"projects/{PROJECT}/locations/{LOCATION}/keyRings/pacs/cryptoKeys/dicom"


def dataset_name(dataset: str, location: str = LOCATION) -> str:
    return f"projects/{PROJECT}/locations/{location}/datasets/{dataset}"


def store_name(dataset: str, store: str, location: str = LOCATION) -> str:
    return f"{dataset_name(dataset, location)}/dicomStores/{store}"


def dataset(name: str, key: str | None = None, location: str = LOCATION) -> dict[str, Any]:
    body: dict[str, Any] = {"name": dataset_name(name, location), "timeZone": "UTC"}
    if key is not None:
        body["encryptionSpec"] = {"kmsKeyName": key}
    return body


def dicom_store(dataset_id: str, name: str, topic: str | None = None, tables: tuple[str, ...] = (),
                labels: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": store_name(dataset_id, name), "labels": labels or {}}
    if topic is not None:
        body["notificationConfig"] = {"pubsubTopic": topic, "sendForBulkImport": False}
    if tables:
        body["streamConfigs"] = [{"bigqueryDestination": {"tableUri": t, "force": False,
                                                          "writeDisposition": "WRITE_APPEND"}} for t in tables]
    return body


def policy(*bindings: tuple[str, tuple[str, ...]]) -> dict[str, Any]:
    return {"version": 1, "etag": "BwXpacscan=",
            "bindings": [{"role": role, "members": list(members)} for role, members in bindings]}


def serve_healthcare(fixture: RestFixture, datasets: dict[str, tuple[dict[str, Any], dict[str, Any]]],
                     stores: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]],
                     locations: tuple[str, ...] = (LOCATION,)) -> RestFixture:
    """Serve ``datasets`` (id -> (Dataset, Policy)) and their ``stores`` (dataset id -> [(DicomStore,
    Policy)]) in LOCATION; other locations are empty. Returns the Healthcare API's fixture server."""
    server = fixture.healthcare
    assert server is not None
    server.serve("GET", f"/v1/projects/{PROJECT}/locations", {"locations": [
        {"name": f"projects/{PROJECT}/locations/{loc}", "locationId": loc} for loc in locations]})
    for loc in locations:
        found = [d for d, _ in datasets.values()] if loc == LOCATION else []
        server.serve("GET", f"/v1/projects/{PROJECT}/locations/{loc}/datasets", {"datasets": found})
    for dataset_id, (body, iam) in datasets.items():
        name = dataset_name(dataset_id)
        server.serve("GET", f"/v1/{name}", body)
        server.serve("GET", f"/v1/{name}:getIamPolicy", iam)
        server.serve("GET", f"/v1/{name}/dicomStores", {"dicomStores": [s for s, _ in stores.get(dataset_id, [])]})
        for store, store_iam in stores.get(dataset_id, []):
            server.serve("GET", f"/v1/{store['name']}", store)
            server.serve("GET", f"/v1/{store['name']}:getIamPolicy", store_iam)
    return server


def world(fixture: RestFixture) -> RestFixture:
    """Two datasets: ``pass-dataset`` (CMEK, private) and ``fail-dataset`` (Google key, allUsers);
    stores named for their outcome."""
    private = policy(("roles/healthcare.dicomViewer", ("group:radiology@example.org",)))
    return serve_healthcare(fixture, {
        "pass-dataset": (dataset("pass-dataset", KEY), private),
        "fail-dataset": (dataset("fail-dataset"), policy(("roles/healthcare.dicomViewer", ("allUsers",)))),
    }, {
        "pass-dataset": [
            (dicom_store("pass-dataset", "pass-store", labels={"data": "imaging"}), policy()),
            (dicom_store("pass-dataset", "public-store"),
             policy(("roles/healthcare.dicomViewer", ("allAuthenticatedUsers", "user:a@example.org")))),
            (dicom_store("pass-dataset", "exporting-store", topic=f"projects/{PROJECT}/topics/dicom-new",
                         tables=(f"bq://{PROJECT}.dicom_metadata.instances",)), policy()),
        ],
        "fail-dataset": [(dicom_store("fail-dataset", "inherits-store"), policy())],
    })
