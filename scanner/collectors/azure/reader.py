"""Reading one resource's facts: a value, None for "not configured", or the reason it could not be read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from azure.core.exceptions import AzureError

from scanner.collectors.azure.errors import is_not_configured, reason


@dataclass
class FactReader:
    facts: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def read(self, key: str, call: Callable[[], Any], transform: Callable[[Any], Any] = lambda v: v) -> Any:
        try:
            value = transform(call())
        except AzureError as err:
            if is_not_configured(err):
                self.facts[key] = None
                return None
            self.errors[key] = reason(err)
            return None
        self.facts[key] = value
        return value

    def fail(self, key: str, why: str) -> None:
        self.errors[key] = why


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
