"""The collector seam."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from scanner.errors import PacscanError, UnreachableError
from scanner.facts.resource import Inventory

Progress = Callable[[str], None]


class CollectorError(PacscanError):
    """A collector cannot start at all (no credentials, a role that cannot be assumed, an unknown
    region): one clear line, exit 2. Per-resource problems are never raised: they are facts errors."""


class CollectorUnreachableError(CollectorError, UnreachableError):
    """A collector cannot start because its endpoint does not answer (refused, timed out, reset, or its
    circuit breaker is open): nothing was read, so the scan is incomplete (exit 3), not an input error."""


class Collector(Protocol):
    @property
    def provider(self) -> str: ...

    def collect(self, progress: Progress | None = None) -> Inventory: ...
