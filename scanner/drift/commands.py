"""``pacscan drift``: Terraform code versus the deployed cloud, per control and resource.

Code side: a Terraform folder and/or ``--plan`` files scanned on the spot, or ``--code-evidence``
from an earlier ``pacscan iac --format json``. Cloud side: ``--live`` evidence from an earlier
``pacscan cloud aws --format json``, or an AWS scan run on the spot (``--profile``/``--role-arn``,
``--region``). Identity comes from ``--state`` (``terraform show -json`` of the state, or the
state file itself).

Exit codes: ``EPILOG`` in :mod:`scanner.drift.args` (the arguments live there too).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.catalog import Catalog, load_catalog
from scanner.drift.compare import DriftReport, LiveCoverage, compare
from scanner.drift.evidence import load_findings
from scanner.drift.render import render_console, render_json
from scanner.drift.state import load_state
from scanner.errors import InputError, PacscanError
from scanner.evidence.writer import write_atomic
from scanner.models import Finding

EXIT_OK, EXIT_DRIFT, EXIT_INPUT = 0, 1, 2


def run_drift(args: argparse.Namespace) -> int:
    try:
        _check(args)
        report = build_report(args)
        _emit(report, args)
    except PacscanError as err:
        print(f"pacscan: error: {err}", file=sys.stderr)
        return err.exit_code
    return EXIT_DRIFT if report.differences else EXIT_OK


def _check(args: argparse.Namespace) -> None:
    if not args.paths and not args.drift_plans and args.code_evidence is None:
        raise InputError("drift: give a TERRAFORM_DIR, --plan or --code-evidence for the code side")
    if args.code_evidence is not None and (args.paths or args.drift_plans):
        raise InputError("drift: --code-evidence replaces TERRAFORM_DIR/--plan; give one or the other")
    if args.live is not None and (args.profile or args.role_arn or args.regions):
        raise InputError("drift: --live replaces the on-the-spot scan; drop --profile/--role-arn/--region")
    if args.external_id and not args.role_arn:
        raise InputError("drift: --external-id goes with --role-arn")
    if len(args.drift_outputs) > len(args.drift_formats):
        raise InputError("drift: every --output needs a --format (they pair up in order)")


def build_report(args: argparse.Namespace) -> DriftReport:
    catalog = load_catalog(args.catalog)
    state = load_state(args.state)  # read before any scan, so a bad state file costs nothing
    code, code_targets = _code_side(args)
    live, live_targets = _live_side(args)
    report = compare(code, live, state, coverage(catalog))
    return replace(report, code_targets=code_targets, live_targets=live_targets)


def coverage(catalog: Catalog, provider: str = "aws") -> LiveCoverage:
    types: dict[str, set[str]] = {}
    for rule in catalog.rules_for(provider):
        for control in rule.controls:
            types.setdefault(control, set()).add(rule.resource)
    return LiveCoverage({control: frozenset(found) for control, found in types.items()})


def _code_side(args: argparse.Namespace) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    if args.code_evidence is not None:
        return load_findings(args.code_evidence)
    from scanner.scan import IacRequest, ScanInputs, run_iac

    request = IacRequest(targets=tuple(args.paths), plans=tuple(args.drift_plans),
                         inputs=ScanInputs(catalog=args.catalog, config=args.config))
    result = run_iac(request)
    return result.findings, result.targets


def _live_side(args: argparse.Namespace) -> tuple[tuple[Finding, ...], tuple[str, ...]]:
    if args.live is not None:
        return load_findings(args.live)
    from scanner.collectors.aws.session import AwsTarget
    from scanner.collectors.base import Collector
    from scanner.scan import ScanInputs, run_cloud

    target = AwsTarget(profile=args.profile, role_arn=args.role_arn, external_id=args.external_id,
                       regions=tuple(args.regions))

    def make(parameters: Mapping[str, Any]) -> Collector:
        from scanner.collectors.aws.collector import AwsCollector

        return AwsCollector(target, parameters=parameters)

    label = f"aws:{args.role_arn or args.profile or 'default credentials'}"
    result = run_cloud(make, label, ScanInputs(catalog=args.catalog, config=args.config))
    return result.findings, result.targets


def _emit(report: DriftReport, args: argparse.Namespace) -> None:
    formats: list[str] = args.drift_formats or ["console"]
    outputs: list[Path | None] = [*args.drift_outputs, *[None] * (len(formats) - len(args.drift_outputs))]
    from scanner.colors import wants_color

    color = wants_color(sys.stdout, args.no_color)
    width = max(shutil.get_terminal_size((120, 40)).columns, 80) if sys.stdout.isatty() else 120
    for fmt, out in zip(formats, outputs, strict=True):
        text = render_json(report, __version__) if fmt == "json" else \
            render_console(report, color=color and out is None, width=width)
        if out is None:
            sys.stdout.write(text)
        else:
            write_atomic(out, text)
            print(f"pacscan: wrote drift {fmt} to {out}", file=sys.stderr)
