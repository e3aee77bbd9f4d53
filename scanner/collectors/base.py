"""The collector seam."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from scanner.errors import PacscanError, UnreachableError
from scanner.facts.resource import Inventory

if TYPE_CHECKING:
    from scanner.engine.plan import ReadPlan

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

    def collect(self, progress: Progress | None = None, plan: ReadPlan | None = None) -> Inventory:
        """Everything ``plan`` needs (None: every fact the collector can read). A collector whose
        reads are all needed by its rules (a probe) may ignore the plan."""
        ...
