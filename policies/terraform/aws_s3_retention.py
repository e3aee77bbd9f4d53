"""S3 retention: object-lock default retention and lifecycle expiration, against ``min_retention_days``.

* PACS_AWS_S3_OBJECT_LOCK_RETENTION (INT-IMMUTABLE): where a default retention is set (legacy
  ``object_lock_configuration.rule.default_retention`` on ``aws_s3_bucket``, or
  ``rule.default_retention`` of ``aws_s3_bucket_object_lock_configuration``), it must be at least
  ``min_retention_days`` (``years`` count 365 days). No default retention passes here; whether object
  lock is enabled at all is the graph check PACS_AWS_S3_OBJECT_LOCK.
* PACS_AWS_S3_LIFECYCLE_RETENTION (RET-LIFECYCLE): no enabled lifecycle rule (inline
  ``lifecycle_rule`` or ``aws_s3_bucket_lifecycle_configuration`` ``rule``) may expire current or
  noncurrent versions sooner than ``min_retention_days``. Transitions to colder storage are fine;
  an expiration by ``date`` cannot be compared with object ages, so it is UNKNOWN.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies import parameters
from policies.terraform.aws_common import blocks
from policies.terraform.common import Observation, as_bool, as_int, combine, first

DAYS_PER_YEAR = 365


def compare_days(label: str, value: Any, minimum: int, scale: int = 1, unit: str = "days") -> Observation:
    """Judge ``value`` (in ``unit``, ``scale`` days each) against ``minimum`` days."""
    number = as_int(value)
    if number is None:
        return Observation(f"{label}={value} not resolvable", CheckResult.UNKNOWN)
    days = number * scale
    shown = f"{label}={number} {unit}" + (f" ({days} days)" if scale != 1 else "")
    if days < minimum:
        return Observation(f"{shown} < min_retention_days={minimum}", CheckResult.FAILED)
    return Observation(f"{shown} >= min_retention_days={minimum}", CheckResult.PASSED)


def default_retention(rule: dict[str, Any], label: str, minimum: int) -> list[Observation]:
    """Observations for the ``default_retention`` blocks of one object-lock ``rule``."""
    out: list[Observation] = []
    for retention in blocks(rule, "default_retention"):
        mode = first(retention, "mode")
        if "days" in retention:
            out.append(compare_days(f"{label} mode={mode} days", first(retention, "days"), minimum))
        elif "years" in retention:
            out.append(
                compare_days(
                    f"{label} mode={mode} years", first(retention, "years"), minimum, DAYS_PER_YEAR, "years"
                )
            )
        else:
            out.append(Observation(f"{label} default_retention without days/years", CheckResult.UNKNOWN))
    return out


class ObjectLockRetentionCheck(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="S3 object-lock default retention is at least min_retention_days",
            id="PACS_AWS_S3_OBJECT_LOCK_RETENTION",
            categories=(CheckCategories.BACKUP_AND_RECOVERY,),
            supported_resources=("aws_s3_bucket", "aws_s3_bucket_object_lock_configuration"),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        minimum = int(parameters.get("min_retention_days"))
        if self.entity_type == "aws_s3_bucket":
            prefix = "object_lock_configuration."
            rules = [r for c in blocks(conf, "object_lock_configuration") for r in blocks(c, "rule")]
        else:
            prefix, rules = "", blocks(conf, "rule")
        self.evaluated_keys = [f"{prefix}rule/[0]/default_retention"]
        observations = [
            o for i, r in enumerate(rules) for o in default_retention(r, f"{prefix}rule[{i}]", minimum)
        ]
        self.details = [o.text for o in observations] or [
            f"no default retention set (min_retention_days={minimum})"
        ]
        return combine(observations, CheckResult.PASSED)


def lifecycle_rule_observations(
    rule: dict[str, Any], label: str, minimum: int, inline: bool
) -> list[Observation]:
    """Observations for one lifecycle rule; a disabled rule yields a single PASSED note."""
    enabled = as_bool(first(rule, "enabled")) if inline else None
    status = first(rule, "status")
    if enabled is False or (not inline and isinstance(status, str) and status == "Disabled"):
        return [Observation(f"{label} disabled", CheckResult.PASSED)]
    out: list[Observation] = []
    for expiration in blocks(rule, "expiration"):
        if "days" in expiration:
            out.append(compare_days(f"{label}.expiration.days", first(expiration, "days"), minimum))
        if "date" in expiration:
            out.append(
                Observation(
                    f"{label}.expiration.date={first(expiration, 'date')} cannot be compared "
                    "with object ages",
                    CheckResult.UNKNOWN,
                )
            )
    noncurrent_key = "days" if inline else "noncurrent_days"
    for expiration in blocks(rule, "noncurrent_version_expiration"):
        value = first(expiration, noncurrent_key)
        if value is None:
            continue
        out.append(compare_days(f"{label}.noncurrent_version_expiration.{noncurrent_key}", value, minimum))
    return out or [Observation(f"{label} expires nothing", CheckResult.PASSED)]


class LifecycleRetentionCheck(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="S3 lifecycle rules do not delete objects before min_retention_days",
            id="PACS_AWS_S3_LIFECYCLE_RETENTION",
            categories=(CheckCategories.BACKUP_AND_RECOVERY,),
            supported_resources=("aws_s3_bucket", "aws_s3_bucket_lifecycle_configuration"),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        minimum = int(parameters.get("min_retention_days"))
        inline = self.entity_type == "aws_s3_bucket"
        key = "lifecycle_rule" if inline else "rule"
        self.evaluated_keys = [key]
        observations = [
            o
            for i, r in enumerate(blocks(conf, key))
            for o in lifecycle_rule_observations(r, f"{key}[{i}]", minimum, inline)
        ]
        self.details = [o.text for o in observations] or [
            f"no lifecycle rules (min_retention_days={minimum})"
        ]
        return combine(observations, CheckResult.PASSED)


object_lock_retention_check = ObjectLockRetentionCheck()
lifecycle_retention_check = LifecycleRetentionCheck()
