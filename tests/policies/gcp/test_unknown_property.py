"""Property, per GCP normaliser: in a configuration where a rule passes, replacing an argument that
decides it with a form the evaluator cannot resolve never lets that rule pass.

The forms are those the evaluator gives: an unset typed variable, an iterator value of a dynamic
block over an unknown collection (a spread element where it stands in a list), a data source read
at plan time, a function of a variable, and an attribute of another resource known only after
apply. Each base configuration passes its rule (asserted), and every listed path decides it there:
an absent path is set (an argument that may or may not be given), a list index stands for the
elements of that list nobody could see.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.facts.values import Unknown
from tests.policies.gcp.helpers import config, instance, judge

Path = tuple[Any, ...]
Case = tuple[str, dict[str, Any], str, Path]  # (resource type, attrs, rule id, path)

FORMS: list[Callable[[bool], Unknown]] = [
    lambda spread: Unknown('variable "x" has no value: declared without a default', "main.tf:1", spread=spread),
    lambda spread: Unknown("dynamic 'allow': for_each is unknown", "main.tf:9", spread=spread),
    lambda spread: Unknown("data.google_x.y.value is read from the provider at plan time", "main.tf:4",
                           symbol="data.google_x.y.value", spread=spread),
    lambda spread: Unknown("lower: argument 1 is unknown (variable \"x\" has no value)", "main.tf:2", spread=spread),
    lambda spread: Unknown("google_compute_network.n.self_link is known only after apply", "main.tf:7",
                           symbol="google_compute_network.n.self_link", spread=spread),
]


def _replace(attrs: Any, path: Path, form: Callable[[bool], Unknown]) -> Any:
    out = copy.deepcopy(attrs)
    node = out
    for step in path[:-1]:
        node = node[step]
    last = path[-1]
    node[last] = form(isinstance(last, int))
    return out


def _status(type_: str, attrs: dict[str, Any], rule: str, extra: tuple[Any, ...] = ()) -> str:
    found = [f.status.value for f in judge(config(instance(type_, "r", attrs), *extra))
             if f.check_id == rule and f.resource.address == f"{type_}.r"]
    assert len(found) == 1, (rule, found)
    return found[0]


def _check(case: Case, form: Callable[[bool], Unknown]) -> None:
    type_, attrs, rule, path = case
    assert _status(type_, attrs, rule) in ("pass", "not_applicable"), case
    got = _status(type_, _replace(attrs, path, form), rule)
    assert got not in ("pass", "not_applicable"), f"{rule}: {path} unknown gives {got}"


def _cases(type_: str, attrs: dict[str, Any], rule: str, *paths: Path) -> list[Case]:
    return [(type_, attrs, rule, p) for p in paths]


# --- firewall -------------------------------------------------------------------------------------

FW = "google_compute_firewall"
WORLD_HTTPS = {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["443"]}]}
PRIVATE_DICOM = {"source_ranges": ["10.0.0.0/8"], "allow": [{"protocol": "tcp", "ports": ["104", "22"]}]}
TAGGED_DICOM = {"source_tags": ["modality"], "allow": [{"protocol": "tcp", "ports": ["104", "22"]}]}
EGRESS = {"direction": "EGRESS", "allow": [{"protocol": "tcp", "ports": ["104", "22"]}]}
DISABLED = {"disabled": True, "source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "tcp", "ports": ["104", "22"]}]}
UDP_DICOM = {"source_ranges": ["0.0.0.0/0"], "allow": [{"protocol": "udp", "ports": ["104"]}]}
FIREWALL_CASES = [
    case for rule in ("GCP-FIREWALL-DICOM", "GCP-FIREWALL-ADMIN") for case in [
        *_cases(FW, WORLD_HTTPS, rule, ("allow",), ("allow", 0), ("allow", 0, "ports"), ("allow", 0, "ports", 0)),
        *_cases(FW, PRIVATE_DICOM, rule, ("source_ranges",), ("source_ranges", 0)),
        *_cases(FW, TAGGED_DICOM, rule, ("source_tags",), ("source_tags", 0)),
        *_cases(FW, EGRESS, rule, ("direction",)),
        *_cases(FW, DISABLED, rule, ("disabled",)),
    ]
] + _cases(FW, UDP_DICOM, "GCP-FIREWALL-DICOM", ("allow", 0, "protocol"))


@settings(max_examples=150, deadline=None)
@given(case=st.sampled_from(FIREWALL_CASES), form=st.sampled_from(FORMS))
def test_firewall_never_passes_on_an_unresolved_deciding_argument(case: Case, form: Callable[[bool], Unknown]) -> None:
    _check(case, form)


# --- buckets --------------------------------------------------------------------------------------

GOOD_BUCKET: dict[str, Any] = {
    "name": "pacs", "uniform_bucket_level_access": True, "public_access_prevention": "enforced",
    "versioning": [{"enabled": True}], "retention_policy": [{"retention_period": 189216000, "is_locked": True}],
    "encryption": [{"default_kms_key_name": "projects/p/locations/eu/keyRings/r/cryptoKeys/k"}],
    "logging": [{"log_bucket": "pacs-logs"}],
    "lifecycle_rule": [{"action": [{"type": "Delete"}], "condition": [{"age": 3650}]}],
}
ARCHIVING_BUCKET = {**GOOD_BUCKET, "lifecycle_rule": [{"action": [{"type": "SetStorageClass"}],
                                                      "condition": [{"age": 30}]}]}
NONCURRENT_BUCKET = {**GOOD_BUCKET, "lifecycle_rule": [{"action": [{"type": "Delete"}],
                                                       "condition": [{"num_newer_versions": 3}]}]}
B = "google_storage_bucket"
BUCKET_CASES = [
    *_cases(B, GOOD_BUCKET, "GCP-GCS-UNIFORM-ACCESS", ("uniform_bucket_level_access",)),
    *_cases(B, GOOD_BUCKET, "GCP-GCS-PUBLIC-ACCESS-PREVENTION", ("public_access_prevention",)),
    *_cases(B, GOOD_BUCKET, "GCP-GCS-VERSIONING", ("versioning",), ("versioning", 0), ("versioning", 0, "enabled")),
    *_cases(B, GOOD_BUCKET, "GCP-GCS-RETENTION-LOCK", ("retention_policy",), ("retention_policy", 0),
            ("retention_policy", 0, "retention_period"), ("retention_policy", 0, "is_locked")),
    *_cases(B, GOOD_BUCKET, "GCP-GCS-CMK", ("encryption",), ("encryption", 0),
            ("encryption", 0, "default_kms_key_name")),
    *_cases(B, GOOD_BUCKET, "GCP-GCS-USAGE-LOGGING", ("logging",), ("logging", 0), ("logging", 0, "log_bucket")),
    *_cases(B, GOOD_BUCKET, "GCP-GCS-TLS", ("website",)),
    *_cases(B, GOOD_BUCKET, "GCP-GCS-LIFECYCLE-RETENTION", ("lifecycle_rule",), ("lifecycle_rule", 0),
            ("lifecycle_rule", 0, "condition"), ("lifecycle_rule", 0, "condition", 0),
            ("lifecycle_rule", 0, "condition", 0, "age")),
    *_cases(B, ARCHIVING_BUCKET, "GCP-GCS-LIFECYCLE-RETENTION", ("lifecycle_rule", 0, "action"),
            ("lifecycle_rule", 0, "action", 0, "type")),
    *_cases(B, NONCURRENT_BUCKET, "GCP-GCS-LIFECYCLE-RETENTION", ("lifecycle_rule", 0, "condition", 0,
                                                                  "num_newer_versions")),
]


@settings(max_examples=150, deadline=None)
@given(case=st.sampled_from(BUCKET_CASES), form=st.sampled_from(FORMS))
def test_bucket_never_passes_on_an_unresolved_deciding_argument(case: Case, form: Callable[[bool], Unknown]) -> None:
    _check(case, form)


GRANT_PATHS: list[Path] = [("member",), ("bucket",)]


@settings(max_examples=40, deadline=None)
@given(path=st.sampled_from(GRANT_PATHS), form=st.sampled_from(FORMS), public=st.booleans())
def test_bucket_iam_never_passes_on_an_unresolved_grant(path: Path, form: Callable[[bool], Unknown],
                                                        public: bool) -> None:
    """A grant whose member is unresolved, or a public grant whose bucket is, never lets the bucket pass."""
    member = "allUsers" if public and path == ("bucket",) else "group:radiology@example.org"
    grant = {"bucket": "pacs", "role": "roles/storage.objectViewer", "member": member}
    bucket = instance(B, "r", GOOD_BUCKET)
    if path == ("bucket",) and not public:
        return  # a private grant cannot make the bucket public wherever it applies
    changed = instance("google_storage_bucket_iam_member", "g", _replace(grant, path, form))
    found = [f.status.value for f in judge(config(bucket, changed)) if f.check_id == "GCP-GCS-IAM-PUBLIC"]
    assert found == ["unknown"]


# --- TLS, subnetworks, resource policies, disks ---------------------------------------------------------

COMPUTE_CASES = [
    *_cases("google_compute_ssl_policy", {"min_tls_version": "TLS_1_2", "profile": "MODERN"},
            "GCP-SSL-POLICY-MIN-TLS", ("min_tls_version",)),
    *_cases("google_compute_target_https_proxy", {"ssl_policy": "projects/p/global/sslPolicies/modern"},
            "GCP-HTTPS-PROXY-SSL-POLICY", ("ssl_policy",)),
    *_cases("google_compute_target_ssl_proxy", {"ssl_policy": "projects/p/global/sslPolicies/modern"},
            "GCP-SSL-PROXY-SSL-POLICY", ("ssl_policy",)),
    *_cases("google_compute_subnetwork", {"log_config": [{"aggregation_interval": "INTERVAL_5_SEC"}]},
            "GCP-SUBNET-FLOW-LOGS", ("log_config",), ("log_config", 0)),
    *_cases("google_compute_subnetwork", {"purpose": "REGIONAL_MANAGED_PROXY"}, "GCP-SUBNET-FLOW-LOGS", ("purpose",)),
    *_cases("google_compute_resource_policy", {"snapshot_schedule_policy": [{"retention_policy": [
        {"max_retention_days": 60}]}]}, "GCP-SNAPSHOT-RETENTION", ("snapshot_schedule_policy",),
        ("snapshot_schedule_policy", 0), ("snapshot_schedule_policy", 0, "retention_policy"),
        ("snapshot_schedule_policy", 0, "retention_policy", 0),
        ("snapshot_schedule_policy", 0, "retention_policy", 0, "max_retention_days")),
    *_cases("google_compute_resource_policy", {"group_placement_policy": [{"vm_count": 2}]},
            "GCP-SNAPSHOT-RETENTION", ("snapshot_schedule_policy",)),
    *_cases("google_compute_disk", {"disk_encryption_key": [{"kms_key_self_link": "projects/p/keys/k"}]},
            "GCP-DISK-KEY-NOT-IN-CONFIGURATION", ("disk_encryption_key",), ("disk_encryption_key", 0),
            ("disk_encryption_key", 0, "raw_key"), ("disk_encryption_key", 0, "rsa_encrypted_key")),
    *_cases("google_compute_disk", {}, "GCP-DISK-KEY-NOT-IN-CONFIGURATION", ("disk_encryption_key",)),
]


@settings(max_examples=150, deadline=None)
@given(case=st.sampled_from(COMPUTE_CASES), form=st.sampled_from(FORMS))
def test_compute_never_passes_on_an_unresolved_deciding_argument(case: Case, form: Callable[[bool], Unknown]) -> None:
    _check(case, form)


# --- KMS and audit configs ----------------------------------------------------------------------------

AUDIT = {"project": "pacs-prod", "service": "storage.googleapis.com",
         "audit_log_config": [{"log_type": "DATA_READ"}, {"log_type": "DATA_WRITE"}]}
PLATFORM_CASES = [
    *_cases("google_kms_crypto_key", {"rotation_period": "7776000s"}, "GCP-KMS-ROTATION", ("rotation_period",)),
    *_cases("google_project_iam_audit_config", AUDIT, "GCP-STORAGE-DATA-ACCESS-LOGS", ("service",),
            ("audit_log_config",), ("audit_log_config", 0), ("audit_log_config", 1),
            ("audit_log_config", 0, "log_type"), ("project",)),
]


@settings(max_examples=80, deadline=None)
@given(case=st.sampled_from(PLATFORM_CASES), form=st.sampled_from(FORMS))
def test_platform_never_passes_on_an_unresolved_deciding_argument(case: Case, form: Callable[[bool], Unknown]) -> None:
    _check(case, form)
