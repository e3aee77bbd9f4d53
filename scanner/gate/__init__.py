"""The CI gate: waivers, inline skips, baselines and changed-file scoping, applied to findings
after evaluation and before rendering. Pure functions over findings, plus their file loaders."""

from __future__ import annotations

from scanner.gate.baseline import Baseline, apply_baseline, load_baseline, write_baseline
from scanner.gate.since import GitError, changed_files, head_commit, limit_to_files, renamed_files
from scanner.gate.waivers import apply_inline_skips, apply_waivers, load_waivers

__all__ = [
    "Baseline",
    "GitError",
    "apply_baseline",
    "apply_inline_skips",
    "apply_waivers",
    "changed_files",
    "head_commit",
    "limit_to_files",
    "load_baseline",
    "load_waivers",
    "renamed_files",
    "write_baseline",
]
