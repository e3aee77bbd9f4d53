"""Cloud Storage rules against gcp-storage-emulator: named buckets pass and named buckets fail, exactly.

Buckets are created, then their settings PATCHed (the emulator drops fields sent at creation), with the
JSON field names of the Cloud Storage API. The collector reaches the emulator through the HTTPS fixture
server (which forwards storage paths untouched).
"""

from __future__ import annotations

from typing import Any

from tests.gcp.conftest import PROJECT, RestFixture, outcome, scan, storage_client

DAY = 86400
KEY = f"projects/{PROJECT}/locations/us/keyRings/pacs/cryptoKeys/images"
LONG = 2190  # min_retention_days default


def seed(emulator_url: str, name: str, iam: tuple[tuple[str, str], ...] = (), **properties: Any) -> None:
    bucket = storage_client(emulator_url).create_bucket(name)
    for field, value in properties.items():
        bucket._patch_property(field, value)
    if properties:
        bucket.patch()
    if iam:
        policy = bucket.get_iam_policy(requested_policy_version=3)
        for role, member in iam:
            policy.bindings.append({"role": role, "members": {member}})
        bucket.set_iam_policy(policy)


def test_bucket_rules(gcp: RestFixture, emulator_url: str) -> None:
    good: dict[str, Any] = {
        "iamConfiguration": {"uniformBucketLevelAccess": {"enabled": True}, "publicAccessPrevention": "enforced"},
        "versioning": {"enabled": True},
        "encryption": {"defaultKmsKeyName": KEY},
        "logging": {"logBucket": "pacs-access-logs", "logObjectPrefix": "images/"},
        "retentionPolicy": {"retentionPeriod": str(LONG * DAY), "isLocked": True},
        "lifecycle": {"rule": [
            {"action": {"type": "SetStorageClass", "storageClass": "ARCHIVE"}, "condition": {"age": 30}},
            {"action": {"type": "Delete"}, "condition": {"age": LONG}},
            {"action": {"type": "Delete"}, "condition": {"numNewerVersions": 3}},
            {"action": {"type": "Delete"}, "condition": {"isLive": False, "daysSinceNoncurrentTime": 30}},
        ]},
        "labels": {"data": "imaging"},
    }
    seed(emulator_url, "pass-all", iam=(("roles/storage.objectViewer", "group:radiology@example.com"),), **good)
    seed(emulator_url, "fail-defaults")
    seed(emulator_url, "fail-public-iam", iam=(("roles/storage.objectViewer", "allUsers"),), **good)
    seed(emulator_url, "fail-authenticated-iam",
         iam=(("roles/storage.legacyBucketReader", "allAuthenticatedUsers"),), **good)
    seed(emulator_url, "fail-inherited", **{**good, "iamConfiguration": {
        "uniformBucketLevelAccess": {"enabled": True}, "publicAccessPrevention": "inherited"}})
    seed(emulator_url, "fail-unlocked", **{**good, "retentionPolicy": {"retentionPeriod": str(LONG * DAY)}})
    seed(emulator_url, "fail-short-retention", **{**good, "retentionPolicy": {
        "retentionPeriod": str(LONG * DAY - 1), "isLocked": True}})
    seed(emulator_url, "fail-website", **{**good, "website": {"mainPageSuffix": "index.html"}})
    seed(emulator_url, "fail-young-delete", **{**good, "lifecycle": {"rule": [
        {"action": {"type": "Delete"}, "condition": {"age": LONG - 1}}]}})
    seed(emulator_url, "unknown-date-only-delete", **{**good, "lifecycle": {"rule": [
        {"action": {"type": "Delete"}, "condition": {"createdBefore": "2020-01-01"}}]}})
    seed(emulator_url, "fail-ageless-delete", **{**good, "lifecycle": {"rule": [
        {"action": {"type": "Delete"}, "condition": {"matchesPrefix": ["tmp/"]}}]}})
    seed(emulator_url, "pass-noncurrent-date-delete", **{**good, "lifecycle": {"rule": [
        {"action": {"type": "Delete"}, "condition": {"createdBefore": "2020-01-01", "isLive": False}}]}})
    seed(emulator_url, "pass-custom-time-delete", **{**good, "lifecycle": {"rule": [
        {"action": {"type": "Delete"}, "condition": {"daysSinceCustomTime": LONG}}]}})
    seed(emulator_url, "fail-custom-time-delete", **{**good, "lifecycle": {"rule": [
        {"action": {"type": "Delete"}, "condition": {"daysSinceCustomTime": 7}}]}})

    inventory, findings = scan(gcp)
    assert not inventory.failures
    every = {"pass-all", "fail-defaults", "fail-public-iam", "fail-authenticated-iam", "fail-inherited",
             "fail-unlocked", "fail-short-retention", "fail-website", "fail-young-delete", "fail-ageless-delete",
             "pass-custom-time-delete", "fail-custom-time-delete", "unknown-date-only-delete",
             "pass-noncurrent-date-delete"}

    def expect(check_id: str, failing: set[str], unknown: frozenset[str] = frozenset()) -> None:
        want = {n: ("fail" if n in failing else "unknown" if n in unknown else "pass") for n in every}
        assert outcome(findings, check_id) == want, check_id

    expect("GCP-GCS-ENCRYPTION-AT-REST", set())
    expect("GCP-GCS-CMK", {"fail-defaults"})
    expect("GCP-GCS-TLS", {"fail-website"})
    expect("GCP-GCS-PUBLIC-ACCESS-PREVENTION", {"fail-defaults", "fail-inherited"})
    expect("GCP-GCS-IAM-PUBLIC", {"fail-public-iam", "fail-authenticated-iam"})
    expect("GCP-GCS-UNIFORM-ACCESS", {"fail-defaults"})
    expect("GCP-GCS-USAGE-LOGGING", {"fail-defaults"})
    expect("GCP-GCS-VERSIONING", {"fail-defaults"})
    expect("GCP-GCS-RETENTION-LOCK", {"fail-defaults", "fail-unlocked", "fail-short-retention"})
    expect("GCP-GCS-LIFECYCLE-RETENTION", {"fail-young-delete", "fail-ageless-delete", "fail-custom-time-delete"},
           frozenset({"unknown-date-only-delete"}))

    by_name = {r.name: r for r in inventory.resources if r.type == "gcp.storage.bucket"}
    assert by_name["pass-all"].id == "//storage.googleapis.com/projects/_/buckets/pass-all"
    assert by_name["pass-all"].tags == {"data": "imaging"}
    assert by_name["pass-all"].account == PROJECT
    tls = next(f for f in findings if f.check_id == "GCP-GCS-TLS" and f.resource.address.endswith("/pass-all"))
    assert "HTTPS" in tls.evidence["by_design"]
    assert tls.evidence["observed"] == {"website": None, "api_min_tls_version": "TLS_1_2"}
    cmk = next(f for f in findings if f.check_id == "GCP-GCS-CMK" and f.resource.address.endswith("/pass-all"))
    assert cmk.evidence["observed"] == {"encryption.default_kms_key_name": KEY}


