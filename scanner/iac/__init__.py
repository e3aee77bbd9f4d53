"""The Terraform half of pacscan: folders and plans in, findings on controls out.

Folders are evaluated by :mod:`scanner.iac.hcl` (Terraform's semantics over the HCL grammar Checkov
depends on) and plans read by :mod:`scanner.iac.plan_config`; the normalisers turn both into the
same facts the live collectors produce, and the rules judge them (:mod:`scanner.iac.judge`).
Checkov runs only for the built-in checks the catalog still maps (``rules/terraform-*.yaml``), and
only when the configuration holds a resource those checks judge; a built-in check's pass on a
value the evaluator could not know becomes ``unknown``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.catalog import Catalog
from scanner.errors import TargetError
from scanner.iac.file_limits import limited
from scanner.iac.judge import configuration_findings, terraform_controls
from scanner.iac.tfmodel import TfConfiguration
from scanner.models import Finding, Source
from scanner.source_paths import rooted, scan_root

__all__ = ["TerraformOptions", "TerraformScan", "find_terraform_files", "scan_terraform"]

log = logging.getLogger("pacscan.iac")
_SKIP_DIRS = {".terraform", ".git", "node_modules"}
Progress = Callable[[str], None]


@dataclass(frozen=True)
class TerraformOptions:
    """How input variables are set, as for ``terraform plan``."""

    var_files: tuple[Path, ...] = ()
    variables: tuple[tuple[str, str], ...] = ()
    environ: Mapping[str, str] | None = None
    #: files larger than this are not parsed (None: PACSCAN_MAX_FILE_SIZE, else the default; see file_limits)
    max_file_bytes: int | None = None


@dataclass
class TerraformScan:
    findings: list[Finding] = field(default_factory=list)
    #: what the user should know about what was not read (hidden folders, override files)
    notes: list[str] = field(default_factory=list)
    #: the folder every path in the findings is relative to (:mod:`scanner.source_paths`)
    root: Path | None = None


def find_terraform_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for path in sorted(root.rglob("*")):
        if any(part in _SKIP_DIRS for part in path.relative_to(root).parts):
            continue
        if path.name.endswith((".tf", ".tf.json")) and not path.is_dir():
            found.append(path)
    return found


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
                   plans: Sequence[Path], progress: Progress | None = None,
                   options: TerraformOptions | None = None, root: Path | None = None) -> TerraformScan:
    """Judge ``targets`` and ``plans``; every path in the findings is relative to ``root`` (default:
    the targets' repository root, :func:`scanner.source_paths.scan_root`)."""
    from scanner.iac.plan import load_plan_configuration

    options = options or TerraformOptions()
    check_targets(targets)
    plan_configs = [load_plan_configuration(p) for p in plans]  # validate every plan before any work
    root = root or scan_root([*targets, *plans])
    scan = TerraformScan(root=root)
    with rooted(root), limited(options.max_file_bytes):
        _scan(catalog, parameters, targets, zip(plans, plan_configs, strict=True), scan, progress, options)
    return scan


def _scan(catalog: Catalog, parameters: Mapping[str, Any], targets: Sequence[Path],
          plans: Iterable[tuple[Path, TfConfiguration]], scan: TerraformScan, progress: Progress | None,
          options: TerraformOptions) -> None:
    from scanner.iac import prefetch
    from scanner.iac.hcl import load_configuration

    ahead = prefetch.start(targets)  # a second core parses from the other end (see prefetch)
    try:
        for target in targets:
            if progress:
                progress(f"Evaluating Terraform: {target}")
            folder, files = (target, None) if target.is_dir() else (target.parent, [target])
            config = load_configuration(folder, var_files=options.var_files, variables=options.variables,
                                        environ=options.environ, files=files, ahead=ahead)
            _judge(catalog, parameters, config, Source.TERRAFORM, scan, progress)
    finally:
        if ahead is not None:
            ahead.close()
            log.debug("parse-ahead: %d file(s) parsed by the helper", ahead.used)
    for plan, config in plans:
        if progress:
            progress(f"Judging plan {plan}")
        _judge(catalog, parameters, config, Source.TERRAFORM_PLAN, scan, progress, plan)


def _judge(catalog: Catalog, parameters: Mapping[str, Any], config: TfConfiguration, source: Source,
           scan: TerraformScan, progress: Progress | None, plan: Path | None = None) -> None:
    from scanner.iac.builtin import builtin_findings
    from scanner.iac.findings import parse_error_findings

    scan.findings += configuration_findings(catalog, parameters, config, source)
    scan.findings += parse_error_findings(catalog, config.parse_failures, source, terraform_controls(catalog, source))
    scan.notes += [f"{s.path}: {s.reason}" for s in config.skipped]
    scan.findings += builtin_findings(catalog, parameters, config, source, progress, plan)
