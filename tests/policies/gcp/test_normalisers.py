"""The GCP normalisers on small hand-built configurations: each test names the semantic it asserts."""

from __future__ import annotations

from typing import Any

from policies.terraform.normalise import normalise
from scanner.facts.resource import Resource
from scanner.facts.values import PartialDict, Unknown
from tests.policies.gcp.helpers import config, instance, judge, status

NO_VALUE = Unknown('variable "x" has no value')
SPREAD = Unknown("dynamic block: for_each is unknown", spread=True)


def only(kind: str, *instances: Any) -> Resource:
    found = [r for r in normalise(config(*instances)) if r.type == kind]
    assert len(found) == 1, found
    return found[0]


def fw(**attrs: Any) -> Resource:
    return only("gcp.compute.firewall", instance("google_compute_firewall", "f", {"name": "f", **attrs}))


# --- firewall -------------------------------------------------------------------------------------


def test_firewall_defaults_are_the_providers() -> None:
    facts = fw(allow=[{"protocol": "tcp", "ports": ["22"]}]).facts
    assert facts["direction"] == "INGRESS" and facts["disabled"] is False and facts["priority"] == 1000
    assert facts["source_ranges"] == [] and facts["source_tags"] == [] and facts["source_service_accounts"] == []


def test_firewall_ports_one_item_per_port_and_range_all_when_none() -> None:
    facts = fw(allow=[{"protocol": "TCP", "ports": ["22", "8000-9000", 443]}, {"protocol": "udp"}]).facts
    assert facts["allowed"] == [
        {"protocol": "tcp", "ports": {"from": 22, "to": 22}}, {"protocol": "tcp", "ports": {"from": 8000, "to": 9000}},
        {"protocol": "tcp", "ports": {"from": 443, "to": 443}}, {"protocol": "udp", "ports": "all"}]


def test_firewall_reversed_and_named_ports_stay_as_written_for_the_type_to_refuse() -> None:
    facts = fw(allow=[{"protocol": "tcp", "ports": ["200-100", "ssh"]}]).facts
    assert [i["ports"] for i in facts["allowed"]] == [{"from": 200, "to": 100}, "ssh"]


def test_firewall_unseen_blocks_and_unknown_ports_stay_unknown() -> None:
    facts = fw(allow=[SPREAD, {"protocol": "tcp", "ports": NO_VALUE}, {"protocol": NO_VALUE, "ports": ["104"]}]).facts
    assert isinstance(facts["allowed"][0], Unknown) and facts["allowed"][0].spread
    assert isinstance(facts["allowed"][1]["ports"], Unknown)
    assert isinstance(facts["allowed"][2]["protocol"], Unknown)


def test_firewall_source_variable_is_unknown_never_absent() -> None:
    resource = fw(source_ranges=NO_VALUE, allow=[{"protocol": "tcp", "ports": ["104"]}])
    assert resource.facts["source_ranges"] is NO_VALUE
    assert status(judge(config(instance("google_compute_firewall", "f", {
        "source_ranges": NO_VALUE, "allow": [{"protocol": "tcp", "ports": ["104"]}]}))),
        "GCP-FIREWALL-DICOM", "google_compute_firewall.f") == "unknown"


def test_firewall_deny_blocks_are_denied_items() -> None:
    facts = fw(deny=[{"protocol": "all"}]).facts
    assert facts["denied"] == [{"protocol": "all", "ports": "all"}] and facts["allowed"] == []


# --- references known only after apply ------------------------------------------------------------


def _key_ref() -> Unknown:
    return Unknown("google_kms_crypto_key.k.id is known only after apply", symbol="google_kms_crypto_key.k.id")


def test_a_reference_to_a_keys_id_is_a_key_set() -> None:
    key = instance("google_kms_crypto_key", "k", {"name": "k"})
    bucket = instance("google_storage_bucket", "b", {"name": "b", "encryption": [{"default_kms_key_name": _key_ref()}]},
                      refs={"encryption": ("google_kms_crypto_key.k",)})
    assert only("gcp.storage.bucket", key, bucket).facts["encryption"] == {
        "default_kms_key_name": "google_kms_crypto_key.k.id"}


