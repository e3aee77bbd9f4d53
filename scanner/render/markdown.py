"""A Markdown summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment.

Reading order: a verdict line (never "passed" while anything is unevaluated), one table of every
control with its status and counts, then the failing resources (capped, with "and N more"),
waived findings, what could NOT be evaluated, what the baseline shows as fixed, expired and stale
waivers, and inline skips without a reason.

Every user-supplied string is escaped for a table cell (``|``, backticks, Markdown punctuation,
HTML) or put in a code span, and the whole report is capped in bytes: GitHub rejects a step
summary over 1 MiB (a PR comment's limit is 65,536 characters: pass ``max_bytes`` for that).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from scanner.models import Control, ControlSummary, Finding, ScanResult, Status, Waiver
from scanner.render.base import ToolMeta, sorted_findings
from scanner.render.console import compact_evidence, location

STEP_SUMMARY_LIMIT = 1024 * 1024
_TRUNCATED = "\n\n> **Report truncated** at {limit} bytes: the JSON evidence report has every finding.\n"
_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|#~!])")


@dataclass(frozen=True)
class MarkdownRenderer:
    """GitHub-flavoured Markdown; ``max_rows`` caps each list, ``max_bytes`` the whole text."""

    max_rows: int = 50
    max_bytes: int = STEP_SUMMARY_LIMIT - 1024
    name: ClassVar[str] = "markdown"

    def render(self, result: ScanResult, meta: ToolMeta) -> str:
        summaries = result.summaries()
        blocks = [
            _header(result, summaries, meta),
            _control_table(summaries),
            _failing(result, self.max_rows),
            _waived(result, self.max_rows),
            _unevaluated(result, summaries, self.max_rows),
            _gate(result, self.max_rows),
        ]
        return cap("\n\n".join(b for b in blocks if b) + "\n", self.max_bytes)


def cap(text: str, max_bytes: int) -> str:
    """``text`` if it fits in ``max_bytes`` of UTF-8, else whole lines of it and a truncation note."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    note = _TRUNCATED.format(limit=max_bytes)
    budget = max_bytes - len(note.encode("utf-8"))
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        size = len(line.encode("utf-8"))
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return "".join(kept).rstrip("\n") + note


