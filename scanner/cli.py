"""Command line: parse arguments, run a scan, render it. Exit codes live here only.

Exit codes: 0 no failed finding; 1 failed findings; 2 usage or input error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from scanner import __version__
from scanner.errors import PacscanError
from scanner.evidence.writer import write_atomic
from scanner.models import ScanResult, Source
from scanner.render.base import Renderer, ToolMeta
from scanner.render.console import ConsoleRenderer
from scanner.render.json_evidence import JsonEvidenceRenderer
from scanner.scan import IacRequest, run_iac

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
FORMATS = ("console", "json")
META = ToolMeta(name="pacscan", version=__version__)
log = logging.getLogger("pacscan")

_EPILOG = """\
exit codes:
  0  no control failed
  1  at least one finding failed (attestation gaps count only when --attestations is given)
  2  usage or input error (the message names the file and line)

A control that could not be evaluated (unparseable file, value known only after apply) is
reported as error/unknown, never as pass.
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
    iac.add_argument("--soft-fail", action="store_true", help="report, but exit 0 on failed findings")
    iac.add_argument("--debug", action="store_true", help="debug logging on stderr (no secrets)")
    return parser


def _renderer(fmt: str, args: argparse.Namespace, color: bool) -> Renderer:
    if fmt == "json":
        return JsonEvidenceRenderer()
    return ConsoleRenderer(color=color, quiet=args.quiet)


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
    for fmt in to_stdout:
        text = rendered.get(fmt) or _renderer(fmt, args, color).render(result, META)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    for fmt, out in pairs:
        if out is not None:
            write_atomic(out, rendered[fmt])
            print(f"pacscan: wrote {fmt} to {out}", file=sys.stderr)


def exit_code(result: ScanResult, *, attestations_given: bool, soft_fail: bool) -> int:
    for finding in result.findings:
        if finding.source is Source.ATTESTATION and not attestations_given:
            continue
        if finding.status.is_failure and not soft_fail:
            return EXIT_FAILED
    return EXIT_OK


def _check_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    if not args.paths and not args.plan:
        parser.error("iac: give at least one Terraform PATH or --plan FILE")
    if len(args.outputs) > len(args.formats):
        parser.error("every --output needs a --format (they pair up in order)")
    if len(set(args.formats)) != len(args.formats) and len(args.outputs) < len(args.formats):
        parser.error("a format repeated on stdout; give each repeat an --output")


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
        request = IacRequest(targets=tuple(args.paths), plans=tuple(args.plan), catalog=args.catalog,
                             config=args.config, attestations=args.attestations)
        result = run_iac(request, _progress)
        _emit(result, args)
    except PacscanError as err:
        print(f"pacscan: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("pacscan: interrupted; no report written", file=sys.stderr)
        return 130
    return exit_code(result, attestations_given=args.attestations is not None, soft_fail=args.soft_fail)


if __name__ == "__main__":
    raise SystemExit(main())
