"""Command line: parse arguments, run a scan, render it. Exit codes live here only.

Exit codes: 0 nothing at or above the threshold failed; 1 findings at or above the threshold
failed; 2 usage or input error; 3 some controls could not be evaluated and --fail-on-unknown
was given.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from scanner import __version__
from scanner.errors import OutputError, PacscanError
from scanner.evidence.writer import write_atomic
from scanner.gate import write_baseline
from scanner.models import ScanResult, Severity, Source
from scanner.render import (
    ConsoleRenderer,
    JsonEvidenceRenderer,
    JunitRenderer,
    MarkdownRenderer,
    Renderer,
    SarifRenderer,
    ToolMeta,
)
from scanner.scan import IacRequest, run_iac

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_UNEVALUATED = 0, 1, 2, 3
FORMATS = ("console", "json", "sarif", "junit", "markdown")
META = ToolMeta(name="pacscan", version=__version__)
log = logging.getLogger("pacscan")

_EPILOG = """\
exit codes:
  0  nothing at or above the --fail-on threshold failed (or --soft-fail)
  1  findings at or above the threshold failed (waived and baselined failures do not count;
     attestation gaps count only when --attestations is given)
  2  usage or input error (the message names the file and line)
  3  some controls could not be evaluated (error/unknown) and --fail-on-unknown was given

A control that could not be evaluated (unparseable file, value known only after apply,
inline skip without a reason) is reported as error/unknown, never as pass.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"pacscan: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pacscan", description="HIPAA Security Rule scanner for dental and medical "
                     "imaging infrastructure (PACS buckets, backups, DICOM networks, TLS, keys, audit logs).",
                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EPILOG)
    parser.add_argument("--version", action="version", version=f"pacscan {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    iac = commands.add_parser(
        "iac", help="scan Terraform folders and plans", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Evaluate the HIPAA imaging controls against Terraform (HCL folders and "
                    "`terraform show -json` plans) through Checkov and pacscan's own policies.",
        epilog=_EPILOG)
    iac.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="Terraform folder or .tf file")
    iac.add_argument("--plan", action="append", type=Path, default=[], metavar="PLAN.json",
                     help="plan JSON from `terraform show -json plan.out` (repeatable)")
    iac.add_argument("--catalog", type=Path, help="catalog root (default: the bundled rules.yaml)")
    iac.add_argument("--config", type=Path, help="YAML file overriding catalog parameters")
    iac.add_argument("--attestations", type=Path, metavar="FILE",
                     help="attestations for the administrative, physical and privacy controls")
    iac.add_argument("--format", action="append", choices=FORMATS, default=[], dest="formats",
                     help="output format (repeatable; pairs with --output in order). The console "
                          "report is printed to stdout unless it is sent to a file")
    iac.add_argument("--output", action="append", type=Path, default=[], dest="outputs", metavar="FILE",
                     help="write the matching --format here, atomically")
    iac.add_argument("--quiet", action="store_true", help="console: show only failures and errors")
    iac.add_argument("--no-color", action="store_true", help="console: plain text")
    gate = iac.add_argument_group("CI gate")
    gate.add_argument("--fail-on", choices=[s.value for s in Severity], default=Severity.LOW.value,
                      help="lowest severity whose failure fails the build (default: low, any failure)")
    gate.add_argument("--fail-on-unknown", action="store_true",
                      help="exit 3 when some controls could not be evaluated (error/unknown)")
    gate.add_argument("--soft-fail", action="store_true", help="report, but always exit 0 (except input errors)")
    gate.add_argument("--baseline", type=Path, metavar="FILE",
                      help="fail only on failures not recorded in this baseline; report the fixed ones")
    gate.add_argument("--create-baseline", type=Path, metavar="FILE",
                      help="record today's failures as the baseline, then exit 0")
    gate.add_argument("--waivers", type=Path, metavar="FILE",
                      help="waivers.yaml: accepted failures with justification, owner, ticket and expiry")
    gate.add_argument("--since", metavar="GIT_REF",
                      help="report only resources in files changed since GIT_REF (all files are still evaluated)")
    iac.add_argument("--debug", action="store_true", help="debug logging on stderr (no secrets)")
    return parser


