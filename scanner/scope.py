"""Which storage holds imaging data: the `imaging_data` parameter (tags and name globs), shared
by the Terraform scan and the live scans so both sides put the same resources in scope.

Three answers: in scope (and by which selector), out of scope, or unknown: tags or a name that
could not be read or are known only after apply. An unknown scope never drops the resource from
the report."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.facts.values import PartialDict, Unknown


@dataclass(frozen=True)
class ImagingScope:
    tags: Mapping[str, str]
    name_patterns: tuple[str, ...]

    @classmethod
    def from_parameter(cls, value: Mapping[str, Any]) -> ImagingScope:
        return cls(dict(value.get("tags") or {}), tuple(value.get("name_patterns") or ()))

    def selector(self, names: Sequence[Any], tags: Mapping[str, Any] | Unknown) -> str | Unknown | None:
        """Which selector puts a storage resource in scope, None when it is out of scope, or the
        Unknown that keeps us from telling."""
        if not self.tags and not self.name_patterns:
            return "all storage (no imaging_data selector configured)"
        unseen: list[Unknown] = []
        if self.tags:
            if isinstance(tags, Unknown):
                unseen.append(tags)
            else:
                for key, want in self.tags.items():
                    have = tags.get(key)
                    if isinstance(have, Unknown):
                        unseen.append(have)
                    elif have is not None and (want == "*" or str(have) == want):
                        return f"tag {key}={have}"
                    elif have is None and isinstance(tags, PartialDict):
                        unseen.append(tags.rest)
        for pattern in self.name_patterns:
            for name in names:
                if isinstance(name, Unknown):
                    unseen.append(name)
                elif fnmatch.fnmatchcase(str(name), pattern):
                    return f"name {name} matches {pattern}"
        if unseen:
            first = unseen[0]
            return Unknown(f"whether it holds imaging data (imaging_data) cannot be told: {first.reason}",
                           first.origin, first.error)
        return None