def test_a_reference_to_another_attribute_or_type_stays_unknown() -> None:
    key = instance("google_kms_crypto_key", "k", {"name": "k"})
    odd = Unknown("google_kms_crypto_key.k.rotation_period", symbol="google_kms_crypto_key.k.rotation_period")
    bucket = instance("google_storage_bucket", "b", {"name": "b", "encryption": [{"default_kms_key_name": odd}]},
                      refs={"encryption": ("google_kms_crypto_key.k",)})
    assert isinstance(only("gcp.storage.bucket", key, bucket).facts["encryption"]["default_kms_key_name"], Unknown)
    proxy = instance("google_compute_target_https_proxy", "p", {"ssl_policy": _key_ref()},
                     refs={"ssl_policy": ("google_kms_crypto_key.k",)})
    assert isinstance(only("gcp.compute.target_https_proxy", key, proxy).facts["ssl_policy"], Unknown)


def test_plan_argument_the_configuration_does_not_write_is_the_default() -> None:
    subnet = instance("google_compute_subnetwork", "s", {"name": "s", "purpose": Unknown("known only after apply")},
                      refs={"name": ()}, plan=True)
    assert only("gcp.compute.subnetwork", subnet).facts["purpose"] is None
    written = instance("google_compute_subnetwork", "s", {"name": "s", "purpose": Unknown("known only after apply")},
                       refs={"name": (), "purpose": ()}, plan=True)
    assert isinstance(only("gcp.compute.subnetwork", written).facts["purpose"], Unknown)


# --- buckets --------------------------------------------------------------------------------------


def test_bucket_defaults_are_the_providers() -> None:
    facts = only("gcp.storage.bucket", instance("google_storage_bucket", "b", {"name": "pacs"})).facts
    assert facts["uniform_bucket_level_access"] is False and facts["public_access_prevention"] is None
    assert facts["versioning"] is None and facts["retention_policy"] is None and facts["logging"] is None
    assert facts["encryption"] == {"default_kms_key_name": None} and facts["website"] is None
    assert facts["iam"] == {"members": [], "bindings": []} and facts["lifecycle_rules"] == []


def test_bucket_labels_are_its_tags_as_evaluated() -> None:
    labels = PartialDict({"team": "pacs"}, NO_VALUE)
    found = only("gcp.storage.bucket", instance("google_storage_bucket", "b", {"name": NO_VALUE, "labels": labels}))
    assert found.tags is labels and found.names[0] is NO_VALUE


def test_retention_in_days_and_lock_default() -> None:
    facts = only("gcp.storage.bucket", instance("google_storage_bucket", "b", {
        "name": "b", "retention_policy": [{"retention_period": 172800}]})).facts
    assert facts["retention_policy"]["retention_period_days"] == 2 and facts["retention_policy"]["is_locked"] is False
    written_as_text = only("gcp.storage.bucket", instance("google_storage_bucket", "b", {
        "name": "b", "retention_policy": [{"retention_period": "172800"}]})).facts  # Terraform converts it
    assert written_as_text["retention_policy"]["retention_period_days"] == 2


def _grant(type_: str, name: str, bucket: Any, refs: tuple[str, ...] = (), **attrs: Any) -> Any:
    return instance(type_, name, {"bucket": bucket, "role": "roles/storage.objectViewer", **attrs},
                    refs={"bucket": refs})


def test_iam_grants_by_reference_literal_name_and_b_prefix_are_the_buckets() -> None:
    bucket = instance("google_storage_bucket", "b", {"name": "pacs"})
    grants = [
        _grant("google_storage_bucket_iam_member", "ref", NO_VALUE, ("google_storage_bucket.b",), member="user:a@x"),
        _grant("google_storage_bucket_iam_member", "lit", "pacs", member="allUsers"),
        _grant("google_storage_bucket_iam_binding", "pre", "b/pacs", members=["allAuthenticatedUsers"]),
        _grant("google_storage_bucket_iam_member", "other", "other", member="allUsers"),
    ]
    found = only("gcp.storage.bucket", bucket, *grants)
    assert found.facts["iam"]["members"] == ["allAuthenticatedUsers", "allUsers", "user:a@x"]
    assert {a for a, _ in found.configured_by} == {"google_storage_bucket_iam_member.ref",
                                                   "google_storage_bucket_iam_member.lit",
                                                   "google_storage_bucket_iam_binding.pre"}


