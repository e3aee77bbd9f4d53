"""``pacscan evidence ...``: bundle, verify, diff, merge, html, trend and keygen.

Exit codes: 0 done (verify: intact and signed by the pinned ``--public-key``); 1 tampered (verify,
and html, diff and trend of tampered evidence: they still write their report, which says so first),
or diff ``--fail-on-new-failures`` found new failures; 2 usage or input error (raised as
:class:`~scanner.errors.InputError` / :class:`~scanner.errors.OutputError`; the CLI prints one line);
3 verify found the files match their manifest but could not show who wrote it (unsigned, or signed by
a key nobody pinned with ``--public-key``: whoever could change the files could re-sign them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.errors import InputError
from scanner.evidence.writer import write_atomic
from scanner.render.base import ToolMeta

EXIT_OK = 0
EXIT_TAMPERED = 1
EXIT_NEW_FAILURES = 1
EXIT_UNVERIFIED = 3
META = ToolMeta(name="pacscan", version=__version__)


def add_evidence_commands(subparsers: Any) -> None:
    """Add ``evidence`` and its sub-commands to the top-level ``subparsers``."""
    evidence = subparsers.add_parser(
        "evidence", help="bundle, verify, diff, merge and render JSON evidence",
        description="Tamper-evident evidence for compliance officers.")
    commands = evidence.add_subparsers(dest="evidence_command", required=True, metavar="ACTION")
    bundle = commands.add_parser("bundle", help="write DIR/manifest.json (SHA-256 of every file), optionally signed")
    bundle.add_argument("directory", type=Path, metavar="DIR")
    bundle.add_argument("--sign-key", type=Path, metavar="KEY.pem", help="Ed25519 PKCS8 PEM private key")
    verify = commands.add_parser(
        "verify", help="check DIR against its manifest and the pinned signer (exit 1 tampered, 3 signer not pinned)",
        description="Check every file of DIR against its manifest, and the manifest's signature under the public key "
        "you pin with --public-key. Without a pinned key nothing shows who wrote the evidence (anyone who can change "
        "the files can re-sign them with their own key): verify says the signer is unpinned and exits 3.")
    verify.add_argument("directory", type=Path, metavar="DIR")
    verify.add_argument("--public-key", type=Path, metavar="PUB.pem",
                        help="Ed25519 PEM public key: the signature must verify under it")
    diff = commands.add_parser("diff", help="what changed between two evidence sets (each checked against its "
                               "manifest first; exit 1 if either is tampered)")
    diff.add_argument("old", type=Path, metavar="OLD", help="evidence DIR or file")
    diff.add_argument("new", type=Path, metavar="NEW", help="evidence DIR or file")
    diff.add_argument("--public-key", type=Path, metavar="PUB.pem",
                      help="Ed25519 public key the signature of each bundle must verify under")
    diff.add_argument("--format", choices=("console", "json"), default="console", dest="evidence_format")
    diff.add_argument("--fail-on-new-failures", action="store_true",
                      help="exit 1 when a resource newly fails (or a new resource fails)")
    diff.add_argument("--no-color", action="store_true", dest="evidence_no_color")
    merge = commands.add_parser("merge", help="merge the --shard run directories of one run into one (every slice)")
    merge.add_argument("shards", type=Path, nargs="+", metavar="SHARD_DIR")
    merge.add_argument("--output", type=Path, required=True, dest="evidence_output", metavar="DIR")
    merge.add_argument("--allow-incomplete", action="store_true", dest="merge_incomplete",
                       help="merge a set that lacks a slice (or mixes runs) anyway; index.json marks it incomplete")
    html = commands.add_parser(
        "html", help="render the compliance officer's self-contained HTML report (exit 1 if the evidence is tampered)",
        description="Render evidence as one self-contained HTML page: integrity, executive summary, who scanned what, "
        "then every control with its parameters, scope, resources, observed values, fixes and attestations. The "
        "report is written even from tampered evidence (to show what changed), says so first, and exits 1.")
    html.add_argument("source", type=Path, metavar="DIR_OR_FILE", help="evidence directory, bundle or file")
    html.add_argument("--output", type=Path, required=True, dest="evidence_output", metavar="report.html")
    html.add_argument("--previous", type=Path, metavar="EVIDENCE|BUNDLE",
                      help="the previous scan's evidence: the summary says what changed since")
    html.add_argument("--public-key", type=Path, metavar="PUB.pem",
                      help="Ed25519 public key the bundle's signature must verify under (and the --previous "
                      "bundle's, when it is one)")
    html.add_argument("--title", default="HIPAA compliance report", help="the report's title")
    trend = commands.add_parser(
        "trend", help="month over month: several scans of one estate, per control and safeguard family",
        description="Compare several scans of the same estate (each an evidence directory, bundle or file), ordered "
        "by scan time: per safeguard family and per control, with what was fixed and what newly fails between "
        "scans. Exit 1 when any of them is tampered.")
    trend.add_argument("sources", type=Path, nargs="+", metavar="DIR|BUNDLE|FILE")
    trend.add_argument("--format", choices=("html", "json"), default="html", dest="evidence_format")
    trend.add_argument("--output", type=Path, dest="evidence_output", metavar="FILE", help="default: stdout")
    trend.add_argument("--public-key", type=Path, metavar="PUB.pem",
                       help="Ed25519 public key every bundle's signature must verify under")
    keygen = commands.add_parser("keygen", help="write PREFIX.key.pem (0600) and PREFIX.pub.pem")
    keygen.add_argument("prefix", type=Path, metavar="OUT_PREFIX")


def run_evidence(args: argparse.Namespace) -> int:
    action = args.evidence_command
    if action == "bundle":
        return _bundle(args)
    if action == "verify":
        return _verify(args)
    if action == "diff":
        return _diff(args)
    if action == "merge":
        return _merge(args)
    if action == "html":
        return _html(args)
    if action == "trend":
        return _trend(args)
    if action == "keygen":
        return _keygen(args)
    raise InputError(f"unknown evidence action {action!r}")


# The actions import what they need when they run: building the parser (every pacscan command
# does) must not pay for cryptography, the HTML renderer or the diff engine.


def _bundle(args: argparse.Namespace) -> int:
    from scanner.evidence.bundle import write_bundle

    result = write_bundle(args.directory, META, sign_key=args.sign_key)
    signed = f", signed ({result.signature_path})" if result.signature_path else ", unsigned"
    print(f"pacscan: wrote {result.manifest_path}: {result.files} file(s), {result.tenants} tenant(s){signed}")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from scanner.evidence.integrity import IntegrityState, check_integrity
    from scanner.evidence.verify import verify_bundle

    report = verify_bundle(args.directory, args.public_key)  # no manifest, a bad key: input errors
    for problem in report.problems:
        print(f"TAMPERED: {problem}")
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if report.problems:
        print(f"pacscan: {args.directory}: {len(report.problems)} problem(s); the evidence is NOT intact",
              file=sys.stderr)
        return EXIT_TAMPERED
    integrity = check_integrity(args.directory, args.public_key)
    if integrity.state is IntegrityState.VERIFIED:
        print(f"OK: {args.directory}: {integrity.summary}")
        return EXIT_OK
    word = "UNPINNED" if integrity.state is IntegrityState.SIGNATURE_NOT_CHECKED else "UNSIGNED"
    print(f"{word}: {args.directory}: {integrity.summary}. NOT verified: nothing shows who wrote this evidence "
          "(pin the signer with --public-key PUB.pem)")
    return EXIT_UNVERIFIED


def _diff(args: argparse.Namespace) -> int:
    from scanner.evidence.diff import diff_document, diff_paths, render_console
    from scanner.evidence.integrity import check_integrity

    sides = [check_integrity(path, args.public_key if _bundled(path) else None) for path in (args.old, args.new)]
    for side in sides:  # said before anything else, even if the tampered files no longer load
        print(f"pacscan: {side.source}: {side.summary}", file=sys.stderr)
    diff = diff_paths(args.old, args.new)
    if args.evidence_format == "json":
        sys.stdout.write(json.dumps(diff_document(diff, integrity=sides), indent=2, ensure_ascii=False) + "\n")
    else:
        from scanner.colors import wants_color

        color = wants_color(sys.stdout, args.evidence_no_color)
        sys.stdout.write(render_console(diff, color=color, integrity=sides))
    if any(side.tampered for side in sides):
        return EXIT_TAMPERED
    return EXIT_NEW_FAILURES if args.fail_on_new_failures and diff.has_new_failures else EXIT_OK


def _bundled(path: Path) -> bool:
    """Whether ``path`` (a directory or a file in one) has a manifest: a key is for bundles, so an unbundled
    side reads "not bundled" instead of failing the comparison."""
    from scanner.evidence.bundle import MANIFEST_NAME

    return (path if path.is_dir() else path.parent).joinpath(MANIFEST_NAME).is_file()


def _merge(args: argparse.Namespace) -> int:
    from scanner.evidence.merge import merge_shards

    result = merge_shards(args.shards, args.evidence_output, allow_incomplete=args.merge_incomplete)
    print(f"pacscan: merged {len(args.shards)} shard(s) into {result.output}: {len(result.tenants)} tenant(s), "
          f"{len(result.files)} evidence file(s)")
    if result.shards is not None and not result.shards.complete:
        print(f"pacscan: INCOMPLETE: {result.shards.describe()}; {result.output}/index.json records the set as "
              "incomplete (shards.complete = false)", file=sys.stderr)
    return EXIT_OK


def _html(args: argparse.Namespace) -> int:
    from scanner.evidence.bundle import load_evidence
    from scanner.evidence.integrity import check_integrity
    from scanner.render.html import render_html

    integrity = check_integrity(args.source, args.public_key)
    # said before anything else (the page says it first too), even if tampered files no longer load
    print(f"pacscan: {integrity.source}: {integrity.summary}", file=sys.stderr)
    evidence = load_evidence(args.source)
    previous = _comparison(args.previous, args.source, args.public_key) if args.previous else None
    if previous is not None and previous.integrity is not None:
        print(f"pacscan: {previous.integrity.source}: {previous.integrity.summary}", file=sys.stderr)
    write_atomic(args.evidence_output, render_html(evidence, META, integrity=integrity, previous=previous,
                                                   title=args.title))
    print(f"pacscan: wrote the HTML report to {args.evidence_output}", file=sys.stderr)
    tampered = integrity.tampered or (previous is not None and previous.integrity is not None
                                      and previous.integrity.tampered)
    return EXIT_TAMPERED if tampered else EXIT_OK


def _comparison(previous: Path, current: Path, public_key: Path | None) -> Any:
    from scanner.evidence.bundle import MANIFEST_NAME, load_evidence
    from scanner.evidence.diff import diff_sets
    from scanner.evidence.integrity import check_integrity
    from scanner.render.html import Comparison

    old, new = load_evidence(previous), load_evidence(current)
    single = previous.is_file() and current.is_file()
    # the key is for bundles: an unbundled previous scan reads "not bundled" instead of failing the report
    bundled = (previous if previous.is_dir() else previous.parent).joinpath(MANIFEST_NAME).is_file()
    return Comparison(label=str(previous), evidence=old, diff=diff_sets(old, new, single=single),
                      integrity=check_integrity(previous, public_key if bundled else None))


def _trend(args: argparse.Namespace) -> int:
    from scanner.evidence.trend import build_trend, trend_document

    trend = build_trend(args.sources, args.public_key)
    if args.evidence_format == "json":
        text = json.dumps(trend_document(trend), indent=2, ensure_ascii=False) + "\n"
    else:
        from scanner.render.trend_html import render_trend_html

        text = render_trend_html(trend, META)
    if args.evidence_output is None:
        sys.stdout.write(text)
    else:
        write_atomic(args.evidence_output, text)
        print(f"pacscan: wrote the {args.evidence_format} trend of {len(trend.points)} scans to "
              f"{args.evidence_output}", file=sys.stderr)
    tampered = [p for p in trend.points if p.integrity.tampered]
    for point in tampered:
        print(f"pacscan: {point.source}: {point.integrity.summary}", file=sys.stderr)
    return EXIT_TAMPERED if tampered else EXIT_OK


def _keygen(args: argparse.Namespace) -> int:
    from scanner.evidence.bundle import generate_keypair

    private, public = generate_keypair(args.prefix)
    print(f"pacscan: wrote {private} (private, mode 0600: keep it secret) and {public}")
    return EXIT_OK
