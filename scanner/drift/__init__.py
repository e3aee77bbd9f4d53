"""Code versus cloud: Terraform findings and live findings compared per control and resource.

The names below are imported on first use (PEP 562): every pacscan command builds the parser,
which needs only :mod:`scanner.drift.args`, not the comparison and its renderers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.drift.args import add_drift_command
    from scanner.drift.commands import run_drift
    from scanner.drift.compare import DriftItem, DriftReport, Verdict, compare
    from scanner.drift.state import StateIndex, load_state

_LAZY = {
    "add_drift_command": "args",
    "run_drift": "commands",
    "DriftItem": "compare",
    "DriftReport": "compare",
    "Verdict": "compare",
    "compare": "compare",
    "StateIndex": "state",
    "load_state": "state",
}

__all__ = ["DriftItem", "DriftReport", "StateIndex", "Verdict", "add_drift_command", "compare",
           "load_state", "run_drift"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"scanner.drift.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'scanner.drift' has no attribute {name!r}")
