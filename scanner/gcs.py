"""What Terraform and live share about Cloud Storage: the TLS versions its APIs accept, and what a
lifecycle Delete rule deletes.

A Delete rule's conditions are ANDed. Its ``age`` (or, without one, ``days_since_custom_time``)
says how old an object is at the earliest when it is deleted. A rule that matches by date only
(``created_before`` / ``custom_time_before``, no age, not restricted to noncurrent versions)
deletes objects whose age at deletion depends on when it runs: its age is unknown, with the date
as the reason (neither a pass nor a fail).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.facts.values import Unknown

#: Cloud Storage's JSON and XML APIs accept TLS 1.2 and newer only
API_MIN_TLS = "TLS_1_2"

#: conditions that match only noncurrent (previous) versions of an object
NONCURRENT_ONLY = ("days_since_noncurrent_time", "noncurrent_time_before")


def date_only_age(action_type: Any, condition: Mapping[str, Any]) -> Unknown | None:
    """The unknown age of a Delete rule that matches by date only; None for any other rule (or
    when a condition it depends on is itself unknown: that unknown decides)."""
    if action_type != "Delete":
        return None
    deciding = [condition.get(k) for k in ("age", "days_since_custom_time", "is_live", "num_newer_versions",
                                           *NONCURRENT_ONLY, "created_before", "custom_time_before")]
    if any(isinstance(v, Unknown) for v in deciding):
        return None
    if condition.get("age") is not None or condition.get("days_since_custom_time") is not None:
        return None
    newer = condition.get("num_newer_versions")
    if condition.get("is_live") is False or (isinstance(newer, int) and newer > 0) or any(
            condition.get(k) is not None for k in NONCURRENT_ONLY):
        return None
    dates = {k: condition.get(k) for k in ("created_before", "custom_time_before") if condition.get(k)}
    if not dates:
        return None
    shown = ", ".join(f"{k}={v}" for k, v in dates.items())
    return Unknown(f"Delete rule by date only ({shown}): the age of the objects it deletes is not known")
