"""Progress views for MSP runs: a live Rich view per tenant on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from scanner.msp import TenantOutcome


class TenantProgress(Protocol):
    def start(self, tenant: str) -> None: ...

    def update(self, tenant: str, message: str) -> None: ...

    def finish(self, tenant: str, outcome: TenantOutcome) -> None: ...


class LogProgress:
    """Plain lines (stderr when it is not a terminal): one per step, prefixed with the tenant."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def _say(self, text: str) -> None:
        with self._lock:
            print(f"pacscan: {text}", file=self._stream or sys.stderr, flush=True)

    def start(self, tenant: str) -> None:
        self._say(f"[{tenant}] started")

    def update(self, tenant: str, message: str) -> None:
        self._say(f"[{tenant}] {message}")

    def finish(self, tenant: str, outcome: TenantOutcome) -> None:
        self._say(f"[{tenant}] {outcome.summary}")


class RichProgress:
    """A live view on a terminal: one line per tenant with its current step and elapsed time."""

    def __init__(self, tenants: Sequence[str]) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(SpinnerColumn(), TextColumn("{task.fields[tenant]}", style="bold"),
                                  TextColumn("{task.description}"), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=False)
        self._tasks = {name: self._progress.add_task("waiting", tenant=name, total=1, start=False)
                       for name in tenants}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()

    def start(self, tenant: str) -> None:
        self._progress.start_task(self._tasks[tenant])
        self._progress.update(self._tasks[tenant], description="starting")

    def update(self, tenant: str, message: str) -> None:
        self._progress.update(self._tasks[tenant], description=message)

    def finish(self, tenant: str, outcome: TenantOutcome) -> None:
        self._progress.update(self._tasks[tenant], description=outcome.summary, completed=1)
