"""The compliance officer's view: one self-contained HTML page rendered from JSON evidence.

Rendered from evidence documents (not from a live ScanResult), so last month's evidence can be
re-rendered as it was recorded. The page needs nothing else: CSS is inline, the chart is inline
SVG, there is no script, and a Content-Security-Policy forbids loading anything external. Every
piece of text from the evidence goes through :func:`html.escape`.

Reading order: who scanned what and when; a chart of control status per safeguard kind; the
control x tenant matrix with citations; failing resources with observed evidence and the fix;
attestation status; what could NOT be evaluated (tenants whose scan failed, controls in error
or unknown), which never reads as a pass; waived failures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from scanner.evidence.bundle import EvidenceSet, TenantEvidence
from scanner.models import Safeguard, Status
from scanner.render.base import ToolMeta

COLORS: Mapping[str, str] = {
    "pass": "#2e7d32", "attested": "#66bb6a", "waived": "#0288d1", "unknown": "#f9a825",
    "error": "#8e24aa", "missing": "#e64a19", "expired": "#ef6c00", "fail": "#c62828",
    "not-evaluated": "#757575", "not_applicable": "#9e9e9e",
}
NOT_EVALUATED = "not-evaluated"
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#212121;max-width:80rem}
h1{font-size:1.6rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#f5f5f5}.st{font-weight:600;color:#fff;border-radius:3px;
padding:.05rem .4rem;white-space:nowrap;font-size:.85rem}pre{background:#f7f7f7;padding:.4rem;overflow-x:auto;
white-space:pre-wrap;word-break:break-all;margin:.2rem 0}.cite{color:#555;font-size:.85rem}
.finding{border-left:4px solid #c62828;padding:.2rem .8rem;margin:.6rem 0}.muted{color:#666}
.warn{background:#fff8e1;border:1px solid #f9a825;padding:.5rem .8rem}code{font-size:.9em}
"""


