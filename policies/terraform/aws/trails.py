"""``aws.cloudtrail.trail`` from Terraform (``aws_cloudtrail``).

Provider defaults for what is not written: single-region, not an organization trail, no log file
validation, no KMS key (SSE-S3), logging on (``enable_logging``). Event selectors are turned into
the API's shape and read by the live collector's own reader (``event_coverage``), so
``management_events`` and ``s3_data_events`` mean the same for both: no selector at all records
management events only; an unknown selector leaves both unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, blocks, resource
from policies.terraform.aws.common import identifier, located
from policies.terraform.index import Index
from scanner.cloudtrail_events import event_coverage
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown, first_unknown
from scanner.iac.tfmodel import TfInstance

KIND = "aws.cloudtrail.trail"
_FIELD_KEYS = (("equals", "Equals"), ("starts_with", "StartsWith"), ("ends_with", "EndsWith"),
               ("not_equals", "NotEquals"), ("not_starts_with", "NotStartsWith"), ("not_ends_with", "NotEndsWith"))


def trails(index: Index) -> list[Resource]:
    return [_trail(t) for t in index.of_type("aws_cloudtrail")]


def _trail(trail: TfInstance) -> Resource:
    attrs = trail.attrs
    facts: dict[str, Any] = {
        "name": attrs.get("name"),
        "home_region": None,
        "multi_region": arg(attrs, "is_multi_region_trail", False),
        "organization_trail": arg(attrs, "is_organization_trail", False),
        "log_file_validation": arg(attrs, "enable_log_file_validation", False),
        "kms_key_id": identifier(trail, "kms_key_id"),
        "s3_bucket": identifier(trail, "s3_bucket_name"),
        "is_logging": arg(attrs, "enable_logging", True),
        "latest_delivery_error": None,
    }
    facts.update(_coverage(attrs))
    origins = {key: located(trail) for key in facts}
    return resource(KIND, trail, facts, name=facts["name"] if isinstance(facts["name"], str) else None,
                    tags=attrs.get("tags"), origins=origins,
                    traced={"multi_region": ("is_multi_region_trail",),
                            "log_file_validation": ("enable_log_file_validation",),
                            "kms_key_id": ("kms_key_id",), "is_logging": ("enable_logging",),
                            "s3_data_events": ("event_selector", "advanced_event_selector"),
                            "management_events": ("event_selector", "advanced_event_selector")})


def _coverage(attrs: Mapping[str, Any]) -> dict[str, Any]:
    classic = blocks(attrs, "event_selector")
    advanced = blocks(attrs, "advanced_event_selector")
    unseen = first_unknown([classic, advanced])
    if unseen is not None:
        why = Unknown(f"event selectors: {unseen.reason}", unseen.origin, unseen.error)
        return {"s3_data_events": why, "management_events": why}
    if not classic and not advanced:
        return {"s3_data_events": [], "management_events": True}
    return event_coverage({"EventSelectors": [_classic(s) for s in classic],
                           "AdvancedEventSelectors": [_advanced(s) for s in advanced]})


def _classic(selector: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "ReadWriteType": arg(selector, "read_write_type", "All"),
        "IncludeManagementEvents": arg(selector, "include_management_events", True),
        "DataResources": [{"Type": r.get("type"), "Values": list(r.get("values") or [])}
                          for r in blocks(selector, "data_resource") if isinstance(r, Mapping)],
    }


def _advanced(selector: Mapping[str, Any]) -> dict[str, Any]:
    fields = []
    for field in blocks(selector, "field_selector"):
        if isinstance(field, Mapping):
            entry: dict[str, Any] = {"Field": field.get("field")}
            entry.update({api: list(field[tf]) for tf, api in _FIELD_KEYS if field.get(tf)})
            fields.append(entry)
    return {"Name": selector.get("name"), "FieldSelectors": fields}
