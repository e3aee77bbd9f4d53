"""The compliance officer's report: one self-contained HTML page from JSON evidence, via Jinja2.

Rendered from evidence documents (not from a live ScanResult), so last month's evidence can be
re-rendered as it was recorded. The page needs nothing else: CSS is inline, charts are inline
SVG, there is no script, and a Content-Security-Policy forbids loading anything. Templates live
in ``scanner/render/templates`` (packaged as package data) and autoescape every value.

Reading order: the integrity of the evidence (a tampered bundle is shouted in the title and the
first lines); the executive summary (verdict per safeguard family with counts, top risks with
the resources behind them, attestation gaps, what changed since the previous scan); who scanned
what, when, with which catalog and version; then each safeguard family: every automated control
with its citations, the parameters it read, its scope, every resource with observed values
(passes too) and the fix for that resource's provider, then the attestation records (who, when,
evidence pointer, expiry) and the requirements nobody has attested; finally what could NOT be
evaluated (never a pass) and the waivers and baselines on the record.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import jinja2
import markupsafe

from scanner.evidence.bundle import EvidenceSet
from scanner.evidence.diff import EvidenceDiff
from scanner.evidence.integrity import Integrity, IntegrityState
from scanner.render.base import ToolMeta
from scanner.render.charts import stacked_bars
from scanner.render.report_build import control_views, unevaluated
from scanner.render.report_model import Report
from scanner.render.report_summary import (
    TOP_RISKS,
    attestation_gaps,
    changes_view,
    family_sections,
    gate_views,
    scan_views,
    top_risks,
    verdict,
)
from scanner.render.report_values import ORDER, PROVIDER_LABELS, STYLES

DEFAULT_TITLE = "HIPAA compliance report"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
NOT_CHECKED = Integrity(source="", state=IntegrityState.NOT_CHECKED,
                        summary="Integrity not checked: this report was rendered without checking the evidence bundle")


@dataclass(frozen=True)
class Comparison:
    """The previous scan the report compares with (``--previous``)."""

    label: str
    evidence: EvidenceSet
    diff: EvidenceDiff
    integrity: Integrity | None = None


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("scanner.render", "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(styles=STYLES, order=ORDER, providers=PROVIDER_LABELS, csp=markupsafe.Markup(CSP))
    return env


def build_report(evidence: EvidenceSet, meta: ToolMeta, *, integrity: Integrity | None = None,
                 previous: Comparison | None = None, title: str = DEFAULT_TITLE) -> Report:
    multi = evidence.index is not None or len(evidence.tenants) > 1
    views = control_views(evidence)
    sections = family_sections(views, multi)
    changes = None
    if previous is not None:
        changes = changes_view(previous.diff, previous.label, previous.evidence, previous.integrity)
    return Report(
        title=title, tool=f"{meta.name} {meta.version}", subject=_subject(evidence, multi),
        multi_tenant=multi, integrity=integrity or NOT_CHECKED, overall=verdict("all", views, multi),
        families=sections,
        risks=top_risks(views, multi), attestation_gaps=attestation_gaps(sections, multi), changes=changes,
        scans=scan_views(evidence, multi), unevaluated=unevaluated(views),
        failed_tenants=tuple((t.name, t.reason or "scan failed") for t in evidence.tenants if t.document is None),
        gates=gate_views(evidence),
    )


def render_html(evidence: EvidenceSet, meta: ToolMeta, *, integrity: Integrity | None = None,
                previous: Comparison | None = None, title: str = DEFAULT_TITLE) -> str:
    report = build_report(evidence, meta, integrity=integrity, previous=previous, title=title)
    chart = stacked_bars([(s.family.capitalize(), s.verdict.counts) for s in report.families])
    return environment().get_template("report.html.j2").render(report=report, chart=chart, top=TOP_RISKS)


def _subject(evidence: EvidenceSet, multi: bool) -> str:
    docs = [t.document for t in evidence.documents if t.document is not None]
    starts = sorted(str(d["scan"].get("started_at", "")) for d in docs)
    when = f"scanned {starts[0][:10]}" + (f" to {starts[-1][:10]}" if starts and starts[-1][:10] != starts[0][:10]
                                         else "") if starts else "no evaluated scan"
    if multi:
        return f"{len(evidence.tenants)} tenant(s), {when}"
    targets = [str(x) for d in docs for x in d["scan"].get("targets", [])]
    return f"{', '.join(targets) or 'no target recorded'}, {when}"
