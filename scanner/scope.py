"""Which storage holds imaging data: the `imaging_data` parameter (tags and name globs), shared
by the Terraform scan and the live scans so both sides put the same resources in scope."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ImagingScope:
    tags: Mapping[str, str]
    name_patterns: tuple[str, ...]

    @classmethod
    def from_parameter(cls, value: Mapping[str, Any]) -> ImagingScope:
        return cls(dict(value.get("tags") or {}), tuple(value.get("name_patterns") or ()))

    def selector(self, names: Sequence[str], tags: Mapping[str, Any]) -> str | None:
        """Which selector puts a storage resource in scope, or None when it is out of scope."""
        if not self.tags and not self.name_patterns:
            return "all storage (no imaging_data selector configured)"
        for key, want in self.tags.items():
            have = tags.get(key)
            if have is not None and (want == "*" or str(have) == want):
                return f"tag {key}={have}"
        for pattern in self.name_patterns:
            for name in names:
                if fnmatch.fnmatchcase(name, pattern):
                    return f"name {name} matches {pattern}"
        return None
