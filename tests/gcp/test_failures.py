"""Never fail open: denied, throttled and disabled calls, injected at the HTTP layer by the fixture server
(the SDK clients see real 403/429 responses with Google's error bodies), become errors for exactly the
facts or resource types they feed. Retries use a small policy so throttling that never ends stays fast."""

from __future__ import annotations

from typing import Any

from tests.gcp.conftest import (
    DENIED,
    PROJECT,
    THROTTLED,
    RestFixture,
    disabled,
    outcome,
    scan,
)
from tests.gcp.test_compute_platform import audit_policy, serve_firewalls, serve_kms, serve_tls_and_subnets
from tests.gcp.test_storage import seed

COMPUTE_TYPES = {"gcp.compute.firewall", "gcp.compute.ssl_policy", "gcp.compute.subnetwork",
                 "gcp.compute.target_https_proxy", "gcp.compute.target_ssl_proxy", "gcp.compute.resource_policy"}


def failures(inventory: Any) -> dict[tuple[str, str | None], str]:
    return {(f.type, f.region): f.reason for f in inventory.failures}


def test_denied_bucket_iam_errors_only_that_fact(gcp: RestFixture, emulator_url: str) -> None:
    seed(emulator_url, "denied-iam", versioning={"enabled": True})
    seed(emulator_url, "readable-iam", versioning={"enabled": True})
    gcp.fail("GET", r"^/storage/v1/b/denied-iam/iam$", 403, DENIED)
    inventory, findings = scan(gcp)
    assert outcome(findings, "GCP-GCS-IAM-PUBLIC") == {"denied-iam": "error", "readable-iam": "pass"}
    assert outcome(findings, "GCP-GCS-VERSIONING") == {"denied-iam": "pass", "readable-iam": "pass"}
    errored = [f for f in findings if f.status.value == "error"]
    assert {f.check_id for f in errored} == {"GCP-GCS-IAM-PUBLIC"}
    assert "HTTP 403" in errored[0].evidence["could_not_read"]["iam"]
    denied = next(r for r in inventory.resources if r.name == "denied-iam")
    assert set(denied.errors) == {"iam"} and "iam" not in denied.facts


def test_throttling_that_resolves_gives_correct_findings(gcp: RestFixture, emulator_url: str) -> None:
    serve_firewalls(gcp)
    seed(emulator_url, "pass-versioned", versioning={"enabled": True})
    firewall_fault = gcp.fail("GET", r"/global/firewalls$", 429, THROTTLED, times=2)
    list_fault = gcp.fail("GET", r"^/storage/v1/b$", 429, THROTTLED, times=1)
    rate_fault = gcp.fail("GET", r"/pass-versioned/iam$", 403, {"error": {
        "code": 403, "message": "Rate limit exceeded", "errors": [{"reason": "userRateLimitExceeded"}]}}, times=1)
    inventory, findings = scan(gcp)
    assert (firewall_fault.hits, list_fault.hits, rate_fault.hits) == (2, 1, 1)
    assert not inventory.failures
    assert outcome(findings, "GCP-FIREWALL-DICOM")["fail-dicom-104"] == "fail"
    assert outcome(findings, "GCP-FIREWALL-DICOM")["pass-https-only"] == "pass"
    assert outcome(findings, "GCP-GCS-VERSIONING") == {"pass-versioned": "pass"}
    assert outcome(findings, "GCP-GCS-IAM-PUBLIC") == {"pass-versioned": "pass"}


def test_throttling_that_never_resolves_is_an_error(gcp: RestFixture) -> None:
    serve_firewalls(gcp)
    fault = gcp.fail("GET", r"/global/firewalls$", 429, THROTTLED)
    inventory, findings = scan(gcp)
    assert fault.hits >= 2
    assert set(failures(inventory)) == {("gcp.compute.firewall", None)}
    assert failures(inventory)[("gcp.compute.firewall", None)].startswith("retries exhausted: HTTP 429")
    for check_id in ("GCP-FIREWALL-DICOM", "GCP-FIREWALL-ADMIN"):
        assert outcome(findings, check_id) == {"gcp.compute.firewall": "error"}
        finding = next(f for f in findings if f.check_id == check_id)
        assert finding.resource.address == f"gcp:{PROJECT}:global:gcp.compute.firewall"


