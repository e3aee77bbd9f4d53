"""The collector seam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from scanner.errors import PacscanError
from scanner.facts.resource import Inventory

Progress = Callable[[str], None]


class CollectorError(PacscanError):
    """A collector cannot start at all (no credentials, a role that cannot be assumed, an unknown
    region): one clear line, exit 2. Per-resource problems are never raised: they are facts errors."""


class Collector(Protocol):
    @property
    def provider(self) -> str: ...

    def collect(self, progress: Progress | None = None) -> Inventory: ...
