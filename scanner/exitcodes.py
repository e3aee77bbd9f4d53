"""Exit codes of the scan commands (``iac``, ``cloud``, ``cloud --tenants``, ``probe``, ``deid``):
decided here, and only here.

``TABLE`` is the one table: every scan command's ``--help`` prints it and the README's "Exit codes"
section is checked against it (tests/test_exit_codes.py, which also runs every row). The verdict
reads the findings' statuses, never their text:

* ``fail`` (and ``missing``/``expired`` attestations, when ``--attestations`` was given) at or above
  ``--fail-on``, not waived nor baselined: the estate has a gap (1);
* ``error``: something the scan was asked to read could not be read (denied, throttled past the
  retries, an endpoint unreachable or stopped by its circuit breaker, an unparseable file, a module
  not fetched), and an MSP tenant or account that could not be scanned: the scan is incomplete (3),
  unless ``--allow-incomplete``. A scan that could read nothing at all is 3 even then;
* ``unknown``: undecidable from the code (known only after apply, a variable with no value, an
  inline skip without a reason): informational, 3 only with ``--fail-on-unknown``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from scanner.errors import PacscanError, UnreachableError
from scanner.models import Finding, ScanResult, Severity, Source, Status


class ExitCode(enum.IntEnum):
    OK = 0
    FAILED = 1
    INPUT = 2
    INCOMPLETE = 3
    INTERRUPTED = 130


#: (code, when): the documented table, in order
TABLE: tuple[tuple[ExitCode, str], ...] = (
    (ExitCode.OK, "everything asked for was read and nothing at or above the --fail-on severity failed "
                  "(or --soft-fail was given: then always 0, except input errors)"),
    (ExitCode.FAILED, "a finding at or above --fail-on is fail (missing/expired attestations count only when "
                      "--attestations is given); waived and baselined failures do not count. A failure wins over "
                      "an incomplete scan"),
    (ExitCode.INPUT, "usage or input error: a missing path, a folder with no Terraform, a malformed config, "
                     "attestation, waiver, baseline, plan, catalog or tenants file, credentials that cannot be "
                     "used, a missing extra (the line names the pip install to run). Nothing is scanned"),
    (ExitCode.INCOMPLETE, "incomplete: something could not be read (error: access denied, throttled past the "
                          "retries, an endpoint unreachable, an unparseable or oversized file, a module not "
                          "fetched, an MSP tenant or account that failed), unless --allow-incomplete; a scan that "
                          "read nothing at all (every tenant failed, every finding error) is 3 even then. Also 3 "
                          "when something is unknown (undecidable from the code: known only after apply, a "
                          "variable with no value) and --fail-on-unknown was given"),
    (ExitCode.INTERRUPTED, "interrupted (Ctrl-C); no report is written"),
)


def epilog() -> str:
    """The table as every scan command's ``--help`` shows it."""
    import textwrap

    lines = ["exit codes:"]
    for code, when in TABLE:
        wrapped = textwrap.wrap(when, width=92, break_on_hyphens=False)
        lines.append(f"  {code.value:<3}  {wrapped[0]}")
        lines += [f"       {line}" for line in wrapped[1:]]
    lines += ["", "What could not be evaluated is error (could not be read) or unknown (cannot be decided), "
              "never pass."]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Gate:
    """The gate options of a scan command."""

    threshold: Severity = Severity.LOW
    fail_on_unknown: bool = False
    allow_incomplete: bool = False
    soft_fail: bool = False
    attestations_given: bool = False
    #: ``--create-baseline``: today's failures are being recorded, not judged
    record_only: bool = False


@dataclass(frozen=True)
class Verdict:
    code: ExitCode
    #: one line saying why, for stderr (empty when there is nothing to add to the report)
    why: str = ""


def decide(results: Sequence[ScanResult], gate: Gate, unscanned: Sequence[str] = ()) -> Verdict:
    """The exit code of a scan (one result) or an MSP run (one result per tenant that produced
    evidence; ``unscanned``: the tenants or accounts that could not be (fully) scanned)."""
    counted = [f for r in results for f in r.findings if gate.attestations_given or f.source is not Source.ATTESTATION]
    unread = sum(1 for f in counted if f.status is Status.ERROR)
    undecided = sum(1 for f in counted if f.status is Status.UNKNOWN)
    if gate.soft_fail:
        return Verdict(ExitCode.OK, _accepted(unread, unscanned, "--soft-fail"))
    failed = [f for f in counted if f.status.is_failure and not f.baselined and f.severity.rank >= gate.threshold.rank]
    if failed and not gate.record_only:
        return Verdict(ExitCode.FAILED)
    if (unread or unscanned) and not any(_read_something(r) for r in results):
        what = f"{len(unscanned)} tenant(s) failed" if unscanned else f"all {unread} finding(s) are error"
        return Verdict(ExitCode.INCOMPLETE, f"nothing could be read ({what}); exit 3 even with --allow-incomplete")
    if (unread or unscanned) and not gate.allow_incomplete:
        return Verdict(ExitCode.INCOMPLETE, f"incomplete scan: {_missing(unread, unscanned)}; exit 3 "
                                            "(--allow-incomplete accepts an incomplete scan)")
    if undecided and gate.fail_on_unknown:
        return Verdict(ExitCode.INCOMPLETE, f"{undecided} finding(s) unknown (undecidable from the code) and "
                                            "--fail-on-unknown was given; exit 3")
    return Verdict(ExitCode.OK, _accepted(unread, unscanned, "--allow-incomplete"))


def for_error(err: PacscanError) -> ExitCode:
    """The exit code of a scan that stopped on an error: nothing could be reached (3), else input (2)."""
    return ExitCode.INCOMPLETE if isinstance(err, UnreachableError) else ExitCode.INPUT


def _read_something(result: ScanResult) -> bool:
    """A result read something: it has a finding that is not error (attestations aside), or none
    at all (an empty account was read)."""
    automated = [f for f in result.findings if f.source is not Source.ATTESTATION]
    return not automated or any(not _unread(f) for f in automated)


def _unread(finding: Finding) -> bool:
    return finding.status is Status.ERROR


def _missing(unread: int, unscanned: Sequence[str]) -> str:
    parts = [f"{unread} finding(s) could not be read (error)"] if unread else []
    if unscanned:
        parts.append(f"{len(unscanned)} tenant(s) not (fully) scanned")
    return " and ".join(parts)


def _accepted(unread: int, unscanned: Sequence[str], flag: str) -> str:
    if not unread and not unscanned:
        return ""
    return f"incomplete scan accepted ({flag}): {_missing(unread, unscanned)}"


__all__ = ["TABLE", "ExitCode", "Gate", "Verdict", "decide", "epilog", "for_error"]
