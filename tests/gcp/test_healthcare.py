"""Cloud Healthcare API datasets and DICOM stores, live: the collector's REST calls (google-auth's
AuthorizedSession, pointed at a local HTTPS server through the endpoint override) -> facts -> the
real rules. Responses are shaped as the API reference documents them (healthcare_api.py); faults
(403 denied, 403 SERVICE_DISABLED, 429) are injected at the HTTP layer and give error, never pass."""

from __future__ import annotations

from typing import Any

from tests.gcp.conftest import DENIED, PROJECT, THROTTLED, RestFixture, disabled, outcome, scan
from tests.gcp.healthcare_api import LOCATION, dataset_name, store_name, world
from tests.gcp.test_compute_platform import audit_policy

STORE_RULES = ("GCP-HEALTHCARE-DICOM-CMEK", "GCP-HEALTHCARE-DICOM-IAM-PUBLIC", "GCP-HEALTHCARE-DATA-ACCESS-LOGS")


def test_datasets_and_stores_are_judged_by_the_shared_rules(gcp: RestFixture) -> None:
    world(gcp)
    gcp.serve("POST", f"/v3/projects/{PROJECT}:getIamPolicy",
              audit_policy(("allServices", ("DATA_READ",)), ("healthcare.googleapis.com", ("DATA_WRITE",))))
    inventory, findings = scan(gcp)
    assert not inventory.failures
    assert outcome(findings, "GCP-HEALTHCARE-DATASET-CMEK") == {"pass-dataset": "pass", "fail-dataset": "fail"}
    assert outcome(findings, "GCP-HEALTHCARE-DATASET-IAM-PUBLIC") == {"pass-dataset": "pass",
                                                                      "fail-dataset": "fail"}
    # a store takes its dataset's key, and its dataset's grants apply to it
    assert outcome(findings, "GCP-HEALTHCARE-DICOM-CMEK") == {
        "pass-store": "pass", "public-store": "pass", "exporting-store": "pass", "inherits-store": "fail"}
    assert outcome(findings, "GCP-HEALTHCARE-DICOM-IAM-PUBLIC") == {
        "pass-store": "pass", "public-store": "fail", "exporting-store": "pass", "inherits-store": "fail"}
    assert set(outcome(findings, "GCP-HEALTHCARE-DATA-ACCESS-LOGS").values()) == {"pass"}
    # the destinations' own configuration is not read live: unknown, never pass; no export: not applicable
    for rule in ("GCP-HEALTHCARE-DICOM-EXPORT-PUBLIC", "GCP-HEALTHCARE-DICOM-EXPORT-CMEK"):
        assert outcome(findings, rule) == {"pass-store": "not_applicable", "public-store": "not_applicable",
                                           "exporting-store": "unknown", "inherits-store": "not_applicable"}
    store = next(r for r in inventory.resources if r.name == "exporting-store")
    assert store.id == store_name("pass-dataset", "exporting-store") and store.region == LOCATION
    assert [(e["type"], e["destination"]) for e in store.facts["exports"]] == [
        ("pubsub", f"projects/{PROJECT}/topics/dicom-new"), ("bigquery", f"bq://{PROJECT}.dicom_metadata.instances")]
    assert next(r for r in inventory.resources if r.name == "pass-store").tags == {"data": "imaging"}


def test_stores_are_imaging_data_whatever_the_scope_says(gcp: RestFixture) -> None:
    from scanner.catalog import load_catalog
    from scanner.engine.evaluate import evaluate_inventory
    from tests.gcp.conftest import collector

    world(gcp)
    catalog = load_catalog()
    narrow = {**catalog.defaults(), "imaging_data": {"tags": {"nothing": "matches"}, "name_patterns": ["none-*"]}}
    findings = evaluate_inventory(catalog, narrow, collector(gcp).collect(), "gcp")
    assert outcome(findings, "GCP-HEALTHCARE-DICOM-CMEK")["inherits-store"] == "fail"
    assert outcome(findings, "GCP-HEALTHCARE-DATASET-CMEK")["fail-dataset"] == "fail"


def test_disabled_healthcare_api_is_an_error_for_both_kinds(gcp: RestFixture) -> None:
    server = world(gcp)
    server.fail("GET", r"/locations$", 403, disabled("Cloud Healthcare API"))
    inventory, findings = scan(gcp)
    failed = {(f.type, f.region): f.reason for f in inventory.failures}
    assert set(failed) == {("gcp.healthcare.dataset", None), ("gcp.healthcare.dicom_store", None)}
    assert all("SERVICE_DISABLED" in r for r in failed.values())
    for rule in ("GCP-HEALTHCARE-DATASET-CMEK", *STORE_RULES):
        assert set(outcome(findings, rule).values()) == {"error"}, rule