def test_disabled_compute_api_is_a_collection_failure_per_type(gcp: RestFixture, emulator_url: str) -> None:
    serve_firewalls(gcp)
    serve_tls_and_subnets(gcp)
    seed(emulator_url, "pass-versioned", versioning={"enabled": True})
    gcp.fail("GET", r"^/compute/", 403, disabled("Compute Engine API"))
    inventory, findings = scan(gcp)
    got = failures(inventory)
    assert {t for t, _ in got} == COMPUTE_TYPES
    assert all("SERVICE_DISABLED" in reason and "accessNotConfigured" in reason for reason in got.values())
    assert not [r for r in inventory.resources if r.type in COMPUTE_TYPES]
    for check_id in ("GCP-FIREWALL-DICOM", "GCP-SSL-POLICY-MIN-TLS", "GCP-SUBNET-FLOW-LOGS",
                     "GCP-HTTPS-PROXY-SSL-POLICY", "GCP-SSL-PROXY-SSL-POLICY", "GCP-SNAPSHOT-RETENTION"):
        assert set(outcome(findings, check_id).values()) == {"error"}, check_id
    assert outcome(findings, "GCP-GCS-VERSIONING") == {"pass-versioned": "pass"}


def test_denied_key_rings_in_one_location(gcp: RestFixture) -> None:
    serve_kms(gcp)
    gcp.fail("GET", r"/locations/europe-west3/keyRings$", 403, DENIED)
    inventory, findings = scan(gcp)
    assert set(failures(inventory)) == {("gcp.kms.crypto_key", "europe-west3")}
    assert outcome(findings, "GCP-KMS-ROTATION") == {
        "pass-90-days": "pass", "pass-30-days": "pass", "fail-91-days": "fail", "fail-never": "fail",
        "gcp.kms.crypto_key": "error"}


def test_kms_api_disabled(gcp: RestFixture) -> None:
    gcp.fail("GET", r"^/v1/projects/[^/]+/locations$", 403, disabled("Cloud Key Management Service (KMS) API"))
    inventory, findings = scan(gcp)
    assert set(failures(inventory)) == {("gcp.kms.crypto_key", None)}
    assert outcome(findings, "GCP-KMS-ROTATION") == {"gcp.kms.crypto_key": "error"}


def test_project_iam_policy_denied_or_disabled(gcp: RestFixture) -> None:
    gcp.serve("POST", f"/v3/projects/{PROJECT}:getIamPolicy",
              audit_policy(("allServices", ("DATA_READ", "DATA_WRITE"))))
    fault = gcp.fail("POST", r":getIamPolicy$", 403, DENIED)
    inventory, findings = scan(gcp)
    assert outcome(findings, "GCP-STORAGE-DATA-ACCESS-LOGS") == {PROJECT: "error"}
    assert not inventory.failures
    gcp.faults.remove(fault)
    gcp.fail("POST", r":getIamPolicy$", 403, disabled("Cloud Resource Manager API"))
    inventory, findings = scan(gcp)
    assert set(failures(inventory)) == {("gcp.project.audit_config", None)}
    assert outcome(findings, "GCP-STORAGE-DATA-ACCESS-LOGS") == {"gcp.project.audit_config": "error"}
    gcp.faults.clear()
    _inventory, findings = scan(gcp)
    assert outcome(findings, "GCP-STORAGE-DATA-ACCESS-LOGS") == {PROJECT: "pass"}


def test_denied_bucket_listing(gcp: RestFixture, emulator_url: str) -> None:
    seed(emulator_url, "pass-versioned", versioning={"enabled": True})
    gcp.fail("GET", r"^/storage/v1/b$", 403, DENIED)
    inventory, findings = scan(gcp)
    assert set(failures(inventory)) == {("gcp.storage.bucket", None)}
    assert outcome(findings, "GCP-GCS-VERSIONING") == {"gcp.storage.bucket": "error"}