def render_html(evidence: EvidenceSet, meta: ToolMeta, *, title: str = "HIPAA compliance report") -> str:
    tenants = evidence.tenants
    controls = _controls(evidence.documents)
    matrix = _matrix(tenants, controls)
    body = [
        f"<h1>{escape(meta.name)}: {escape(title)}</h1>",
        _header(evidence),
        _section("Status per safeguard", _chart(controls, matrix), "chart"),
        _section("Controls per tenant", _matrix_table(tenants, controls, matrix), "matrix"),
        _section("Failing resources", _failing(tenants, controls, matrix), "failing"),
        _section("Attestations", _attestations(tenants, controls, matrix), "attestations"),
        _section("Not evaluated", _unevaluated(tenants, controls, matrix), "not-evaluated"),
        _section("Waived failures", _waived(tenants), "waived"),
        f'<p class="muted">Rendered by {escape(meta.name)} {escape(meta.version)} from JSON evidence.</p>',
    ]
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(meta.name)}: {escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _section(heading: str, content: str, anchor: str) -> str:
    return f'<section id="{anchor}">\n<h2>{escape(heading)}</h2>\n{content}\n</section>'


def status_of(value: Any) -> str:
    """A known status value, else ``error``: an unreadable verdict never reads as a pass."""
    return value if isinstance(value, str) and value in {s.value for s in Status} else Status.ERROR.value


def _badge(status: str) -> str:
    label = "NOT EVALUATED" if status == NOT_EVALUATED else status.upper()
    return f'<span class="st st-{escape(status)}" style="background:{COLORS[status]}">{escape(label)}</span>'


def _controls(docs: Sequence[TenantEvidence]) -> dict[str, Mapping[str, Any]]:
    """Every control in any document, in catalog order of first appearance."""
    out: dict[str, Mapping[str, Any]] = {}
    for t in docs:
        assert t.document is not None
        for c in t.document["controls"]:
            out.setdefault(str(c.get("id")), c)
    return out


def _matrix(tenants: Sequence[TenantEvidence], controls: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(control id, tenant) -> status; a tenant without evidence, or a control absent from its
    document, is not evaluated."""
    cells = {}
    for t in tenants:
        found = {str(c.get("id")): status_of(c.get("status")) for c in (t.document or {}).get("controls", [])}
        for cid in controls:
            cells[(cid, t.name)] = found.get(cid, NOT_EVALUATED)
    return cells


def _header(evidence: EvidenceSet) -> str:
    rows = []
    for t in evidence.tenants:
        scan = (t.document or {}).get("scan", {})
        identities = "<br>".join(f"{escape(a)}: <code>{escape(i)}</code>" for a, i in sorted(t.identities.items()))
        state = (_badge(NOT_EVALUATED) + f" {escape(t.reason or 'scan failed')}") if t.document is None else "scanned"
        rows.append(f"<tr><td>{escape(t.name)}</td><td>{state}</td><td>{escape(str(scan.get('id', '')))}</td>"
                    f"<td>{escape(str(scan.get('started_at', '')))} &ndash; {escape(str(scan.get('finished_at', '')))}"
                    f"</td><td>{escape(', '.join(map(str, scan.get('targets', []))))}</td>"
                    f"<td>{identities or '<span class=muted>none recorded</span>'}</td></tr>")
    catalogs = sorted({str(t.document["scan"].get("catalog_sha256")) for t in evidence.documents if t.document})
    return ("<table><thead><tr><th>Tenant</th><th>Scan</th><th>Scan id</th><th>Window</th><th>Targets</th>"
            "<th>Scanned by</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            f'<p class="muted">Catalog sha256: {escape(", ".join(catalogs) or "none")}</p>')


def _chart(controls: Mapping[str, Mapping[str, Any]], matrix: Mapping[tuple[str, str], str]) -> str:
    """Inline SVG: one stacked bar per safeguard kind, counting control x tenant cells by status."""
    kinds = [k.value for k in Safeguard]
    kinds += sorted({str(c.get("safeguard")) for c in controls.values()} - set(kinds))
    counts = {k: _tally(s for (cid, _), s in matrix.items() if controls[cid].get("safeguard") == k) for k in kinds}
    rows = [(k, c) for k, c in counts.items() if sum(c.values())]
    if not rows:
        return '<p class="muted">No control was evaluated.</p>'
    widest = max(sum(c.values()) for _, c in rows)
    width, label_w, bar_w, row_h = 760, 130, 560, 30
    parts = []
    for i, (kind, tally) in enumerate(rows):
        y, x = 10 + i * row_h, float(label_w)
        parts.append(f'<text x="0" y="{y + 15}" font-size="13">{escape(kind.capitalize())}</text>')
        for status, n in tally.items():
            w = bar_w * n / widest
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="20" fill="{COLORS[status]}">'
                         f"<title>{escape(kind)}: {n} {escape(status)}</title></rect>")
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="12">{sum(tally.values())}</text>')
    legend_y = 10 + len(rows) * row_h + 8
    for j, status in enumerate(COLORS):
        lx = (j % 5) * 150
        ly = legend_y + (j // 5) * 20
        parts.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{COLORS[status]}"></rect>'
                     f'<text x="{lx + 18}" y="{ly + 11}" font-size="12">{escape(status)}</text>')
    height = legend_y + 2 * 20 + 4
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" aria-label="Control status per safeguard kind">'
            + "".join(parts) + "</svg>")


def _tally(statuses: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(COLORS, 0)
    for s in statuses:
        counts[s] += 1
    return {s: n for s, n in counts.items() if n}


def _citations(control: Mapping[str, Any]) -> str:
    return "<br>".join(
        f'<span class="cite">{escape(str(c.get("section", "")))} {escape(str(c.get("title", "")))} '
        f'({escape(str(c.get("specification", "")))})</span>' for c in control.get("citations", []))


def _control_cell(control: Mapping[str, Any]) -> str:
    kind = " (attestation)" if control.get("evaluation") == "attestation" else ""
    return (f"<td><strong>{escape(str(control.get('id')))}</strong> {escape(str(control.get('title', '')))}"
            f"{kind} <span class=muted>[{escape(str(control.get('severity', '')))}]</span><br>"
            f"{_citations(control)}</td>")


def _matrix_table(tenants: Sequence[TenantEvidence], controls: Mapping[str, Mapping[str, Any]],
                  matrix: Mapping[tuple[str, str], str]) -> str:
    head = "".join(f"<th>{escape(t.name)}</th>" for t in tenants)
    rows = []
    for cid, control in controls.items():
        cells = "".join(f"<td>{_badge(matrix[(cid, t.name)])}</td>" for t in tenants)
        rows.append(f"<tr>{_control_cell(control)}{cells}</tr>")
    return f"<table><thead><tr><th>Control</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _findings(tenants: Sequence[TenantEvidence], wanted: Iterable[str]) -> list[tuple[str, Mapping[str, Any]]]:
    statuses = set(wanted)
    return [(t.name, f) for t in tenants for f in (t.document or {}).get("findings", [])
            if status_of(f.get("status")) in statuses]


def _location(resource: Mapping[str, Any]) -> str:
    if resource.get("file"):
        lines = resource.get("line_range")
        return f"{resource['file']}:{lines[0]}-{lines[1]}" if isinstance(lines, list) else str(resource["file"])
    return "/".join(str(p) for p in (resource.get("account"), resource.get("region"), resource.get("address")) if p)


def _finding_block(tenant: str, f: Mapping[str, Any], extra: str = "") -> str:
    r = f.get("resource") or {}
    status = status_of(f.get("status"))
    evidence = json.dumps(f.get("evidence", {}), indent=2, sort_keys=True, ensure_ascii=False)
    fix = f.get("remediation") or ""
    return (f'<div class="finding" style="border-color:{COLORS[status]}">'
            f"<p>{_badge(status)} <strong class=address>{escape(str(r.get('address', '')))}</strong> "
            f"<span class=muted>({escape(str(r.get('type', '')))}) tenant {escape(tenant)}</span></p>"
            f"<p>at <code>{escape(_location(r))}</code> &middot; {escape(str(f.get('check_id', '')))}: "
            f"{escape(str(f.get('message', '')))}</p>"
            f"<p>Observed evidence:</p><pre>{escape(evidence)}</pre>"
            + (f"<p><strong>Fix:</strong> {escape(str(fix))}</p>" if fix else "") + extra + "</div>")


def _by_control(pairs: list[tuple[str, Mapping[str, Any]]]) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    out: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for tenant, f in pairs:
        out.setdefault(str(f.get("control_id")), []).append((tenant, f))
    return out


def _control_heading(cid: str, controls: Mapping[str, Mapping[str, Any]]) -> str:
    control = controls.get(cid, {})
    return (f"<h3>{escape(cid)} {escape(str(control.get('title', '(not in catalog)')))}</h3>"
            f"<p>{_citations(control)}</p>")


def _failing(tenants: Sequence[TenantEvidence], controls: Mapping[str, Mapping[str, Any]],
             matrix: Mapping[tuple[str, str], str]) -> str:
    """Failing findings per control (catalog order), plus failing controls with no finding for a
    tenant (an attestation that was never recorded)."""
    failing = _by_control(_findings(tenants, ["fail", "missing", "expired"]))
    blocks = []
    for cid in [*controls, *(c for c in failing if c not in controls)]:
        group = failing.get(cid, [])
        listed = {t for t, _ in group}
        silent = [t for t in tenants if (cid, t.name) in matrix and t.name not in listed
                  and matrix[(cid, t.name)] in ("fail", "missing", "expired")]
        if not group and not silent:
            continue
        blocks.append(_control_heading(cid, controls)
                      + "".join(_finding_block(t, f) for t, f in group)
                      + "".join(f"<p>{_badge(matrix[(cid, t.name)])} tenant {escape(t.name)}: no attestation "
                                "is recorded for this control; record it in the attestation file.</p>"
                                for t in silent))
    return "\n".join(blocks) if blocks else "<p>No failing resource.</p>"


def _attestations(tenants: Sequence[TenantEvidence], controls: Mapping[str, Mapping[str, Any]],
                  matrix: Mapping[tuple[str, str], str]) -> str:
    attested = {cid: c for cid, c in controls.items() if c.get("evaluation") == "attestation"}
    if not attested:
        return '<p class="muted">No attestation control in the catalog.</p>'
    records = {(t, str(f.get("control_id"))): f for t, f in _findings(tenants, [s.value for s in Status])
               if f.get("source") == "attestation"}
    rows = []
    for cid, control in attested.items():
        for t in tenants:
            f = records.get((t.name, cid))
            detail = escape(str(f.get("message", ""))) if f else "no attestation recorded"
            rows.append(f"<tr>{_control_cell(control)}<td>{escape(t.name)}</td>"
                        f"<td>{_badge(matrix[(cid, t.name)])}</td><td>{detail}</td></tr>")
    return ("<table><thead><tr><th>Control</th><th>Tenant</th><th>Status</th><th>Record</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _unevaluated(tenants: Sequence[TenantEvidence], controls: Mapping[str, Mapping[str, Any]],
                 matrix: Mapping[tuple[str, str], str]) -> str:
    parts = ['<p class="warn">Everything listed here was NOT evaluated: it is not shown to pass.</p>']
    failed = [t for t in tenants if t.document is None]
    parts += [f"<p>{_badge(NOT_EVALUATED)} tenant <strong>{escape(t.name)}</strong>: "
              f"{escape(t.reason or 'scan failed')}</p>" for t in failed]
    for cid, group in _by_control(_findings(tenants, ["error", "unknown"])).items():
        parts.append(_control_heading(cid, controls) + "".join(_finding_block(t, f) for t, f in group))
    with_findings = {(t, str(f.get("control_id"))) for t, f in _findings(tenants, [s.value for s in Status])}
    silent = [(cid, t.name) for cid in controls for t in tenants if t.document is not None
              and matrix[(cid, t.name)] in ("error", "unknown", NOT_EVALUATED) and (t.name, cid) not in with_findings]
    parts += [f"<p>{_badge(matrix[(cid, t)])} <strong>{escape(cid)}</strong> tenant {escape(t)}: "
              "no finding was produced for this control; nothing was evaluated</p>" for cid, t in silent]
    if len(parts) == 1:
        return '<p>Every control was evaluated for every tenant.</p>'
    return "\n".join(parts)


def _waived(tenants: Sequence[TenantEvidence]) -> str:
    waived = _findings(tenants, ["waived"])
    if not waived:
        return '<p class="muted">No waived failure.</p>'
    blocks = []
    for tenant, f in waived:
        w = f.get("waiver") or {}
        extra = (f"<p>Waiver: {escape(str(w.get('justification', '(no justification)')))} &middot; owner "
                 f"{escape(str(w.get('owner') or '-'))} &middot; expires {escape(str(w.get('expires') or '-'))}"
                 f" &middot; {escape(str(w.get('origin') or ''))}</p>") if w else ""
        blocks.append(_finding_block(tenant, f, extra))
    return "\n".join(blocks)
