"""Reading one resource's facts: a value, None for "not configured", or the reason it could not be read."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from azure.core.exceptions import AzureError

from scanner.collectors import reader
from scanner.collectors.azure.errors import is_not_configured, reason


def _azure_errors() -> tuple[type[Exception], ...]:
    return (AzureError,)


class FactReader(reader.FactReader):
    """Collects one Azure resource's facts: a value, None for "not configured", or an error reason."""

    call_errors = reader.CallErrors(_azure_errors, is_not_configured, reason)


def plain(value: Any) -> Any:
    """SDK enums (str subclasses) as their wire string; everything else unchanged."""
    if isinstance(value, Enum):
        return value.value
    return value


def resource_group(resource_id: str) -> str:
    """``/subscriptions/s/resourceGroups/<rg>/providers/...`` -> ``<rg>``."""
    parts = resource_id.split("/")
    lower = [p.lower() for p in parts]
    return parts[lower.index("resourcegroups") + 1]


def flat_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (tags or {}).items()}
