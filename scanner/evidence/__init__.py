"""Evidence output: atomic writing of reports (and, later, bundles)."""

from scanner.evidence.writer import write_atomic

__all__ = ["write_atomic"]
