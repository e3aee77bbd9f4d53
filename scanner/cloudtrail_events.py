"""CloudTrail event selectors (classic and advanced) as S3 data-event coverage, read the same way
for a live trail (GetEventSelectors) and a Terraform ``aws_cloudtrail`` (its selectors turned into
the API's shape): ``s3_data_events`` has one item per bucket/prefix selected (``bucket``: ``*`` for
every bucket, ``prefix``, ``read_write`` ``All``/``ReadOnly``/``WriteOnly``, ``excludes``: ARN
prefixes an advanced selector leaves out); ``management_events`` whether any selector records them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_S3_OBJECT = "AWS::S3::Object"


def _s3_target(arn: str) -> dict[str, Any]:
    """``arn:aws:s3:::bucket/prefix`` -> bucket + prefix; ``arn:aws:s3`` / ``arn:aws:s3:::`` -> all."""
    rest = arn.split(":::", 1)[1] if ":::" in arn else ""
    bucket, _, prefix = rest.partition("/")
    return {"bucket": bucket or "*", "prefix": prefix or None}


def _classic_events(selectors: list[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    items: list[dict[str, Any]] = []
    management = False
    for selector in selectors:
        management = management or bool(selector.get("IncludeManagementEvents"))
        for resource in selector.get("DataResources", []):
            if resource.get("Type") != _S3_OBJECT:
                continue
            for value in resource.get("Values", []):
                items.append({**_s3_target(str(value)), "read_write": selector.get("ReadWriteType", "All"),
                              "excludes": []})
    return items, management


def _fields(selector: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(f.get("Field")): f for f in selector.get("FieldSelectors", [])}


def _read_write(fields: Mapping[str, Mapping[str, Any]]) -> str:
    values = [str(v).lower() for v in (fields.get("readOnly") or {}).get("Equals", [])]
    if values == ["true"]:
        return "ReadOnly"
    if values == ["false"]:
        return "WriteOnly"
    return "All"


def _advanced_events(selectors: list[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    items: list[dict[str, Any]] = []
    management = False
    for selector in selectors:
        fields = _fields(selector)
        category = (fields.get("eventCategory") or {}).get("Equals", [])
        management = management or "Management" in category
        if "Data" not in category or _S3_OBJECT not in (fields.get("resources.type") or {}).get("Equals", []):
            continue
        arn = fields.get("resources.ARN") or {}
        excludes = [str(v) for k in ("NotStartsWith", "NotEquals", "NotEndsWith") for v in arn.get(k, [])]
        targets = [str(v) for k in ("StartsWith", "Equals") for v in arn.get(k, [])]
        for target in targets or ["arn:aws:s3:::"]:
            items.append({**_s3_target(target), "read_write": _read_write(fields), "excludes": excludes})
    return items, management


def event_coverage(response: Mapping[str, Any]) -> dict[str, Any]:
    classic, classic_mgmt = _classic_events(response.get("EventSelectors") or [])
    advanced, advanced_mgmt = _advanced_events(response.get("AdvancedEventSelectors") or [])
    return {"s3_data_events": classic + advanced, "management_events": classic_mgmt or advanced_mgmt}
