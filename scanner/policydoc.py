"""Reading AWS policy documents the same way in the Terraform checks and the live collectors.

Both ``policies/terraform/aws_s3_policy.py`` (a rendered Terraform policy) and
``scanner/collectors/aws/storage.py`` (the JSON ``GetBucketPolicy`` returns) ask the same questions
of a statement: is it a blanket Deny, and what values does a condition key carry. Each side still
parses its own document (a Terraform value may be unrendered; a live policy is JSON) and draws its
own verdict from the values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def as_list(value: Any) -> list[Any]:
    """A policy element that may be a single value or a list, as a list (None is ``[]``)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def denies_everyone_everything(statement: Mapping[str, Any]) -> bool:
    """True for ``Effect: Deny`` with principal ``*`` (or ``{"AWS": "*"}``) on ``s3:*``/``*``."""
    if str(statement.get("Effect", "")).lower() != "deny":
        return False
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("AWS")
    if "*" not in as_list(principal):
        return False
    return any(str(a) in ("*", "s3:*") for a in as_list(statement.get("Action")))


def condition_values(statement: Mapping[str, Any], operators: tuple[str, ...], key: str) -> Iterator[Any]:
    """Values of condition ``key`` under any of ``operators`` (both compared case-insensitively)."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return
    wanted = {o.lower() for o in operators}
    for op, entries in condition.items():
        if op.lower() in wanted and isinstance(entries, dict):
            for name, value in entries.items():
                if name.lower() == key.lower():
                    yield from as_list(value)