def test_imaging_scope_selects_buckets_by_label(gcp: RestFixture, emulator_url: str) -> None:
    from scanner.catalog import load_catalog
    from scanner.engine.evaluate import evaluate_inventory
    from tests.gcp.conftest import collector

    seed(emulator_url, "pacs-images", labels={"data": "imaging"})
    seed(emulator_url, "marketing-site")
    catalog = load_catalog()
    parameters = {**catalog.defaults(), "imaging_data": {"tags": {"data": "imaging"}, "name_patterns": []}}
    findings = evaluate_inventory(catalog, parameters, collector(gcp).collect(), "gcp")
    assert set(outcome(findings, "GCP-GCS-VERSIONING")) == {"pacs-images"}


def test_the_read_plan_reads_iam_only_of_buckets_in_scope_and_lists_only_judged_kinds(
        gcp: RestFixture, emulator_url: str) -> None:
    """Planned as a scan plans it: a bucket outside the imaging_data scope (the listing's labels decide)
    gets no getIamPolicy; narrowed to one storage rule, nothing but the buckets is listed. Verdicts of
    the buckets in scope are those of a full read."""
    from scanner.catalog import load_catalog
    from scanner.engine.evaluate import evaluate_inventory
    from scanner.engine.plan import NOT_READ, ReadPlan
    from tests.gcp.conftest import collector

    seed(emulator_url, "pacs-images", iam=(("roles/storage.objectViewer", "allUsers"),), labels={"data": "imaging"})
    seed(emulator_url, "marketing-site", iam=(("roles/storage.objectViewer", "allUsers"),))
    catalog = load_catalog()
    parameters = {**catalog.defaults(), "imaging_data": {"tags": {"data": "imaging"}, "name_patterns": []}}
    plan = ReadPlan.for_rules(catalog, catalog.rules_for("gcp"), parameters, "gcp")
    planned, full = collector(gcp), collector(gcp)
    inventory = planned.collect(plan=plan)
    assert inventory.calls["storage:buckets.getIamPolicy"] == 1
    outside = next(r for r in inventory.resources if r.name == "marketing-site")
    assert outside.skipped == {"iam": f"{NOT_READ} (outside the imaging_data scope, so no rule judges this resource)"}
    assert inventory.calls_by_kind["gcp.storage.bucket"] == {"storage:buckets.getIamPolicy": 1,
                                                               "storage:buckets.list": 1}
    assert evaluate_inventory(catalog, parameters, inventory, "gcp", plan.rules) == evaluate_inventory(
        catalog, parameters, full.collect(), "gcp")
    narrowed = ReadPlan.for_rules(catalog, [r for r in catalog.rules if r.id == "GCP-GCS-VERSIONING"], parameters,
                                  "gcp")
    only = collector(gcp).collect(plan=narrowed)
    assert set(only.calls) == {"storage:buckets.list"}
