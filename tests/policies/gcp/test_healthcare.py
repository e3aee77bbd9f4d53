"""The Cloud Healthcare normaliser (datasets, DICOM stores, their grants, exports and audit configs) on
small hand-built configurations, each test naming its semantic; and the property: replacing any
argument that decides a passing rule with a form the evaluator cannot resolve never lets it pass."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance
from tests.policies.gcp.helpers import config, instance, judge, status
from tests.policies.gcp.test_unknown_property import FORMS

DS, ST = "google_healthcare_dataset", "google_healthcare_dicom_store"
KEY = "projects/p/locations/us/keyRings/r/cryptoKeys/k"


def ref(address: str, attribute: str = "id") -> Unknown:
    return Unknown(f"{address}.{attribute} is known only after apply", symbol=f"{address}.{attribute}")


def dataset(name: str = "d", **attrs: Any) -> TfInstance:
    return instance(DS, name, {"name": name, "location": "us", "project": "p", **attrs})


def store(name: str = "s", parent: str = "d", **attrs: Any) -> TfInstance:
    return instance(ST, name, {"name": name, "dataset": ref(f"{DS}.{parent}"), **attrs},
                    refs={"dataset": (f"{DS}.{parent}",)})


def audit(project: str = "p", service: str = "allServices", types: tuple[str, ...] = ("DATA_READ", "DATA_WRITE"),
          name: str = "a") -> TfInstance:
    return instance("google_project_iam_audit_config", name, {
        "project": project, "service": service, "audit_log_config": [{"log_type": t} for t in types]})


def grant(kind: str, name: str, via: str, target: str, member: str) -> TfInstance:
    return instance(kind, name, {via: ref(target), "role": "roles/x", "member": member},
                    refs={via: (target,)})


def verdict(rule: str, address: str, *instances: TfInstance) -> str:
    return status(judge(config(*instances)), rule, address)


# --- semantics ------------------------------------------------------------------------------------


def test_a_store_is_encrypted_with_its_datasets_key() -> None:
    assert verdict("GCP-HEALTHCARE-DICOM-CMEK", f"{ST}.s", dataset(encryption_spec=[{"kms_key_name": KEY}]),
                   store()) == "pass"
    assert verdict("GCP-HEALTHCARE-DICOM-CMEK", f"{ST}.s", dataset(), store()) == "fail"


def test_a_key_given_as_a_reference_is_a_key() -> None:
    key = instance("google_kms_crypto_key", "k", {"name": "k"})
    found = dataset(encryption_spec=[{"kms_key_name": ref("google_kms_crypto_key.k")}])
    found = instance(DS, "d", found.attrs, refs={"encryption_spec": ("google_kms_crypto_key.k",)})
    assert verdict("GCP-HEALTHCARE-DATASET-CMEK", f"{DS}.d", key, found) == "pass"


def test_a_store_in_a_dataset_outside_the_configuration_has_an_unknown_key() -> None:
    outside = instance(ST, "s", {"name": "s", "dataset": "projects/p/locations/us/datasets/elsewhere"})
    assert verdict("GCP-HEALTHCARE-DICOM-CMEK", f"{ST}.s", dataset(), outside) == "unknown"


def test_a_literal_dataset_id_links_the_store() -> None:
    literal = instance(ST, "s", {"name": "s", "dataset": "projects/p/locations/us/datasets/d"})
    assert verdict("GCP-HEALTHCARE-DICOM-CMEK", f"{ST}.s", dataset(), literal) == "fail"


def test_dataset_grants_apply_to_its_stores() -> None:
    public = grant("google_healthcare_dataset_iam_member", "g", "dataset_id", f"{DS}.d", "allUsers")
    assert verdict("GCP-HEALTHCARE-DICOM-IAM-PUBLIC", f"{ST}.s", dataset(), store(), public) == "fail"
    assert verdict("GCP-HEALTHCARE-DATASET-IAM-PUBLIC", f"{DS}.d", dataset(), store(), public) == "fail"
    other = grant("google_healthcare_dataset_iam_member", "g", "dataset_id", f"{DS}.e", "allUsers")
    assert verdict("GCP-HEALTHCARE-DICOM-IAM-PUBLIC", f"{ST}.s", dataset(), dataset("e"), store(), other) == "pass"


def test_a_store_grant_does_not_make_its_dataset_public() -> None:
    public = grant("google_healthcare_dicom_store_iam_member", "g", "dicom_store_id", f"{ST}.s",
                   "allAuthenticatedUsers")
    assert verdict("GCP-HEALTHCARE-DICOM-IAM-PUBLIC", f"{ST}.s", dataset(), store(), public) == "fail"
    assert verdict("GCP-HEALTHCARE-DATASET-IAM-PUBLIC", f"{DS}.d", dataset(), store(), public) == "pass"


def test_audit_logs_of_the_datasets_project_decide_and_none_declared_is_unknown() -> None:
    rule, address = "GCP-HEALTHCARE-DATA-ACCESS-LOGS", f"{ST}.s"
    assert verdict(rule, address, dataset(), store(), audit()) == "pass"
    assert verdict(rule, address, dataset(), store(), audit(types=("DATA_READ",))) == "fail"
    assert verdict(rule, address, dataset(), store(), audit(project="other")) == "unknown"
    assert verdict(rule, address, dataset(), store()) == "unknown"
    assert verdict(rule, address, dataset(), store(), audit(service="storage.googleapis.com")) == "unknown"
    folder = instance("google_folder_iam_audit_config", "f", {"folder": "folders/1", "service": "allServices",
                                                              "audit_log_config": [{"log_type": "DATA_READ"}]})
    assert verdict(rule, address, dataset(), store(), audit(types=("DATA_READ",)), folder) == "unknown"


def test_exports_to_an_undeclared_destination_are_unknown_and_no_export_is_not_applicable() -> None:
    streaming = store(stream_configs=[{"bigquery_destination": [{"table_uri": "bq://x.y.z"}]}])
    assert verdict("GCP-HEALTHCARE-DICOM-EXPORT-CMEK", f"{ST}.s", dataset(), streaming) == "unknown"
    assert verdict("GCP-HEALTHCARE-DICOM-EXPORT-PUBLIC", f"{ST}.s", dataset(), streaming) == "unknown"
    assert verdict("GCP-HEALTHCARE-DICOM-EXPORT-CMEK", f"{ST}.s", dataset(), store()) == "not_applicable"


def test_a_bigquery_table_key_or_its_datasets_default_key_counts() -> None:
    bq = instance("google_bigquery_dataset", "b", {"dataset_id": "meta", "project": "p"})
    table = instance("google_bigquery_table", "t", {"dataset_id": "meta", "table_id": "inst", "project": "p",
                                                     "encryption_configuration": [{"kms_key_name": KEY}]})
    streaming = store(stream_configs=[{"bigquery_destination": [{"table_uri": "bq://p.meta.inst"}]}])
    assert verdict("GCP-HEALTHCARE-DICOM-EXPORT-CMEK", f"{ST}.s", dataset(), bq, table, streaming) == "pass"
    assert verdict("GCP-HEALTHCARE-DICOM-EXPORT-CMEK", f"{ST}.s", dataset(), bq, streaming) == "fail"
    keyed = instance("google_bigquery_dataset", "b", {"dataset_id": "meta", "project": "p",
                                                      "default_encryption_configuration": [{"kms_key_name": KEY}]})
    assert verdict("GCP-HEALTHCARE-DICOM-EXPORT-CMEK", f"{ST}.s", dataset(), keyed, streaming) == "pass"


def test_a_public_bigquery_dataset_grant_makes_the_export_public() -> None:
    bq = instance("google_bigquery_dataset", "b", {"dataset_id": "meta", "project": "p"})
    streaming = store(stream_configs=[{"bigquery_destination": [{"table_uri": "bq://p.meta.inst"}]}])
    public = instance("google_bigquery_dataset_iam_member", "g", {"dataset_id": "meta", "role": "roles/x",
                                                                  "member": "allUsers"})
    access = instance("google_bigquery_dataset_access", "a", {"dataset_id": "meta", "role": "READER",
                                                             "special_group": "allAuthenticatedUsers"})
    rule = "GCP-HEALTHCARE-DICOM-EXPORT-PUBLIC"
    assert verdict(rule, f"{ST}.s", dataset(), bq, streaming) == "pass"
    assert verdict(rule, f"{ST}.s", dataset(), bq, streaming, public) == "fail"
    assert verdict(rule, f"{ST}.s", dataset(), bq, streaming, access) == "fail"


# --- property: never pass on what cannot be resolved ----------------------------------------------

Case = tuple[str, list[TfInstance], str, str, tuple[Any, ...]]  # (rule, instances, judged, changed, path)


def _replace(instances: list[TfInstance], address: str, path: tuple[Any, ...], form: Callable[[bool], Unknown]
             ) -> list[TfInstance]:
    out: list[TfInstance] = []
    for found in instances:
        if found.address != address:
            out.append(found)
            continue
        attrs = copy.deepcopy(dict(found.attrs))
        node: Any = attrs
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = form(isinstance(path[-1], int))
        refs = {k: v for k, v in found.refs.items() if k != path[0]}  # the value no longer comes from them
        out.append(instance(found.type, found.name, attrs, refs=refs))
    return out


TOPIC = instance("google_pubsub_topic", "t", {"name": "dicom-new", "project": "p", "kms_key_name": KEY})
NOTIFYING = store(notification_config=[{"pubsub_topic": "projects/p/topics/dicom-new"}])
TOPIC_GRANT = instance("google_pubsub_topic_iam_member", "g", {"topic": "dicom-new", "role": "roles/x",
                                                               "member": "group:a@example.org"})
GOOD = [dataset(encryption_spec=[{"kms_key_name": KEY}]), store(), audit(),
        grant("google_healthcare_dataset_iam_member", "dg", "dataset_id", f"{DS}.d", "group:a@example.org"),
        grant("google_healthcare_dicom_store_iam_member", "sg", "dicom_store_id", f"{ST}.s", "user:b@example.org")]
#: public grants on another dataset and another store: ours pass until a grant's target is not known
ELSEWHERE = [dataset(), dataset("e"), store(), store("s2", "e"),
             grant("google_healthcare_dataset_iam_member", "pe", "dataset_id", f"{DS}.e", "allUsers"),
             grant("google_healthcare_dicom_store_iam_member", "ps", "dicom_store_id", f"{ST}.s2", "allUsers")]
EXPORTING = [dataset(encryption_spec=[{"kms_key_name": KEY}]), NOTIFYING, TOPIC, TOPIC_GRANT,
             instance("google_pubsub_topic", "t2", {"name": "other", "project": "p"}),
             instance("google_pubsub_topic_iam_member", "pg", {"topic": "other", "role": "roles/x",
                                                               "member": "allUsers"})]
CASES: list[Case] = [
    ("GCP-HEALTHCARE-DATASET-CMEK", GOOD, f"{DS}.d", f"{DS}.d", ("encryption_spec",)),
    ("GCP-HEALTHCARE-DATASET-CMEK", GOOD, f"{DS}.d", f"{DS}.d", ("encryption_spec", 0)),
    ("GCP-HEALTHCARE-DATASET-CMEK", GOOD, f"{DS}.d", f"{DS}.d", ("encryption_spec", 0, "kms_key_name")),
    ("GCP-HEALTHCARE-DICOM-CMEK", GOOD, f"{ST}.s", f"{DS}.d", ("encryption_spec", 0, "kms_key_name")),
    ("GCP-HEALTHCARE-DICOM-CMEK", GOOD, f"{ST}.s", f"{ST}.s", ("dataset",)),
    ("GCP-HEALTHCARE-DATASET-IAM-PUBLIC", GOOD, f"{DS}.d", "google_healthcare_dataset_iam_member.dg", ("member",)),
    ("GCP-HEALTHCARE-DATASET-IAM-PUBLIC", ELSEWHERE, f"{DS}.d", "google_healthcare_dataset_iam_member.pe",
     ("dataset_id",)),
    ("GCP-HEALTHCARE-DICOM-IAM-PUBLIC", ELSEWHERE, f"{ST}.s", "google_healthcare_dataset_iam_member.pe",
     ("dataset_id",)),
    ("GCP-HEALTHCARE-DICOM-IAM-PUBLIC", ELSEWHERE, f"{ST}.s", "google_healthcare_dicom_store_iam_member.ps",
     ("dicom_store_id",)),
    ("GCP-HEALTHCARE-DICOM-IAM-PUBLIC", GOOD, f"{ST}.s", "google_healthcare_dataset_iam_member.dg", ("member",)),
    ("GCP-HEALTHCARE-DICOM-IAM-PUBLIC", GOOD, f"{ST}.s", "google_healthcare_dicom_store_iam_member.sg",
     ("member",)),
    ("GCP-HEALTHCARE-DICOM-IAM-PUBLIC", ELSEWHERE, f"{ST}.s", f"{ST}.s", ("dataset",)),
    ("GCP-HEALTHCARE-DATA-ACCESS-LOGS", GOOD, f"{ST}.s", "google_project_iam_audit_config.a", ("service",)),
    ("GCP-HEALTHCARE-DATA-ACCESS-LOGS", GOOD, f"{ST}.s", "google_project_iam_audit_config.a", ("project",)),
    ("GCP-HEALTHCARE-DATA-ACCESS-LOGS", GOOD, f"{ST}.s", "google_project_iam_audit_config.a",
     ("audit_log_config", 1, "log_type")),
    ("GCP-HEALTHCARE-DATA-ACCESS-LOGS", GOOD, f"{ST}.s", f"{DS}.d", ("project",)),
    ("GCP-HEALTHCARE-DICOM-EXPORT-CMEK", EXPORTING, f"{ST}.s", "google_pubsub_topic.t", ("kms_key_name",)),
    ("GCP-HEALTHCARE-DICOM-EXPORT-CMEK", EXPORTING, f"{ST}.s", f"{ST}.s", ("notification_config", 0,
                                                                         "pubsub_topic")),
    ("GCP-HEALTHCARE-DICOM-EXPORT-CMEK", EXPORTING, f"{ST}.s", "google_pubsub_topic.t", ("name",)),
    ("GCP-HEALTHCARE-DICOM-EXPORT-PUBLIC", EXPORTING, f"{ST}.s", "google_pubsub_topic_iam_member.g", ("member",)),
    ("GCP-HEALTHCARE-DICOM-EXPORT-PUBLIC", EXPORTING, f"{ST}.s", "google_pubsub_topic_iam_member.pg", ("topic",)),
    ("GCP-HEALTHCARE-DICOM-EXPORT-PUBLIC", EXPORTING, f"{ST}.s", f"{ST}.s", ("notification_config",)),
]


def test_every_base_configuration_passes() -> None:
    for rule, instances, judged, _changed, _path in CASES:
        assert verdict(rule, judged, *instances) == "pass", rule


@settings(max_examples=200, deadline=None)
@given(case=st.sampled_from(CASES), form=st.sampled_from(FORMS))
def test_healthcare_never_passes_on_an_unresolved_deciding_argument(case: Case,
                                                                    form: Callable[[bool], Unknown]) -> None:
    rule, instances, judged, changed, path = case
    got = verdict(rule, judged, *_replace(instances, changed, path, form))
    assert got not in ("pass", "not_applicable"), f"{rule}: {changed} {path} unknown gives {got}"


def test_a_table_uri_built_from_a_table_finds_the_tables_dataset_by_its_literal_id() -> None:
    keyed = instance("google_bigquery_dataset", "b", {"dataset_id": "meta", "project": "p",
                                                      "default_encryption_configuration": [{"kms_key_name": KEY}]})
    table = instance("google_bigquery_table", "t", {"dataset_id": "meta", "table_id": "inst", "project": "p"})
    uri = Unknown("known only after apply", symbol="bq://${google_bigquery_table.t.project}."
                  "${google_bigquery_table.t.dataset_id}.${google_bigquery_table.t.table_id}")
    streaming = instance(ST, "s", {"name": "s", "dataset": ref(f"{DS}.d"),
                                   "stream_configs": [{"bigquery_destination": [{"table_uri": uri}]}]},
                         refs={"dataset": (f"{DS}.d",), "stream_configs": ("google_bigquery_table.t",)})
    assert verdict("GCP-HEALTHCARE-DICOM-EXPORT-CMEK", f"{ST}.s", dataset(), keyed, table, streaming) == "pass"
    plain = instance("google_bigquery_dataset", "b", {"dataset_id": "meta"})  # the provider's project: maybe
    assert verdict("GCP-HEALTHCARE-DICOM-EXPORT-CMEK", f"{ST}.s", dataset(), plain, table, streaming) == "unknown"
