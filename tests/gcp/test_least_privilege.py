"""The collector stays within read-only permissions: every HTTP request the fixture server saw during a full
scan maps to one recorded operation, every operation has a read permission in PERMISSIONS, and docs/gcp.md
names every one of them. Also: credentials (key file, missing ADC) and the identity recorded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scanner.collectors.base import CollectorError
from scanner.collectors.gcp import PERMISSIONS, GcpCollector, GcpProject
from tests.gcp.conftest import PROJECT, RestFixture, collector
from tests.gcp.healthcare_api import world
from tests.gcp.test_compute_platform import (
    audit_policy,
    serve_firewalls,
    serve_kms,
    serve_resource_policies,
    serve_tls_and_subnets,
)
from tests.gcp.test_storage import seed

DOC = Path(__file__).resolve().parents[2] / "docs" / "gcp.md"

#: (HTTP method, path pattern) -> the operation the collector must have recorded for it
WIRE = [
    ("GET", r"^/storage/v1/b$", "storage:buckets.list"),
    ("GET", r"^/storage/v1/b/[^/]+/iam$", "storage:buckets.getIamPolicy"),
    ("GET", r"^/compute/v1/projects/[^/]+/global/firewalls$", "compute:firewalls.list"),
    ("GET", r"^/compute/v1/projects/[^/]+/aggregated/sslPolicies$", "compute:sslPolicies.aggregatedList"),
    ("GET", r"^/compute/v1/projects/[^/]+/aggregated/subnetworks$", "compute:subnetworks.aggregatedList"),
    ("GET", r"^/compute/v1/projects/[^/]+/aggregated/targetHttpsProxies$",
     "compute:targetHttpsProxies.aggregatedList"),
    ("GET", r"^/compute/v1/projects/[^/]+/global/targetSslProxies$", "compute:targetSslProxies.list"),
    ("GET", r"^/compute/v1/projects/[^/]+/aggregated/resourcePolicies$", "compute:resourcePolicies.aggregatedList"),
    ("GET", r"^/v1/projects/[^/]+/locations$", "cloudkms:locations.list"),
    ("GET", r"^/v1/projects/[^/]+/locations/[^/]+/keyRings$", "cloudkms:keyRings.list"),
    ("GET", r"^/v1/projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys$", "cloudkms:cryptoKeys.list"),
    ("POST", r"^/v3/projects/[^/]+:getIamPolicy$", "cloudresourcemanager:projects.getIamPolicy"),
]
#: the Cloud Healthcare API's own server
HEALTHCARE_WIRE = [
    ("GET", r"^/v1/projects/[^/]+/locations$", "healthcare:locations.list"),
    ("GET", r"^/v1/projects/[^/]+/locations/[^/]+/datasets$", "healthcare:datasets.list"),
    ("GET", r"^/v1/projects/[^/]+/locations/[^/]+/datasets/[^/:]+$", "healthcare:datasets.get"),
    ("GET", r"^/v1/projects/[^/]+/locations/[^/]+/datasets/[^/]+:getIamPolicy$", "healthcare:datasets.getIamPolicy"),
    ("GET", r"^/v1/projects/[^/]+/locations/[^/]+/datasets/[^/]+/dicomStores$", "healthcare:dicomStores.list"),
    ("GET", r"^/v1/projects/[^/]+/locations/[^/]+/datasets/[^/]+/dicomStores/[^/:]+$", "healthcare:dicomStores.get"),
    ("GET", r"^/v1/projects/[^/]+/locations/[^/]+/datasets/[^/]+/dicomStores/[^/]+:getIamPolicy$",
     "healthcare:dicomStores.getIamPolicy"),
]


def operation(method: str, path: str, wire: list[tuple[str, str, str]] = WIRE) -> str:
    for want_method, pattern, op in wire:
        if method == want_method and re.search(pattern, path):
            return op
    raise AssertionError(f"unexpected API request {method} {path}")


def test_full_scan_uses_only_documented_read_operations(gcp: RestFixture, emulator_url: str) -> None:
    serve_firewalls(gcp)
    serve_tls_and_subnets(gcp)
    serve_kms(gcp)
    serve_resource_policies(gcp)
    gcp.serve("POST", f"/v3/projects/{PROJECT}:getIamPolicy", audit_policy(("allServices", ("DATA_READ",))))
    seed(emulator_url, "pacs-images", versioning={"enabled": True})
    seed(emulator_url, "pacs-reports")
    healthcare = world(gcp)
    recorded: list[str] = []
    inventory = collector(gcp, on_call=recorded.append).collect()
    wire = [operation(method, path) for method, path in gcp.requests]
    wire += [operation(method, path, HEALTHCARE_WIRE) for method, path in healthcare.requests]
    assert sorted(wire) == sorted(recorded)  # nothing went over the wire unrecorded, nothing recorded twice
    assert dict(inventory.calls) == {op: recorded.count(op) for op in set(recorded)}
    assert set(recorded) == set(PERMISSIONS)  # a full scan exercises every documented operation
    assert inventory.calls["storage:buckets.getIamPolicy"] == 2
    assert inventory.calls["cloudkms:keyRings.list"] == 2  # one per location
    assert inventory.calls["healthcare:dicomStores.getIamPolicy"] == 4  # one per store
    assert all(p.split(".")[-1] in ("list", "get", "getIamPolicy") for p in PERMISSIONS.values())
    assert inventory.identities == {PROJECT: "supplied credentials"}


def test_docs_name_every_permission() -> None:
    text = DOC.read_text("utf-8")
    for permission in PERMISSIONS.values():
        assert f"`{permission}`" in text, permission
    for role in ("roles/viewer", "roles/iam.securityReviewer"):
        assert role in text


def _key_file(path: Path, email: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": PROJECT, "private_key_id": "0" * 40, "private_key": pem,
        "client_email": email, "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}))
    return path


def test_key_file_per_project_gives_that_identity(tmp_path: Path) -> None:
    from scanner.collectors.gcp.credentials import resolve

    email = "pacscan@pacs-prod.iam.gserviceaccount.com"
    resolved = resolve(GcpProject(PROJECT, _key_file(tmp_path / "key.json", email)))
    assert resolved.identity == email
    assert email not in repr(resolved.credentials.token)


def test_unusable_credentials_stop_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(CollectorError, match="cannot load service-account key file"):
        GcpCollector([GcpProject(PROJECT, bad)]).collect()
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(CollectorError, match="no --project given"):
        GcpCollector([]).collect()
    with pytest.raises(CollectorError, match="no application default credentials"):
        GcpCollector([PROJECT]).collect()