def test_denied_dataset_policy_errors_the_dataset_and_its_stores(gcp: RestFixture) -> None:
    server = world(gcp)
    server.fail("GET", rf"^/v1/{dataset_name('fail-dataset')}:getIamPolicy$", 403, DENIED)
    inventory, findings = scan(gcp)
    assert not inventory.failures
    assert outcome(findings, "GCP-HEALTHCARE-DATASET-IAM-PUBLIC") == {"pass-dataset": "pass", "fail-dataset": "error"}
    assert outcome(findings, "GCP-HEALTHCARE-DICOM-IAM-PUBLIC")["inherits-store"] == "error"
    assert outcome(findings, "GCP-HEALTHCARE-DICOM-CMEK")["inherits-store"] == "fail"  # the key was read
    store = next(r for r in inventory.resources if r.name == "inherits-store")
    assert "HTTP 403" in store.errors["iam"] and "iam" not in store.facts


def test_denied_store_read_errors_its_exports_only(gcp: RestFixture) -> None:
    server = world(gcp)
    server.fail("GET", rf"^/v1/{store_name('pass-dataset', 'exporting-store')}$", 403, DENIED)
    _inventory, findings = scan(gcp)
    for rule in ("GCP-HEALTHCARE-DICOM-EXPORT-PUBLIC", "GCP-HEALTHCARE-DICOM-EXPORT-CMEK"):
        assert outcome(findings, rule)["exporting-store"] == "error"
    assert outcome(findings, "GCP-HEALTHCARE-DICOM-IAM-PUBLIC")["exporting-store"] == "pass"


def test_throttling_that_resolves_and_that_never_does(gcp: RestFixture) -> None:
    server = world(gcp)
    once = server.fail("GET", r"/datasets$", 429, THROTTLED, times=1)
    inventory, findings = scan(gcp)
    assert once.hits == 1 and not inventory.failures
    assert outcome(findings, "GCP-HEALTHCARE-DATASET-CMEK") == {"pass-dataset": "pass", "fail-dataset": "fail"}
    server.faults.clear()
    forever = server.fail("GET", r"/dicomStores$", 429, THROTTLED)
    inventory, findings = scan(gcp)
    assert forever.hits >= 2
    assert {(f.type, f.region) for f in inventory.failures} == {("gcp.healthcare.dicom_store", LOCATION)}
    assert all(f.reason.count("retries exhausted: HTTP 429") for f in inventory.failures)
    for rule in STORE_RULES:
        assert set(outcome(findings, rule).values()) == {"error"}, rule
    assert outcome(findings, "GCP-HEALTHCARE-DATASET-CMEK") == {"pass-dataset": "pass", "fail-dataset": "fail"}


def test_audit_logs_come_from_the_project_policy_read_in_the_same_scan(gcp: RestFixture) -> None:
    world(gcp)
    gcp.serve("POST", f"/v3/projects/{PROJECT}:getIamPolicy", audit_policy(("healthcare.googleapis.com",
                                                                             ("DATA_READ",))))
    _inventory, findings = scan(gcp)
    assert set(outcome(findings, "GCP-HEALTHCARE-DATA-ACCESS-LOGS").values()) == {"fail"}
    assert sum(op == "/v3/projects/pacs-prod:getIamPolicy" for _, op in gcp.requests) == 1  # read once
    gcp.fail("POST", r":getIamPolicy$", 403, DENIED)
    _inventory, findings = scan(gcp)
    assert set(outcome(findings, "GCP-HEALTHCARE-DATA-ACCESS-LOGS").values()) == {"error"}
    gcp.faults.clear()
    gcp.fail("POST", r":getIamPolicy$", 403, disabled("Cloud Resource Manager API"))
    _inventory, findings = scan(gcp)
    assert set(outcome(findings, "GCP-HEALTHCARE-DATA-ACCESS-LOGS").values()) == {"error"}


def _evidence(findings: list[Any], rule: str, name: str) -> Any:
    return next(f for f in findings if f.check_id == rule and f.resource.address.endswith("/" + name)).evidence


def test_evidence_names_the_dataset_and_its_key(gcp: RestFixture) -> None:
    world(gcp)
    _inventory, findings = scan(gcp)
    evidence = _evidence(findings, "GCP-HEALTHCARE-DICOM-CMEK", "pass-store")
    assert evidence["observed"]["dataset"] == dataset_name("pass-dataset")
    assert evidence["observed"]["encryption.kms_key_name"].endswith("/cryptoKeys/dicom")