def test_a_public_grant_of_unknown_bucket_makes_iam_unknown_a_private_one_does_not() -> None:
    bucket = instance("google_storage_bucket", "b", {"name": "pacs"})
    private = _grant("google_storage_bucket_iam_member", "p", NO_VALUE, member="group:x@y")
    assert only("gcp.storage.bucket", bucket, private).facts["iam"]["members"] == []
    public = _grant("google_storage_bucket_iam_member", "q", NO_VALUE, member="allUsers")
    members = only("gcp.storage.bucket", bucket, public).facts["iam"]["members"]
    assert len(members) == 1 and isinstance(members[0], Unknown) and members[0].spread


def test_a_grant_that_may_not_exist_never_fails_the_bucket() -> None:
    bucket = instance("google_storage_bucket", "b", {"name": "pacs", "public_access_prevention": "enforced"})
    grant = instance("google_storage_bucket_iam_member", "g", {"bucket": "pacs", "member": "allUsers"},
                     exists=Unknown("count is not known"))
    assert status(judge(config(bucket, grant)), "GCP-GCS-IAM-PUBLIC", "google_storage_bucket.b") == "unknown"


def test_two_authoritative_policies_on_one_bucket_are_unknown() -> None:
    bucket = instance("google_storage_bucket", "b", {"name": "pacs"})
    public = _grant("google_storage_bucket_iam_policy", "p1", "pacs",
                    policy_data='{"bindings": [{"role": "r", "members": ["allUsers"]}]}')
    private = _grant("google_storage_bucket_iam_policy", "p2", "pacs",
                     policy_data='{"bindings": [{"role": "r", "members": ["group:x@y"]}]}')
    assert status(judge(config(bucket, public, private)), "GCP-GCS-IAM-PUBLIC", "google_storage_bucket.b") == "unknown"


def test_policy_data_of_a_google_iam_policy_data_source_is_read() -> None:
    data = instance("google_iam_policy", "p", {"binding": [{"role": "r", "members": ["allUsers"]}]}, mode="data")
    symbol = Unknown("read at plan time", symbol="data.google_iam_policy.p.policy_data")
    bucket = instance("google_storage_bucket", "b", {"name": "pacs"})
    grant = instance("google_storage_bucket_iam_policy", "g", {"bucket": "pacs", "policy_data": symbol},
                     refs={"policy_data": ("data.google_iam_policy.p",)})
    assert only("gcp.storage.bucket", bucket, data, grant).facts["iam"]["members"] == ["allUsers"]


# --- lifecycle ------------------------------------------------------------------------------------


def _rules(*conditions: dict[str, Any]) -> list[Any]:
    bucket = instance("google_storage_bucket", "b", {"name": "b", "lifecycle_rule": [
        {"action": [{"type": "Delete"}], "condition": [c]} for c in conditions]})
    return list(only("gcp.storage.bucket", bucket).facts["lifecycle_rules"])


def test_lifecycle_zero_is_unset_unless_its_send_flag_says_so() -> None:
    rule = _rules({"num_newer_versions": 0, "days_since_noncurrent_time": 0, "created_before": "",
                   "send_days_since_noncurrent_time_if_zero": True, "with_state": "ANY", "age": 5})[0]
    assert rule["condition"]["num_newer_versions"] is None
    assert rule["condition"]["days_since_noncurrent_time"] == 0
    assert rule["condition"]["created_before"] is None and rule["condition"]["is_live"] is None


def test_lifecycle_age_zero_without_its_flag_is_zero_or_unset() -> None:
    age = _rules({"age": 0})[0]["condition"]["age"]
    assert isinstance(age, Unknown) and set(age.candidates) == {0, None}


def test_lifecycle_delete_by_date_only_has_an_unknown_age() -> None:
    rule = _rules({"created_before": "2020-01-01"})[0]
    assert isinstance(rule["condition"]["age"], Unknown) and "2020-01-01" in rule["condition"]["age"].reason
    noncurrent = _rules({"created_before": "2020-01-01", "with_state": "ARCHIVED"})[0]
    assert noncurrent["condition"]["age"] is None and noncurrent["condition"]["is_live"] is False


