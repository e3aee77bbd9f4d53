"""The Terraform half of pacscan: Checkov in, findings on controls out.

``scan_terraform`` checks the targets (clear errors for missing paths and folders with no
Terraform), runs Checkov restricted to the catalog's checks, and maps the records to findings.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner.catalog import Catalog
from scanner.errors import TargetError
from scanner.iac import checkov_run, prefetch
from scanner.iac.findings import parse_error_findings, to_findings
from scanner.iac.plan import load_plan
from scanner.models import Finding, Source
from scanner.scope import ImagingScope

__all__ = ["find_terraform_files", "scan_terraform"]

log = logging.getLogger("pacscan.iac")
_SKIP_DIRS = {".terraform", ".git", "node_modules"}
Progress = Callable[[str], None]


def find_terraform_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for path in sorted(root.rglob("*")):
        if any(part in _SKIP_DIRS for part in path.relative_to(root).parts):
            continue
        if path.name.endswith((".tf", ".tf.json")) and not path.is_dir():
            found.append(path)
    return found


def _invalid_json(files: Sequence[Path], reported: Sequence[str]) -> list[str]:
    """``.tf.json`` files that are not JSON and that Checkov skipped without a word: they were
    not evaluated, so they must surface as parse errors, never as silence."""
    known = {os.path.realpath(r) for r in reported}  # realpath: no RuntimeError on a symlink loop
    out: list[str] = []
    for path in files:
        if not path.name.endswith(".tf.json") or os.path.realpath(path) in known:
            continue
        try:
            json.loads(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            out.append(str(path))
    return out


def check_targets(targets: Sequence[Path]) -> None:
    for target in targets:
        if not target.exists():
            raise TargetError("no such file or directory", path=str(target))
        if target.is_dir() and not find_terraform_files(target):
            raise TargetError("no Terraform files (*.tf, *.tf.json) found here: nothing was scanned",
                              path=str(target))
        if target.is_file() and not target.name.endswith((".tf", ".tf.json")):
            raise TargetError("not a Terraform file or folder (for a plan, use --plan)", path=str(target))


def scan_terraform(catalog: Catalog, parameters: Mapping[str, Any], targets: Sequence[Path],
                   plans: Sequence[Path], progress: Progress | None = None) -> list[Finding]:
    check_targets(targets)
    # parsing starts in a helper process now, while this one imports Checkov (see prefetch)
    ahead = prefetch.start(targets, checkov_run.environment)
    try:
        return _scan(catalog, parameters, targets, plans, progress, ahead)
    finally:
        if ahead is not None:
            ahead.close()
            log.debug("parse-ahead: %d file(s) parsed by the helper", ahead.used)


def _scan(catalog: Catalog, parameters: Mapping[str, Any], targets: Sequence[Path], plans: Sequence[Path],
          progress: Progress | None, ahead: prefetch.ParseAhead | None) -> list[Finding]:
    logging.getLogger("stopit").setLevel(logging.ERROR)  # Checkov's parse timeout logs a traceback
    plan_facts = [load_plan(p) for p in plans]  # validate every plan before any work
    import policies.parameters

    policies.parameters.configure(dict(parameters))
    scope = ImagingScope.from_parameter(parameters["imaging_data"])
    checks = catalog.terraform_check_ids()
    findings: list[Finding] = []
    for target in targets:
        if progress:
            progress(f"Checkov: {target}")
        root = target if target.is_dir() else target.parent
        output = checkov_run.run_directory(root, checks, ahead) if target.is_dir() else \
            checkov_run.run_files([target], checks, ahead)
        output.index.attribute(catalog.parents)
        findings += to_findings(catalog, output, Source.TERRAFORM, scope)
        files = find_terraform_files(target) if target.is_dir() else [target]
        unparsed = [*output.parse_errors, *_invalid_json(files, output.parse_errors)]
        findings += parse_error_findings(catalog, unparsed, Source.TERRAFORM)
    for facts in plan_facts:
        if progress:
            progress(f"Checkov: plan {facts.path}")
        output = checkov_run.run_plan(facts.path, checks)
        output.index.attribute(catalog.parents, facts.references)
        findings += to_findings(catalog, output, Source.TERRAFORM_PLAN, scope, facts)
        findings += parse_error_findings(catalog, output.parse_errors, Source.TERRAFORM_PLAN)
    return findings
