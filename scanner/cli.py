"""Command line: parse arguments, run a scan, render it, exit. The CLI sits on top: it calls the
scans (:mod:`scanner.scan`, :mod:`scanner.cli_msp` for MSP runs) and hands their results to
:mod:`scanner.exitcodes`, which decides every scan command's exit code (the table is there).
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.cli_args import build_parser
from scanner.cli_inputs import deid_collector, probe_collector, with_deid_sample
from scanner.collectors.base import Collector
from scanner.errors import OutputError, PacscanError
from scanner.evidence.writer import write_atomic
from scanner.exitcodes import ExitCode, Gate, Verdict, decide, for_error
from scanner.extras import require
from scanner.gate import write_baseline
from scanner.iac import TerraformOptions
from scanner.models import ScanResult, Severity, Source
from scanner.render.base import Renderer, ToolMeta
from scanner.scan import IacRequest, ScanInputs, run_cloud, run_iac

__all__ = ["main"]

META = ToolMeta(name="pacscan", version=__version__)
log = logging.getLogger("pacscan")


def _renderer(fmt: str, args: argparse.Namespace, color: bool) -> Renderer:
    """The renderer for one format, imported only when that format is asked for."""
    if fmt == "json":
        from scanner.render.json_evidence import JsonEvidenceRenderer

        return JsonEvidenceRenderer()
    if fmt == "sarif":
        from scanner.render.sarif import SarifRenderer

        return SarifRenderer()
    if fmt == "junit":
        from scanner.render.junit import JunitRenderer

        return JunitRenderer()
    if fmt == "markdown":
        from scanner.render.markdown import MarkdownRenderer

        return MarkdownRenderer()
    from scanner.render.console import ConsoleRenderer

    width = shutil.get_terminal_size((120, 40)).columns if sys.stdout.isatty() else 120
    return ConsoleRenderer(color=color, quiet=args.quiet, width=max(width, 80))


def _emit(result: ScanResult, args: argparse.Namespace) -> None:
    pairs = list(zip(args.formats, args.outputs + [None] * (len(args.formats) - len(args.outputs)), strict=True))
    to_stdout = [fmt for fmt, out in pairs if out is None] or ["console"]
    from scanner.colors import wants_color

    color = wants_color(sys.stdout, args.no_color)
    rendered = {fmt: _renderer(fmt, args, color).render(result, META) for fmt in {*args.formats, *to_stdout}}
    for fmt, out in pairs:
        if out is not None:
            write_atomic(out, rendered[fmt])
            print(f"pacscan: wrote {fmt} to {out}", file=sys.stderr)
    for fmt in to_stdout:
        text = rendered[fmt]
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def check_output_paths(paths: Sequence[Path]) -> None:
    """Refuse an output that cannot be written before scanning, not after."""
    for path in paths:
        if path.is_dir():
            raise OutputError(f"cannot write {path}: it is a directory")
        ancestor = path.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise OutputError(f"cannot write {path}: {ancestor} is not a directory")


def _check_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    if args.command == "iac" and not args.paths and not args.plan:
        parser.error("iac: give at least one Terraform PATH or --plan FILE")
    if len(args.outputs) > len(args.formats):
        parser.error("every --output needs a --format (they pair up in order)")
    if len(set(args.formats)) != len(args.formats) and len(args.outputs) < len(args.formats):
        parser.error("a format repeated on stdout; give each repeat an --output")
    if args.baseline is not None and args.create_baseline is not None:
        parser.error("--baseline and --create-baseline are exclusive")
    if getattr(args, "external_id", None) and not getattr(args, "role_arn", None):
        parser.error("--external-id goes with --role-arn")
    external_id = getattr(args, "external_id", None)
    if external_id is not None and not re.fullmatch(r"[\w+=,.@:/-]{2,1224}", external_id):
        parser.error("--external-id: 2 to 1224 characters of letters, digits and +=,.@:/-_")
    if args.command == "cloud" and (args.provider is None) == (getattr(args, "tenants", None) is None):
        parser.error("cloud: give a PROVIDER (aws, azure, gcp) or --tenants FILE, not both")
    if getattr(args, "tenants", None) is not None and (args.outputs or args.formats or args.create_baseline):
        parser.error("--tenants writes JSON evidence to --evidence-dir; --format/--output/--create-baseline "
                     "are for single scans")
    if getattr(args, "shard", None) is not None and getattr(args, "tenants", None) is None:
        parser.error("--shard slices the tenants of --tenants FILE")


class _Progress:
    """Progress of a long scan: a Rich spinner with the current step and elapsed time on stderr
    when it is a terminal; log lines (visible with --debug) otherwise."""

    def __init__(self) -> None:
        self._live: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._live = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=True)
            self._live.start()
            self._task = self._live.add_task("pacscan: starting", total=None)
        return self

    def __call__(self, message: str) -> None:
        log.info("%s", message)
        if self._live is not None:
            self._live.update(self._task, description=f"pacscan: {message}")

    def __exit__(self, *_: object) -> None:
        if self._live is not None:
            self._live.stop()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is now (not the one at start-up, which may be gone)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _configure_logging(debug: bool) -> None:
    """pacscan's own named logger only (never the root logger); nothing secret is logged."""
    if not log.handlers:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.DEBUG if debug else logging.WARNING)
    log.propagate = False


def _inputs(args: argparse.Namespace) -> ScanInputs:
    from scanner.selection import Selection

    selection = Selection.of(getattr(args, "checks", []), getattr(args, "skip_checks", []))
    return ScanInputs(catalog=args.catalog, config=args.config, attestations=args.attestations,
                      waivers=args.waivers, baseline=args.baseline, since=getattr(args, "since", None),
                      selection=selection)


