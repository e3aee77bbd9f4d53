"""A Markdown summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment.

Reading order: a verdict line (never "passed" while anything is unevaluated), one line counting
what the gate did (new, baselined, waived, fixed, expired waivers), one line for the attestation
controls when no attestation file was given, then collapsible sections (``<details>``): the new
failures (open), the controls, baselined failures, waived findings, what could NOT be evaluated,
what the baseline shows as fixed, expired and stale waivers, and inline skips without a reason.

Every user-supplied string is escaped for a table cell (``|``, backticks, Markdown punctuation,
HTML) or put in a code span. The report fits a pull-request comment (GitHub refuses one over
65,536 characters): sections give up rows, most populous first, until it fits, each saying how
many it left out; :func:`cap` is the last resort.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from scanner.models import Control, ControlId, ControlSummary, Finding, ScanResult, Status, Waiver
from scanner.render.base import GateCounts, ToolMeta, attestation_line, sorted_findings, unattested
from scanner.render.console import compact_evidence, location

#: GitHub's limit for a pull-request comment (characters); the step summary's (1 MiB) is larger
COMMENT_LIMIT = 65_536
STEP_SUMMARY_LIMIT = 1024 * 1024
_TRUNCATED = "\n\n> **Report truncated** at {limit} characters: the JSON evidence report has every finding.\n"
_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|#~!])")


@dataclass(frozen=True)
class Section:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    after: str = ""  # text after the table (the fixes)
    open: bool = False
    empty: str = ""  # shown instead of the table when there are no rows (else the section is left out)

    def render(self, max_rows: int) -> str:
        if not self.rows and not self.empty:
            return ""
        body = _table(self.header, self.rows[:max_rows]) if self.rows else self.empty
        if len(self.rows) > max_rows:
            body += (f"\n\n... and {len(self.rows) - max_rows} more (see the JSON evidence report)." if max_rows
                     else "Left out to fit a pull-request comment: see the JSON evidence report.")
        if self.after and max_rows:
            body += "\n\n" + self.after
        state = " open" if self.open else ""
        summary = f"<summary><strong>{self.title} ({len(self.rows)})</strong></summary>"
        return f"<details{state}>{summary}\n\n{body}\n\n</details>"


@dataclass(frozen=True)
class MarkdownRenderer:
    """GitHub-flavoured Markdown; ``max_rows`` caps each section, ``max_chars`` the whole text."""

    max_rows: int = 50
    max_chars: int = COMMENT_LIMIT - 536
    name: ClassVar[str] = "markdown"

    def render(self, result: ScanResult, meta: ToolMeta) -> str:
        head = _header(result, meta)
        sections = _sections(result)
        rows = {s.title: self.max_rows for s in sections}
        text = _assemble(head, sections, rows)
        while len(text) > self.max_chars and any(rows.values()):
            largest = max(sections, key=lambda s: min(len(s.rows), rows[s.title]))
            rows[largest.title] = min(len(largest.rows), rows[largest.title]) // 2
            text = _assemble(head, sections, rows)
        return cap(text, self.max_chars)


def _assemble(head: str, sections: Sequence[Section], rows: dict[str, int]) -> str:
    blocks = [head, *(s.render(rows[s.title]) for s in sections)]
    return "\n\n".join(b for b in blocks if b) + "\n"


def cap(text: str, max_chars: int) -> str:
    """``text`` if it fits in ``max_chars`` characters, else whole lines of it and a truncation note."""
    if len(text) <= max_chars:
        return text
    note = _TRUNCATED.format(limit=max_chars)
    budget = max_chars - len(note)
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        if used + len(line) > budget:
            break
        kept.append(line)
        used += len(line)
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


def _header(result: ScanResult, meta: ToolMeta) -> str:
    skipped = set(unattested(result))
    summaries = [s for s in result.summaries() if s.control.id not in skipped]
    counts = GateCounts.of(result)
    new = [f for f in result.findings if f.status.is_failure and not f.baselined and f.control_id not in skipped]
    silent = _silent_missing(result, skipped)
    unevaluated = [s.control.id for s in summaries if s.status.is_unevaluated]
    if new or silent:
        failing_controls = len({f.control_id for f in new} | {c.id for c in silent})
        verdict = f"**FAIL**: {len(new) + len(silent)} new failing finding(s) in {failing_controls} control(s)"
    elif unevaluated:
        verdict = "**INCOMPLETE**: no new failure found, but not every control could be evaluated"
    elif counts.baselined:
        verdict = "**NO NEW FAILURES**: every failure is already in the baseline"
    else:
        verdict = "**PASS**: every control was evaluated and passed or is attested"
    lines = [f"## {cell(meta.name)} {cell(meta.version)}: HIPAA compliance scan", "", verdict, "",
             _table(["New", "Baselined", "Waived", "Fixed", "Expired waivers"],
                    [[str(counts.new), str(counts.baselined), str(counts.waived), str(counts.fixed),
                      str(counts.expired_waivers)]])]
    if counts.unattested:
        line = attestation_line(counts.unattested).replace("--attestations FILE", "`--attestations FILE`")
        lines.append(f"\n{line}.")
    if unevaluated:
        lines.append(f"\n**NOT EVALUATED**: {len(unevaluated)} control(s) ({', '.join(unevaluated)}) could "
                     "not be evaluated; this report does not show them to pass.")
    lines.append(f"\nTargets: {cell(', '.join(result.targets) or '(none)')} · scan `{result.scan_id}` · "
                 f"catalog sha256 `{result.catalog_sha256[:12]}`")
    return "\n".join(lines)


def _silent_missing(result: ScanResult, skipped: set[ControlId]) -> list[Control]:
    return [s.control for s in result.summaries() if s.status is Status.MISSING and s.control.id not in skipped
            and not result.findings_for(s.control.id)]


def _sections(result: ScanResult) -> list[Section]:
    skipped = set(unattested(result))
    findings = [f for f in sorted_findings(result) if f.control_id not in skipped]
    failing = [f for f in findings if f.status.is_failure]
    new = [f for f in failing if not f.baselined]
    silent = _silent_missing(result, skipped)
    header = ("Control", "Resource", "Location", "Finding", "Observed")
    new_rows = [_failure_row(f) for f in new]
    new_rows += [(code(c.id), code(f"control:{c.id}"), "", "no attestation is recorded", "") for c in silent]
    fixes = _fixes([*(c for c in result.controls if c.id in {f.control_id for f in new}), *silent])
    return [
        Section("New failures", header, tuple(new_rows), fixes, open=True),
        _control_section(result, skipped),
        Section("Baselined failures", header, tuple(_failure_row(f) for f in failing if f.baselined)),
        Section("Waived: failures accepted on the record",
                ("Control", "Resource", "Location", "Justification", "Owner", "Ticket", "Expires", "Origin"),
                tuple((*_where(f), *_waiver_cells(f.waiver)) for f in findings if f.status is Status.WAIVED)),
        _unevaluated(result, findings),
        *_gate(result),
    ]


def _control_section(result: ScanResult, skipped: set[ControlId]) -> Section:
    summaries = [s for s in result.summaries() if s.control.id not in skipped]
    absent = [s for s in summaries if s.status is Status.NOT_APPLICABLE]
    rows = tuple((code(s.control.id), cell(s.control.title), s.control.severity.value, f"**{s.status.value}**",
                  _counts(s), cell("; ".join(r.removeprefix("45 CFR ") for r in s.control.citation_refs)))
                 for s in summaries if s.status is not Status.NOT_APPLICABLE)
    after = f"{len(absent)} control(s) not applicable: nothing of the kinds they judge was found." if absent else ""
    return Section("Controls", ("Control", "Title", "Severity", "Status", "Findings", "45 CFR"), rows, after)


def _counts(summary: ControlSummary) -> str:
    parts = [f"{n} {st.value}" for st in Status if (n := summary.counts.get(st, 0))]
    if parts:
        return ", ".join(parts)
    return "no attestation recorded" if summary.status is Status.MISSING else "none found"


def _where(f: Finding) -> tuple[str, str, str]:
    where = location(f.resource)
    return code(f.control_id), code(f.resource.address), code(where) if where != f.resource.address else ""


def _failure_row(f: Finding) -> tuple[str, ...]:
    observed = f.evidence.get("observed", f.evidence)  # the values the rule read, not how they were found
    return (*_where(f), cell(f.message), code(compact_evidence(observed)) if observed else "")


def _fixes(controls: Iterable[Control]) -> str:
    seen: dict[str, str] = {}
    for c in controls:
        seen.setdefault(c.id, c.remediation.text)
    return "\n".join(f"- **Fix {code(cid)}**: {cell(text)}" for cid, text in seen.items())


def _waiver_cells(w: Waiver | None) -> tuple[str, ...]:
    if w is None:
        return "no waiver record attached", "", "", "", ""
    return (cell(w.justification), cell(w.owner or ""), cell(w.ticket or ""), cell(w.expires or "never"),
            cell(w.origin))


def _unevaluated(result: ScanResult, findings: Sequence[Finding]) -> Section:
    """One row per cause: a file that does not parse is one row naming how many controls it left open."""
    causes: dict[tuple[str, ...], list[Finding]] = {}
    for f in findings:
        if f.status.is_unevaluated:
            r = f.resource
            causes.setdefault((f.status.value, f.check_id, r.address, r.file or "", r.account or "", f.message),
                              []).append(f)
    rows = [(*_where(found[0]), found[0].status.value, cell(found[0].message)) if len(found) == 1 else
            (f"{len(found)} controls", *_where(found[0])[1:], found[0].status.value, cell(found[0].message))
            for found in causes.values()]
    rows += [(code(s.control.id), code(f"control:{s.control.id}"), "", s.status.value,
              "no finding was produced for this control; nothing was evaluated")
             for s in result.summaries() if s.status.is_unevaluated and not result.findings_for(s.control.id)]
    return Section("Not evaluated (error / unknown), NOT shown to pass", ("Control", "Resource", "Location",
                   "Status", "Why"), tuple(rows))


def _gate(result: ScanResult) -> list[Section]:
    gate = result.gate
    sections = []
    if gate.baseline is not None:
        sections.append(Section(f"Fixed since baseline {cell(gate.baseline)}", ("Finding key",),
                                tuple((code(key),) for key in gate.fixed), empty="Nothing in the baseline was fixed."))
    header = ("Control", "Resource", "Justification", "Owner", "Ticket", "Expires", "Origin")
    for title, waivers in (("Expired waivers (no longer waive anything)", gate.expired_waivers),
                           ("Stale waivers (match no resource)", gate.stale_waivers)):
        sections.append(Section(title, header, tuple((code(w.control_id), code(w.resource), *_waiver_cells(w))
                                                     for w in waivers)))
    sections.append(Section("Inline skips without a reason (reported unknown, not waived)", ("Finding key",),
                            tuple((code(key),) for key in gate.unreasoned_skips)))
    return sections