def cell(text: str) -> str:
    """Plain text safe inside a table cell: one line, Markdown/HTML punctuation escaped."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(text.split()))


def code(text: str) -> str:
    """``text`` as a code span safe inside a table cell (pipes escaped, fence longer than any
    backtick run inside, which a backslash cannot escape in a code span)."""
    flat = " ".join(text.split()).replace("|", "\\|")
    runs = [len(r) for r in re.findall("`+", flat)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _capped(title: str, rows: Sequence[Sequence[str]], header: Sequence[str], max_rows: int) -> str:
    if not rows:
        return ""
    text = f"### {title} ({len(rows)})\n\n" + _table(header, rows[:max_rows])
    if len(rows) > max_rows:
        text += f"\n\n... and {len(rows) - max_rows} more (see the JSON evidence report)."
    return text


def _header(result: ScanResult, summaries: Sequence[ControlSummary], meta: ToolMeta) -> str:
    failing = [f for f in result.findings if f.status.is_failure]
    new = [f for f in failing if not f.baselined]
    silent_missing = [s for s in summaries if s.status is Status.MISSING and not result.findings_for(s.control.id)]
    unevaluated = [s.control.id for s in summaries if s.status.is_unevaluated]
    failing_controls = len({f.control_id for f in new} | {s.control.id for s in silent_missing})
    if new or silent_missing:
        verdict = (f"**FAIL**: {len(new) + len(silent_missing)} failing finding(s) in {failing_controls} "
                   "control(s)")
    elif unevaluated:
        verdict = "**INCOMPLETE**: no failure found, but not every control could be evaluated"
    elif failing:
        verdict = "**NO NEW FAILURES**: every failure is already in the baseline"
    else:
        verdict = "**PASS**: every control was evaluated and passed or is attested"
    lines = [f"## {cell(meta.name)} {cell(meta.version)}: HIPAA compliance scan", "", verdict]
    if failing and len(failing) != len(new):
        lines.append(f"\n{len(failing) - len(new)} failing finding(s) are already in the baseline.")
    if unevaluated:
        lines.append(f"\n**NOT EVALUATED**: {len(unevaluated)} control(s) ({', '.join(unevaluated)}) could "
                     "not be evaluated; this report does not show them to pass.")
    lines.append(f"\nTargets: {cell(', '.join(result.targets) or '(none)')} · scan `{result.scan_id}` · "
                 f"catalog sha256 `{result.catalog_sha256[:12]}`")
    return "\n".join(lines)


def _control_table(summaries: Sequence[ControlSummary]) -> str:
    rows = [[
        code(s.control.id), cell(s.control.title), s.control.severity.value, f"**{s.status.value}**",
        _counts(s), cell("; ".join(r.removeprefix("45 CFR ") for r in s.control.citation_refs)),
    ] for s in summaries]
    return "### Controls\n\n" + _table(["Control", "Title", "Severity", "Status", "Findings", "45 CFR"], rows)


def _counts(summary: ControlSummary) -> str:
    parts = [f"{n} {st.value}" for st in Status if (n := summary.counts.get(st, 0))]
    if parts:
        return ", ".join(parts)
    return "no attestation recorded" if summary.status is Status.MISSING else "none found"


def _finding_row(f: Finding, *extra: str) -> list[str]:
    where = location(f.resource)
    return [code(f.control_id), code(f.resource.address), code(where) if where != f.resource.address else "",
            *extra]


def _failing(result: ScanResult, max_rows: int) -> str:
    rows = [_finding_row(f, cell(f.message), code(compact_evidence(f.evidence)) if f.evidence else "",
                         "yes" if f.baselined else "no")
            for f in sorted_findings(result) if f.status.is_failure]
    silent = [s.control for s in result.summaries()
              if s.status is Status.MISSING and not result.findings_for(s.control.id)]
    rows += [[code(c.id), code(f"control:{c.id}"), "", "no attestation is recorded", "", "no"] for c in silent]
    table = _capped("Failing resources", rows,
                    ["Control", "Resource", "Location", "Finding", "Observed", "In baseline"], max_rows)
    if not table:
        return ""
    failing = {f.control_id for f in result.findings if f.status.is_failure}
    return table + "\n\n" + _fixes([*(c for c in result.controls if c.id in failing), *silent])


def _fixes(controls: Iterable[Control]) -> str:
    seen: dict[str, str] = {}
    for c in controls:
        seen.setdefault(c.id, c.remediation.text)
    return "\n".join(f"- **Fix {code(cid)}**: {cell(text)}" for cid, text in seen.items())


def _waived(result: ScanResult, max_rows: int) -> str:
    rows = [_finding_row(f, *_waiver_cells(f.waiver)) for f in sorted_findings(result) if f.status is Status.WAIVED]
    return _capped("Waived: failures accepted on the record", rows,
                   ["Control", "Resource", "Location", "Justification", "Owner", "Ticket", "Expires", "Origin"],
                   max_rows)


def _waiver_cells(w: Waiver | None) -> list[str]:
    if w is None:
        return ["no waiver record attached", "", "", "", ""]
    return [cell(w.justification), cell(w.owner or ""), cell(w.ticket or ""), cell(w.expires or "never"),
            cell(w.origin)]


def _unevaluated(result: ScanResult, summaries: Sequence[ControlSummary], max_rows: int) -> str:
    rows = [_finding_row(f, f.status.value, cell(f.message))
            for f in sorted_findings(result) if f.status.is_unevaluated]
    rows += [[code(s.control.id), code(f"control:{s.control.id}"), "", s.status.value,
              "no finding was produced for this control; nothing was evaluated"]
             for s in summaries if s.status.is_unevaluated and not result.findings_for(s.control.id)]
    return _capped("Not evaluated (error / unknown), NOT shown to pass", rows,
                   ["Control", "Resource", "Location", "Status", "Why"], max_rows)


def _gate(result: ScanResult, max_rows: int) -> str:
    gate = result.gate
    blocks = []
    if gate.baseline is not None:
        fixed = [[code(key)] for key in gate.fixed]
        blocks.append(_capped(f"Fixed since baseline {cell(gate.baseline)}", fixed, ["Finding key"], max_rows)
                      or f"### Fixed since baseline {cell(gate.baseline)} (0)\n\nNothing in the baseline was fixed.")
    header = ["Control", "Resource", "Justification", "Owner", "Ticket", "Expires", "Origin"]
    for title, waivers in (("Expired waivers (no longer waive anything)", gate.expired_waivers),
                           ("Stale waivers (match no resource)", gate.stale_waivers)):
        rows = [[code(w.control_id), code(w.resource), *_waiver_cells(w)] for w in waivers]
        blocks.append(_capped(title, rows, header, max_rows))
    skips = [[code(key)] for key in gate.unreasoned_skips]
    blocks.append(_capped("Inline skips without a reason (reported unknown, not waived)", skips,
                          ["Finding key"], max_rows))
    return "\n\n".join(b for b in blocks if b)