# --- audit configs --------------------------------------------------------------------------------


def _audit(name: str, project: Any, service: str, *types: str, **extra: Any) -> Any:
    return instance("google_project_iam_audit_config", name, {
        "project": project, "service": service, "audit_log_config": [{"log_type": t} for t in types]}, **extra)


def _audit_status(*instances: Any, address: str) -> str:
    return status(judge(config(*instances)), "GCP-STORAGE-DATA-ACCESS-LOGS", address)


def test_audit_configs_of_one_project_are_one_resource_judged_on_their_union() -> None:
    found = [r for r in normalise(config(_audit("a", "p", "allServices", "DATA_READ"),
                                         _audit("b", "p", "storage.googleapis.com", "DATA_WRITE")))
             if r.type == "gcp.project.audit_config"]
    assert len(found) == 1 and found[0].id == "google_project_iam_audit_config.a"
    assert _audit_status(_audit("a", "p", "allServices", "DATA_READ"),
                         _audit("b", "p", "storage.googleapis.com", "DATA_WRITE"),
                         address="google_project_iam_audit_config.a") == "pass"


def test_audit_config_that_may_not_exist_or_belong_never_decides() -> None:
    maybe = _audit("a", "p", "storage.googleapis.com", "DATA_READ", "DATA_WRITE", exists=Unknown("count"))
    assert _audit_status(maybe, address="google_project_iam_audit_config.a") == "unknown"
    short = _audit("a", "p", "storage.googleapis.com", "DATA_WRITE")
    assert _audit_status(short, address="google_project_iam_audit_config.a") == "fail"
    assert _audit_status(short, _audit("b", NO_VALUE, "allServices", "DATA_READ"),
                         address="google_project_iam_audit_config.a") == "unknown"


def test_two_audit_configs_of_one_service_for_one_project_are_unknown() -> None:
    both = _audit("a", "p", "storage.googleapis.com", "DATA_READ", "DATA_WRITE")
    admin = _audit("b", "p", "storage.googleapis.com", "ADMIN_READ")
    assert _audit_status(both, admin, address="google_project_iam_audit_config.a") == "unknown"


def test_organization_audit_configs_may_be_inherited_by_a_project() -> None:
    org = instance("google_organization_iam_audit_config", "o", {
        "org_id": "123", "service": "allServices", "audit_log_config": [{"log_type": "DATA_READ"}]})
    short = _audit("a", "p", "storage.googleapis.com", "DATA_WRITE")
    assert _audit_status(short, org, address="google_project_iam_audit_config.a") == "unknown"


# --- KMS, resource policies, disks -----------------------------------------------------------------


def test_rotation_period_in_seconds() -> None:
    def seconds(raw: Any) -> Any:
        key = instance("google_kms_crypto_key", "k", {"name": "k", "rotation_period": raw})
        return only("gcp.kms.crypto_key", key).facts["rotation_period_seconds"]

    assert seconds("7776000s") == 7776000 and seconds("86400.5s") == 86400 and seconds(None) is None
    assert isinstance(seconds("90d"), Unknown) and seconds(NO_VALUE) is NO_VALUE


def test_only_snapshot_schedules_have_a_schedule() -> None:
    placement = instance("google_compute_resource_policy", "p", {"group_placement_policy": [{"vm_count": 2}]})
    assert only("gcp.compute.resource_policy", placement).facts["snapshot_schedule"] is None
    bare = instance("google_compute_resource_policy", "s", {"snapshot_schedule_policy": [{"schedule": [{}]}]})
    facts = only("gcp.compute.resource_policy", bare).facts
    assert isinstance(facts["snapshot_schedule"]["retention_policy"], Unknown)


def test_disk_key_material_in_the_configuration() -> None:
    def key(**block: Any) -> Any:
        disk = instance("google_compute_disk", "d", {"disk_encryption_key": [block]} if block else {})
        return only("gcp.compute.disk", disk).facts["disk_encryption_key"]

    assert key() is None
    assert key(raw_key="c2VjcmV0")["key_in_configuration"] is True
    assert key(kms_key_self_link="projects/p/keys/k")["key_in_configuration"] is False
    assert isinstance(key(raw_key=NO_VALUE)["key_in_configuration"], Unknown)