def _renderer(fmt: str, args: argparse.Namespace, color: bool) -> Renderer:
    if fmt == "json":
        return JsonEvidenceRenderer()
    if fmt == "sarif":
        return SarifRenderer()
    if fmt == "junit":
        return JunitRenderer()
    if fmt == "markdown":
        return MarkdownRenderer()
    width = shutil.get_terminal_size((120, 40)).columns if sys.stdout.isatty() else 120
    return ConsoleRenderer(color=color, quiet=args.quiet, width=max(width, 80))


def _emit(result: ScanResult, args: argparse.Namespace) -> None:
    if len(args.outputs) > len(args.formats):
        raise PacscanError("every --output needs a --format before it")
    pairs = list(zip(args.formats, args.outputs + [None] * (len(args.formats) - len(args.outputs)),
                     strict=True))
    to_stdout = [fmt for fmt, out in pairs if out is None]
    if not to_stdout:
        to_stdout = ["console"]
    color = sys.stdout.isatty() and not args.no_color
    rendered = {fmt: _renderer(fmt, args, color).render(result, META) for fmt, _ in pairs}
    for fmt, out in pairs:
        if out is not None:
            write_atomic(out, rendered[fmt])
            print(f"pacscan: wrote {fmt} to {out}", file=sys.stderr)
    for fmt in to_stdout:
        text = rendered.get(fmt) or _renderer(fmt, args, color).render(result, META)
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


def exit_code(result: ScanResult, *, threshold: Severity = Severity.LOW, fail_on_unknown: bool = False,
              attestations_given: bool = False, soft_fail: bool = False) -> int:
    if soft_fail:
        return EXIT_OK
    counted = [f for f in result.findings if attestations_given or f.source is not Source.ATTESTATION]
    if any(f.status.is_failure and not f.baselined and f.severity.rank >= threshold.rank for f in counted):
        return EXIT_FAILED
    if fail_on_unknown and any(f.status.is_unevaluated for f in counted):
        return EXIT_UNEVALUATED
    return EXIT_OK


def _check_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    if not args.paths and not args.plan:
        parser.error("iac: give at least one Terraform PATH or --plan FILE")
    if len(args.outputs) > len(args.formats):
        parser.error("every --output needs a --format (they pair up in order)")
    if len(set(args.formats)) != len(args.formats) and len(args.outputs) < len(args.formats):
        parser.error("a format repeated on stdout; give each repeat an --output")
    if args.baseline is not None and args.create_baseline is not None:
        parser.error("--baseline and --create-baseline are exclusive")


def _progress(message: str) -> None:
    log.info("%s", message)
    if sys.stderr.isatty():
        print(f"pacscan: {message}", file=sys.stderr)


def _configure_logging(debug: bool) -> None:
    """pacscan's own named logger only (never the root logger); nothing secret is logged."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.DEBUG if debug else logging.WARNING)
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.debug)
    _check_args(args, parser)
    try:
        check_output_paths([*args.outputs, *filter(None, [args.create_baseline])])
        request = IacRequest(targets=tuple(args.paths), plans=tuple(args.plan), catalog=args.catalog,
                             config=args.config, attestations=args.attestations, waivers=args.waivers,
                             baseline=args.baseline, since=args.since)
        result = run_iac(request, _progress)
        _emit(result, args)
        if args.create_baseline is not None:
            count = write_baseline(args.create_baseline, result)
            print(f"pacscan: baseline of {count} failure(s) written to {args.create_baseline}", file=sys.stderr)
            return EXIT_OK
    except PacscanError as err:
        print(f"pacscan: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("pacscan: interrupted; no report written", file=sys.stderr)
        return 130
    return exit_code(result, threshold=Severity(args.fail_on), fail_on_unknown=args.fail_on_unknown,
                     attestations_given=args.attestations is not None, soft_fail=args.soft_fail)


if __name__ == "__main__":
    raise SystemExit(main())