def _aws_collector(args: argparse.Namespace) -> tuple[str, Any]:
    from scanner.collectors.aws.session import AwsTarget

    target = AwsTarget(profile=args.profile, role_arn=args.role_arn, external_id=args.external_id,
                       regions=tuple(args.regions))

    def make(parameters: Mapping[str, Any]) -> Collector:
        from scanner.collectors.aws.collector import AwsCollector

        collector = AwsCollector(target, parameters=parameters, concurrency=args.concurrency)
        return with_deid_sample(args, collector, parameters)

    label = f"aws:{args.role_arn or args.profile or 'default credentials'}"
    return label, make


def _azure_collector(args: argparse.Namespace) -> tuple[str, Any]:
    require("azure", "pacscan cloud azure")
    from scanner.collectors.azure.credentials import AzureTarget

    target = AzureTarget(tenant=args.tenant, subscriptions=tuple(args.subscriptions),
                         client_id_env=args.client_id_env, client_secret_env=args.client_secret_env,
                         certificate_path_env=args.certificate_path_env)

    def make(_parameters: Mapping[str, Any]) -> Collector:
        from scanner.collectors.azure.collector import AzureCollector

        return AzureCollector(target, concurrency=args.concurrency)

    return f"azure:{args.tenant or 'default tenant'}", make


def _gcp_collector(args: argparse.Namespace) -> tuple[str, Any]:
    require("gcp", "pacscan cloud gcp")
    from scanner.collectors.gcp.credentials import GcpProject

    projects = [GcpProject(p, args.key_file) for p in args.projects]

    def make(parameters: Mapping[str, Any]) -> Collector:
        from scanner.collectors.gcp.collector import GcpCollector

        return with_deid_sample(args, GcpCollector(projects, workers=args.concurrency), parameters)

    return f"gcp:{','.join(args.projects)}", make


def _terraform_options(args: argparse.Namespace) -> TerraformOptions:
    from scanner.iac.file_limits import limit_given
    from scanner.iac.hcl import parse_var_option

    return TerraformOptions(var_files=tuple(args.var_files),
                            variables=tuple(parse_var_option(v) for v in args.variables),
                            max_file_bytes=limit_given(args.max_file_size))


def _run(args: argparse.Namespace) -> ScanResult:
    inputs = _inputs(args)
    if args.command == "iac":
        with _Progress() as progress:
            return run_iac(IacRequest(targets=tuple(args.paths), plans=tuple(args.plan), inputs=inputs,
                                      terraform=_terraform_options(args)), progress)
    if args.command in ("probe", "deid"):
        label, make = probe_collector(args) if args.command == "probe" else deid_collector(args)
    else:
        factories = {"aws": _aws_collector, "azure": _azure_collector, "gcp": _gcp_collector}
        label, make = factories[args.provider](args)
    with _Progress() as progress:
        return run_cloud(make, label, inputs, progress)


def _warn_unevaluated(result: ScanResult) -> None:
    """One stderr line when something could not be evaluated (an API down, throttled or denied mid-scan),
    so a CI log says so even when the report went to a file."""
    unevaluated = [f for f in result.findings if f.status.is_unevaluated and f.source is not Source.ATTESTATION]
    if unevaluated:
        first = unevaluated[0]
        example = first.message if len(first.message) <= 200 else first.message[:199] + "…"
        print(f"pacscan: warning: {len(unevaluated)} finding(s) could not be evaluated (error/unknown) and are not "
              f"shown to pass; e.g. {first.check_id}: {example}", file=sys.stderr)


def _gate(args: argparse.Namespace) -> Gate:
    return Gate(threshold=Severity(args.fail_on), fail_on_unknown=args.fail_on_unknown,
                allow_incomplete=args.allow_incomplete, soft_fail=args.soft_fail,
                attestations_given=args.attestations is not None, record_only=args.create_baseline is not None)


def _scan(args: argparse.Namespace) -> Verdict:
    """One scan, or an MSP run: findings to the reports, then the verdict over them."""
    check_output_paths([*args.outputs, *filter(None, [args.create_baseline])])
    if getattr(args, "tenants", None) is not None:
        from scanner.cli_msp import run_tenants

        return run_tenants(args, _inputs(args), _gate(args))
    result = _run(args)
    _emit(result, args)
    _warn_unevaluated(result)
    if args.create_baseline is not None:
        count = write_baseline(args.create_baseline, result)
        print(f"pacscan: baseline of {count} failure(s) written to {args.create_baseline}", file=sys.stderr)
    return decide([result], _gate(args))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "evidence":
        from scanner.evidence.commands import run_evidence

        try:
            return run_evidence(args)
        except PacscanError as err:
            print(f"pacscan: error: {err}", file=sys.stderr)
            return err.exit_code
    if args.command == "drift":
        from scanner.drift import run_drift

        return run_drift(args)
    _configure_logging(args.debug)
    _check_args(args, parser)
    try:
        verdict = _scan(args)
    except PacscanError as err:
        print(f"pacscan: error: {err}", file=sys.stderr)
        return for_error(err)
    except KeyboardInterrupt:
        print("pacscan: interrupted; no report written", file=sys.stderr)
        return ExitCode.INTERRUPTED
    if verdict.why:
        print(f"pacscan: {verdict.why}", file=sys.stderr)
    return verdict.code


if __name__ == "__main__":
    raise SystemExit(main())
