"""Cloud Storage buckets (resource type ``gcp.storage.bucket``).

One ``buckets.list`` per project (projection ``noAcl`` returns every setting below) and one
``buckets.getIamPolicy`` per bucket the read plan needs it of. Object contents are never read. ``address`` is the full resource
name ``//storage.googleapis.com/projects/_/buckets/NAME``; ``region`` is the bucket location (lower case).

| key | meaning | source |
| --- | --- | --- |
| ``uniform_bucket_level_access`` | bool: uniform bucket-level access on (no ACLs) | buckets.list ``iamConfiguration.uniformBucketLevelAccess.enabled`` |
| ``public_access_prevention`` | ``enforced`` / ``inherited`` (``unspecified`` on old buckets); None when absent | buckets.list ``iamConfiguration.publicAccessPrevention`` |
| ``iam.members`` | sorted unique members of every binding (e.g. ``allUsers``) | buckets.getIamPolicy (version 3) |
| ``iam.bindings`` | ``[{role, members, condition}]`` | buckets.getIamPolicy |
| ``versioning.enabled`` | bool: object versioning | buckets.list ``versioning.enabled`` |
| ``retention_policy`` | None when no retention policy; else ``{retention_period_seconds, retention_period_days, is_locked, effective_time}`` (days = seconds / 86400) | buckets.list ``retentionPolicy`` |
| ``encryption.default_kms_key_name`` | Cloud KMS key name, None for Google-managed keys | buckets.list ``encryption.defaultKmsKeyName`` |
| ``logging`` | None when usage logging is off; else ``{log_bucket, log_object_prefix}`` | buckets.list ``logging`` |
| ``website`` | None, or ``{main_page_suffix, not_found_page}`` (static website serving) | buckets.list ``website`` |
| ``lifecycle_rules`` | ``[{action: {type, storage_class}, condition: {age, days_since_custom_time, is_live, num_newer_versions, days_since_noncurrent_time, noncurrent_time_before, created_before, custom_time_before}}]``; a Delete rule by date only has an unknown ``age`` (lifecycle.py) | buckets.list ``lifecycle.rule`` |
| ``api_min_tls_version`` | ``TLS_1_2``: the lowest TLS version the JSON and XML APIs accept (a service guarantee) | |
| ``location`` / ``location_type`` | e.g. ``US`` / ``multi-region`` | buckets.list |
| ``storage_class`` | default storage class | buckets.list |
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scanner.collectors.gcp.errors import api_errors, reason
from scanner.collectors.gcp.session import FactReader, GcpSession
from scanner.engine.plan import KindPlan
from scanner.facts.resource import CollectionFailure, Resource
from scanner.gcs import API_MIN_TLS, date_only_age

TYPE = "gcp.storage.bucket"
_CONDITION_KEYS = {
    "age": "age", "daysSinceCustomTime": "days_since_custom_time", "isLive": "is_live",
    "numNewerVersions": "num_newer_versions", "daysSinceNoncurrentTime": "days_since_noncurrent_time",
    "noncurrentTimeBefore": "noncurrent_time_before", "createdBefore": "created_before",
    "customTimeBefore": "custom_time_before",
}


def collect(session: GcpSession, workers: int,
            plan: KindPlan | None = None) -> tuple[list[Resource], list[CollectionFailure]]:
    """Every bucket; its IAM policy only where the read plan needs it (not for a bucket outside the
    ``imaging_data`` scope, which the listing alone decides: names and labels)."""
    client = session.client("storage")
    try:
        buckets = session.call("storage:buckets.list", lambda: list(client.list_buckets(
            project=session.project, retry=session.retry, timeout=session.timeout)))
    except api_errors() as err:
        return [], [CollectionFailure("gcp", TYPE, session.project, None, reason(err))]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        resources = list(pool.map(lambda b: _bucket(session, b, plan or KindPlan(TYPE, everything=True)), buckets))
    return resources, []


def _bucket(session: GcpSession, bucket: Any, plan: KindPlan) -> Resource:
    raw: Mapping[str, Any] = bucket._properties  # the JSON resource exactly as buckets.list returned it
    name = str(raw["name"])
    labels = {str(k): str(v) for k, v in (raw.get("labels") or {}).items()}
    reader = FactReader(facts=settings(raw))
    needs = plan.needs(reader.facts, names=(name,), tags=labels)
    skipped: dict[str, str] = {}
    if "iam" in needs:
        reader.read(("iam",), lambda: {"iam": _iam(session, bucket)})
    else:
        skipped["iam"] = needs.why_not("iam")
    location = raw.get("location")
    return Resource(
        provider="gcp", type=TYPE, id=f"//storage.googleapis.com/projects/_/buckets/{name}", name=name,
        account=session.project, region=str(location).lower() if location else None,
        tags=labels, facts=reader.facts, errors=reader.errors, skipped=skipped,
    )


def settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Facts from the bucket resource JSON (everything except IAM)."""
    iam_config = raw.get("iamConfiguration") or {}
    return {
        "uniform_bucket_level_access": bool((iam_config.get("uniformBucketLevelAccess") or {}).get("enabled")),
        "public_access_prevention": iam_config.get("publicAccessPrevention"),
        "versioning": {"enabled": bool((raw.get("versioning") or {}).get("enabled"))},
        "retention_policy": _retention(raw.get("retentionPolicy")),
        "encryption": {"default_kms_key_name": (raw.get("encryption") or {}).get("defaultKmsKeyName")},
        "logging": _logging(raw.get("logging")),
        "website": _website(raw.get("website")),
        "api_min_tls_version": API_MIN_TLS,
        "lifecycle_rules": [_lifecycle_rule(r) for r in (raw.get("lifecycle") or {}).get("rule") or ()],
        "location": raw.get("location"),
        "location_type": raw.get("locationType"),
        "storage_class": raw.get("storageClass"),
    }


def _retention(policy: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not policy or policy.get("retentionPeriod") in (None, ""):
        return None
    seconds = int(policy["retentionPeriod"])
    return {"retention_period_seconds": seconds, "retention_period_days": seconds / 86400,
            "is_locked": bool(policy.get("isLocked")), "effective_time": policy.get("effectiveTime")}


def _logging(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not config or not config.get("logBucket"):
        return None
    return {"log_bucket": config["logBucket"], "log_object_prefix": config.get("logObjectPrefix")}


def _website(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not config or not (config.get("mainPageSuffix") or config.get("notFoundPage")):
        return None
    return {"main_page_suffix": config.get("mainPageSuffix"), "not_found_page": config.get("notFoundPage")}


def _number(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    action = rule.get("action") or {}
    condition = rule.get("condition") or {}
    facts = {ours: _number(condition.get(theirs)) for theirs, ours in _CONDITION_KEYS.items()}
    undated = date_only_age(action.get("type"), facts)
    if undated is not None:
        facts["age"] = undated
    return {"action": {"type": action.get("type"), "storage_class": action.get("storageClass")}, "condition": facts}


def _iam(session: GcpSession, bucket: Any) -> dict[str, Any]:
    policy = session.call("storage:buckets.getIamPolicy", lambda: bucket.get_iam_policy(
        requested_policy_version=3, retry=session.retry, timeout=session.timeout))
    bindings = [{"role": b.get("role"), "members": sorted(b.get("members") or ()),
                 "condition": (b.get("condition") or {}).get("expression")} for b in policy.bindings]
    members = sorted({m for b in bindings for m in b["members"]})
    return {"members": members, "bindings": bindings}
