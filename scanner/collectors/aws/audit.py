"""CloudTrail: every trail visible to the account, and one account-level summary.

Trails are listed in every scanned region with ``includeShadowTrails`` (so multi-region and
organization trails created elsewhere are seen), de-duplicated by ARN, then read once each in
their home region (GetTrailStatus, GetEventSelectors).

``aws.cloudtrail.trail`` (id: the trail ARN; region: its home region)

=====================  =========================================================  ====================
key                    meaning                                                    source
=====================  =========================================================  ====================
name                   trail name                                                 DescribeTrails
home_region            region the trail was created in                            DescribeTrails
multi_region           IsMultiRegionTrail                                         DescribeTrails
organization_trail     IsOrganizationTrail                                        DescribeTrails
log_file_validation    LogFileValidationEnabled                                   DescribeTrails
kms_key_id             KMS key encrypting log files (``None``: SSE-S3 only)       DescribeTrails
s3_bucket              bucket receiving the logs                                  DescribeTrails
is_logging             IsLogging                                                  GetTrailStatus
latest_delivery_error  last delivery error (``None`` when none)                   GetTrailStatus
management_events      management events recorded (any selector)                  GetEventSelectors
s3_data_events         S3 object-level (data event) coverage: one item per        GetEventSelectors
                       bucket/prefix selected: ``bucket`` (``*`` = all buckets),
                       ``prefix``, ``read_write`` (``All``/``ReadOnly``/
                       ``WriteOnly``), ``excludes`` (ARN prefixes an advanced
                       selector leaves out); ``[]`` when none
=====================  =========================================================  ====================

``aws.cloudtrail.account`` (id: ``aws-account/<account>/cloudtrail``; region ``None``)

=========  ========================================================================  ==============
key        meaning                                                                   source
=========  ========================================================================  ==============
trails     every trail above, as an item with the keys ``arn``, ``name``,            as above
           ``multi_region``, ``log_file_validation``, ``kms_key_id``, ``is_logging``,
           ``s3_data_events``. Unreadable as a whole (``errors["trails"]``) when any
           region's listing or any trail's status failed: an account-wide rule must
           not pass or fail on a partial view.
=========  ========================================================================  ==============
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from scanner.cloudtrail_events import event_coverage
from scanner.collectors.aws.network import Collected, per_region
from scanner.collectors.aws.reads import READS
from scanner.collectors.aws.session import AwsSession, FactReader
from scanner.collectors.planned import read_planned
from scanner.engine.plan import NOT_READ, KindPlan
from scanner.facts.resource import CollectionFailure, Resource

__all__ = ["collect_trails", "event_coverage"]

TRAIL = "aws.cloudtrail.trail"
ACCOUNT = "aws.cloudtrail.account"
_SUMMARY_KEYS = ("arn", "name", "multi_region", "log_file_validation", "kms_key_id", "is_logging", "s3_data_events")


def _trail(raw: Mapping[str, Any], session: AwsSession, plan: KindPlan) -> Resource:
    home = str(raw.get("HomeRegion") or "us-east-1")
    arn = str(raw["TrailARN"])
    reader = FactReader(facts={
        "name": raw.get("Name"), "home_region": home, "multi_region": bool(raw.get("IsMultiRegionTrail")),
        "organization_trail": bool(raw.get("IsOrganizationTrail")),
        "log_file_validation": bool(raw.get("LogFileValidationEnabled")), "kms_key_id": raw.get("KmsKeyId"),
        "s3_bucket": raw.get("S3BucketName"),
    })
    client = session.client("cloudtrail", home)

    def status() -> None:
        found = reader.read("is_logging", lambda: client.get_trail_status(Name=arn))
        if found is not None:
            reader.facts["is_logging"] = bool(found.get("IsLogging"))
            reader.facts["latest_delivery_error"] = found.get("LatestDeliveryError") or None
        elif "is_logging" in reader.errors:
            reader.errors["latest_delivery_error"] = reader.errors["is_logging"]

    def selectors() -> None:
        coverage = reader.read("s3_data_events", lambda: client.get_event_selectors(TrailName=arn), event_coverage)
        if coverage is not None:
            reader.facts.update(coverage)
        elif "s3_data_events" in reader.errors:
            reader.errors["management_events"] = reader.errors["s3_data_events"]

    calls = {"is_logging": status, "latest_delivery_error": status, "s3_data_events": selectors,
             "management_events": selectors}
    skipped = read_planned(reader, plan, READS[TRAIL], calls, names=(str(raw.get("Name") or arn),))
    return Resource(provider="aws", type=TRAIL, id=arn, name=str(raw.get("Name") or arn),
                    account=session.account, region=home, facts=reader.facts, errors=reader.errors,
                    skipped=skipped)


def _account(trails: Sequence[Resource], failures: Sequence[CollectionFailure],
             session: AwsSession) -> Resource:
    problems = [f"{f.region}: {f.reason}" for f in failures]
    problems += [f"{t.name}: {k}: {v}" for t in trails for k, v in t.errors.items()
                 if k in ("is_logging", "s3_data_events")]
    summaries = [{"arn": t.id, **{k: t.facts.get(k) for k in _SUMMARY_KEYS[1:]}} for t in trails]
    skipped = {} if session.plan.kind(ACCOUNT).wants("trails") else {"trails": NOT_READ}
    return Resource(
        provider="aws", type=ACCOUNT, id=f"aws-account/{session.account}/cloudtrail",
        name=f"CloudTrail (account {session.account})", account=session.account, region=None,
        facts={} if problems or skipped else {"trails": summaries},
        errors={"trails": "; ".join(sorted(set(problems)))} if problems and not skipped else {}, skipped=skipped,
    )


def collect_trails(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    def listing(region: str) -> list[dict[str, Any]]:
        found = session.client("cloudtrail", region).describe_trails(includeShadowTrails=True)
        return list(found.get("trailList", []))

    raw, failures = per_region(session, regions, pool, TRAIL, listing)
    unique = {str(t["TrailARN"]): t for t in raw}
    plan = session.plan.kind(TRAIL)
    trails = list(pool.map(lambda t: _trail(t, session, plan), unique.values()))
    return [*trails, _account(trails, failures, session)], failures
