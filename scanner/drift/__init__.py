"""Code versus cloud: Terraform findings and live findings compared per control and resource."""

from scanner.drift.commands import add_drift_command, run_drift
from scanner.drift.compare import DriftItem, DriftReport, Verdict, compare
from scanner.drift.state import StateIndex, load_state

__all__ = ["DriftItem", "DriftReport", "StateIndex", "Verdict", "add_drift_command", "compare",
           "load_state", "run_drift"]
