"""The terminal report (Rich), rendered to a string.

Reading order: header; one summary table per safeguard kind (every control, attestation ones
included); failing resources per control with location, observed evidence and the fix; what
could NOT be evaluated and why; waived findings; a closing line with totals that says plainly
whether anything was left unevaluated. A control's status is its roll-up from
:meth:`ScanResult.summaries`, so an unknown/error control never reads as a pass.

All user-supplied text goes through :class:`rich.text.Text` (never markup strings), so a
resource address such as ``aws_s3_bucket.images["dicom"]`` prints literally.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from scanner.models import (
    Control,
    ControlId,
    ControlSummary,
    Evaluation,
    Finding,
    ResourceRef,
    Safeguard,
    ScanResult,
    Status,
)
from scanner.render.base import GateCounts, ToolMeta, attestation_line, sorted_findings, unattested

STATUS_STYLES: Mapping[Status, str] = {
    Status.PASS: "green",
    Status.ATTESTED: "green",
    Status.FAIL: "bold red",
    Status.MISSING: "bold red",
    Status.EXPIRED: "bold red",
    Status.ERROR: "bold magenta",
    Status.UNKNOWN: "bold yellow",
    Status.WAIVED: "cyan",
    Status.NOT_APPLICABLE: "dim",
}
_EVIDENCE_WIDTH = 240
#: evidence that explains how a value was found rather than what it is: in the JSON report, not on the terminal
BACKGROUND = frozenset({"origins", "resource_name", "in_scope_by", "evaluated", "rule", "check"})


@dataclass(frozen=True)
class ConsoleRenderer:
    """Rich report; ``color=False`` gives plain text, ``quiet=True`` only gaps and errors."""

    color: bool = True
    width: int = 100
    quiet: bool = False
    name: ClassVar[str] = "console"

    def render(self, result: ScanResult, meta: ToolMeta) -> str:
        buffer = io.StringIO()
        console = Console(
            file=buffer, width=self.width, force_terminal=self.color,
            color_system="standard" if self.color else None, no_color=not self.color,
            highlight=False, emoji=False, markup=False, _environ={},
        )
        summaries = result.summaries()
        for part in _sections(result, summaries, meta, self.quiet):
            console.print(part, soft_wrap=isinstance(part, Text) and part.no_wrap is True)
        # Rich pads wrapped text and tables to the full width; drop that so the report diffs cleanly.
        return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _sections(result: ScanResult, summaries: tuple[ControlSummary, ...], meta: ToolMeta,
              quiet: bool) -> Iterable[RenderableType]:
    yield _header(result, meta)
    skipped = set(unattested(result))
    shown = result if not skipped else replace(
        result, findings=tuple(f for f in result.findings if f.control_id not in skipped))
    judged = tuple(s for s in summaries if s.control.id not in skipped)
    yield from _summary_tables(judged, quiet, result.judged_by)
    yield from _failures(shown, judged)
    yield from _unevaluated(result, summaries)
    if not quiet:
        yield from _waived(result, {s.control.id: s.control for s in summaries})
    yield from _expired_waivers(result)
    yield _closing(shown, judged, GateCounts.of(result))


def status_text(status: Status) -> Text:
    return Text(status.value.upper(), style=STATUS_STYLES[status])


def _header(result: ScanResult, meta: ToolMeta) -> RenderableType:
    lines = [
        Text.assemble((f"{meta.name} {meta.version}", "bold"), " HIPAA compliance scan"),
        Text(f"Targets:  {', '.join(result.targets) or '(none)'}"),
        Text(f"Scan id:  {result.scan_id}"),
        Text(f"Time:     {result.started_at} -> {result.finished_at}"),
        Text(f"Catalog:  sha256 {result.catalog_sha256[:12]}"),
    ]
    lines += [Text(f"Not read: {note}", style="yellow") for note in result.notes]
    return Group(*lines, Text(""))


def _summary_tables(summaries: tuple[ControlSummary, ...], quiet: bool,
                    judged_by: Mapping[ControlId, tuple[str, ...]]) -> Iterable[RenderableType]:
    """One table per safeguard kind. A control nothing of whose kind was found is a count, not a row."""
    for kind in Safeguard:
        rows = [s for s in summaries if s.control.safeguard is kind and s.status is not Status.NOT_APPLICABLE]
        if quiet:
            rows = [s for s in rows if s.status.is_failure or s.status.is_unevaluated]
        if rows:
            yield _summary_table(kind, rows, judged_by)
    absent = sum(1 for s in summaries if s.status is Status.NOT_APPLICABLE)
    if absent:
        yield Text(f"{absent} control(s) not applicable: nothing of the kinds they judge was found.", style="dim")
        yield Text("")


def _evaluated_as(control: Control, judged_by: Mapping[ControlId, tuple[str, ...]]) -> str:
    if control.id in judged_by:
        return f" (probed: {', '.join(judged_by[control.id])})"
    return " (attestation)" if control.evaluation is Evaluation.ATTESTATION else ""


def _summary_table(kind: Safeguard, rows: list[ControlSummary],
                   judged_by: Mapping[ControlId, tuple[str, ...]]) -> Table:
    table = Table(title=Text(f"{kind.value.capitalize()} safeguards", style="bold"),
                  title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, expand=True)
    table.add_column("Control", no_wrap=True)
    table.add_column("Title", ratio=3, overflow="fold")
    table.add_column("Severity", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Findings", ratio=2)
    table.add_column("45 CFR", no_wrap=True)
    for s in rows:
        c = s.control
        table.add_row(
            Text(c.id), Text(c.title + _evaluated_as(c, judged_by)),
            Text(c.severity.value), status_text(s.status), _counts_text(s),
            Text("\n".join(_short_section(ref) for ref in c.citation_refs)),
        )
    return table


def _short_section(section: str) -> str:
    return section.removeprefix("45 CFR ")


def _counts_text(summary: ControlSummary) -> Text:
    parts = [(f"{summary.counts[st]} {st.value}", STATUS_STYLES[st])
             for st in Status if summary.counts.get(st, 0)]
    if not parts:
        label = "no attestation recorded" if summary.status is Status.MISSING else "none found"
        return Text(label, style=STATUS_STYLES[summary.status])
    text = Text()
    for i, (label, style) in enumerate(parts):
        if i:
            text.append(", ")
        text.append(label, style=style)
    return text


#: failing resources listed per control on the terminal; the file reports carry all of them
MAX_LISTED = 20


def _failures(result: ScanResult, summaries: tuple[ControlSummary, ...]) -> Iterable[RenderableType]:
    """Failing findings per control, plus failing controls with no finding (a missing attestation)."""
    failing = dict(_grouped([f for f in sorted_findings(result) if f.status.is_failure]))
    controls = [s.control for s in summaries if s.control.id in failing or s.status.is_failure]
    orphans = [cid for cid in failing if cid not in {c.id for c in controls}]
    if not controls and not orphans:
        return
    yield Text("Failing resources", style="bold red")
    for control in controls:
        yield _control_heading(control.id, control)
        found = failing.get(control.id, [])
        for f in found[:MAX_LISTED]:
            yield _finding_block(f, control)
        if len(found) > MAX_LISTED:
            yield Text(f"    ... and {len(found) - MAX_LISTED} more failing resource(s) for {control.id}: "
                       "every one is in the JSON/SARIF/JUnit reports", style="bold")
        if control.id not in failing:
            yield Text.assemble("    ", status_text(Status.MISSING),
                                " no attestation is recorded for this control")
        if not found or any(not f.remediation or f.remediation == control.remediation.text for f in found):
            yield _indented(Text.assemble("Fix: ", (control.remediation.text, "bold")), 4)  # else each has its own
        yield Text("")
    for control_id in orphans:
        yield _control_heading(control_id, None)
        for f in failing[control_id]:
            yield _finding_block(f, None)
        yield Text("")


def _unevaluated(result: ScanResult, summaries: tuple[ControlSummary, ...]) -> Iterable[RenderableType]:
    """What could not be evaluated. A cause shared by several controls (a file that does not parse, a
    module not on disk, a listing denied) is one line naming how many controls it left open, not one
    block per control; what is particular to one control and resource is shown per control."""
    findings = [f for f in sorted_findings(result) if f.status.is_unevaluated]
    silent = [s.control for s in summaries
              if s.status.is_unevaluated and not result.findings_for(s.control.id)]
    if not findings and not silent:
        return
    yield Text("Not evaluated (error / unknown): these controls are NOT shown to pass",
               style="bold yellow")
    shared, single = _by_cause(findings)
    for group in shared:
        first = group[0]
        line = Text.assemble("  ", status_text(first.status), f" {location(first.resource)}  {first.message} ",
                             (f"({len(group)} controls)", "bold"))
        line.no_wrap = True  # one line per cause, however long
        yield line
    controls = {s.control.id: s.control for s in summaries}
    for control_id, found in _grouped(single):
        yield _control_heading(control_id, controls.get(control_id))
        for f in found:
            yield _finding_block(f, controls.get(control_id))
    for control in silent:
        yield _control_heading(control.id, control)
        yield Text("    no finding was produced for this control; nothing was evaluated",
                   style=STATUS_STYLES[Status.UNKNOWN])
    yield Text("")


def _by_cause(findings: list[Finding]) -> tuple[list[list[Finding]], list[Finding]]:
    """(groups of findings one cause left open across several controls, the other findings)."""
    causes: dict[tuple[str, ...], list[Finding]] = {}
    for f in findings:
        r = f.resource
        causes.setdefault((f.status.value, f.check_id, r.address, r.file or "", r.account or "", r.region or "",
                           f.message), []).append(f)
    shared = [group for group in causes.values() if len({f.control_id for f in group}) > 1]
    grouped = {id(f) for group in shared for f in group}
    return shared, [f for f in findings if id(f) not in grouped]


def _waived(result: ScanResult, controls: Mapping[ControlId, Control]) -> Iterable[RenderableType]:
    waived = [f for f in sorted_findings(result) if f.status is Status.WAIVED]
    if not waived:
        return
    yield Text("Waived (failures accepted on the record)", style="bold cyan")
    for control_id, group in _grouped(waived):
        yield _control_heading(control_id, controls.get(control_id))
        for f in group:
            yield _finding_block(f, controls.get(control_id))
    yield Text("")


def _control_heading(control_id: str, control: Control | None) -> Group:
    if control is None:
        return Group(Text(f"  {control_id} (not in catalog)", style="bold"))
    return Group(
        Text.assemble((f"  {control.id}", "bold"), f"  {control.title}  ",
                      (f"[{control.severity.value}]", "dim")),
        Text(f"    {'; '.join(control.citation_refs)}", style="dim"),
    )


def _finding_block(f: Finding, control: Control | None) -> Group:
    lines: list[RenderableType] = [
        Text.assemble("    ", status_text(f.status), " ", (f.resource.address, "bold"),
                      f"  ({f.resource.type})" if f.resource.type else ""),
        _indented(Text(f"at {location(f.resource)}"), 6),
        _indented(Text(f"{f.check_id}: {f.message}" if f.check_id else f.message), 6),
    ]
    for key in sorted(f.evidence):
        value = f.evidence[key]
        if value != f.message and key not in BACKGROUND:  # adapters often repeat the check name as evidence
            lines.append(_indented(Text(f"{key}: {compact_evidence(value)}", style="dim"), 6))
    if f.remediation and (control is None or f.remediation != control.remediation.text):
        lines.append(_indented(Text(f"fix: {f.remediation}"), 6))
    return Group(*lines)


def _indented(text: Text, spaces: int) -> Padding:
    """Wrapped lines keep the indent, so a long message stays visibly inside its finding."""
    return Padding(text, (0, 0, 0, spaces), expand=False)


def location(r: ResourceRef) -> str:
    """``file:start-end`` for code, ``account/region/address`` for cloud resources."""
    if r.file is not None:
        if r.line_range is None:
            return r.file
        start, end = r.line_range
        return f"{r.file}:{start}" if start == end else f"{r.file}:{start}-{end}"
    cloud = [p for p in (r.account, r.region) if p]
    return "/".join([*cloud, r.address]) if cloud else r.address


def compact_evidence(value: object) -> str:
    """One line of sorted, compact JSON, cut at a readable length (the JSON report has it all)."""
    text = json.dumps(value, sort_keys=True, separators=(", ", ": "), default=repr, ensure_ascii=False)
    return text if len(text) <= _EVIDENCE_WIDTH else text[: _EVIDENCE_WIDTH - 3] + "..."


def _expired_waivers(result: ScanResult) -> Iterable[RenderableType]:
    expired = result.gate.expired_waivers
    if not expired:
        return
    yield Text("Expired waivers (they no longer waive anything: renew or fix)", style="bold red")
    for w in expired:
        yield _indented(Text(f"{w.control_id}  {w.resource}  expired {w.expires}  ({w.origin}; owner "
                             f"{w.owner or '-'}, ticket {w.ticket or '-'})"), 2)
    yield Text("")


def _closing(result: ScanResult, summaries: tuple[ControlSummary, ...], gate: GateCounts) -> RenderableType:
    """Totals (the attestation controls no file was given for are the one line below them), what the
    gate did, and whether anything was left unevaluated."""
    control_counts = _tally(s.status for s in summaries)
    finding_counts = _tally(f.status for f in result.findings)
    totals = Text.assemble(
        (f"{len(summaries)} controls: ", "bold"), _tally_text(control_counts),
        (f"  |  {len(result.findings)} findings: ", "bold"), _tally_text(finding_counts),
    )
    lines: list[RenderableType] = [totals, Text.assemble(("Failures: ", "bold"), gate.line())]
    if gate.unattested:
        lines.append(Text(attestation_line(gate.unattested), style="bold yellow"))
    unevaluated = [s.control.id for s in summaries if s.status.is_unevaluated]
    if unevaluated:
        lines.append(Text(
            f"NOT EVALUATED: {len(unevaluated)} control(s) could not be evaluated "
            f"({', '.join(unevaluated)}); this report does not show them to pass.",
            style="bold yellow"))
    else:
        lines.append(Text("Every control was evaluated.", style="green"))
    return Group(*lines)


def _tally(statuses: Iterable[Status]) -> dict[Status, int]:
    counts = {s: 0 for s in Status}
    for s in statuses:
        counts[s] += 1
    return counts


def _tally_text(counts: Mapping[Status, int]) -> Text:
    text = Text()
    shown = [s for s in Status if counts[s]]
    for i, s in enumerate(shown):
        if i:
            text.append(", ")
        text.append(f"{counts[s]} {s.value}", style=STATUS_STYLES[s])
    return text if shown else Text("none")


def _grouped(findings: list[Finding]) -> Iterable[tuple[ControlId, list[Finding]]]:
    groups: dict[ControlId, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.control_id, []).append(f)
    return groups.items()
