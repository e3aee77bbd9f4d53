"""Per-control views for the report, from JSON evidence documents (never from a live scan).

For each control: its citations, the parameters its rules read (with the values the scan used),
which resources the imaging-data scope put in and by which tag or name, every resource with its
status and observed values (passes as much as failures), the fix for each failing resource's own
provider only, waivers and baselines, and the attestation records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scanner.evidence.bundle import EvidenceSet, TenantEvidence
from scanner.models import provider_of
from scanner.render.report_model import (
    NOT_EVALUATED,
    AttestationView,
    CheckView,
    ControlView,
    FixView,
    Observation,
    ParameterView,
    ResourceView,
    WaiverView,
)
from scanner.render.report_values import (
    PROVIDER_LABELS,
    contains_unknown,
    parameter_text,
    rank,
    scope_rule,
    shown,
    status_of,
    worst,
)

Doc = Mapping[str, Any]
#: evidence keys shown elsewhere than "other evidence"
_SHOWN_ELSEWHERE = frozenset({"observed", "details", "in_scope_by", "check", "rule", "resource_name"})
_NEEDS_A_WORD = frozenset({"fail", "missing", "expired", "error", "unknown", NOT_EVALUATED})


def catalog_controls(evidence: EvidenceSet) -> dict[str, Doc]:
    """Every control in any document, in catalog order of first appearance."""
    out: dict[str, Doc] = {}
    for t in evidence.documents:
        assert t.document is not None
        for c in t.document["controls"]:
            out.setdefault(str(c.get("id")), c)
    return out


def control_views(evidence: EvidenceSet) -> tuple[ControlView, ...]:
    controls = catalog_controls(evidence)
    by_control: dict[str, list[tuple[str, Doc]]] = {}
    for t in evidence.documents:
        assert t.document is not None
        for f in t.document["findings"]:
            by_control.setdefault(str(f.get("control_id")), []).append((t.name, f))
    return tuple(_control(cid, control, by_control.get(cid, []), evidence.tenants)
                 for cid, control in controls.items())


def _control(cid: str, control: Doc, found: list[tuple[str, Doc]], tenants: Sequence[TenantEvidence]) -> ControlView:
    cells = tuple((t.name, _cell(t, cid)) for t in tenants)
    attested = [(t, f) for t, f in found if f.get("source") == "attestation"]
    judged = [(t, f) for t, f in found if f.get("source") != "attestation"]
    resources = _resources(judged)
    listed = {t for t, _ in found}
    names = control.get("parameters")
    parameters = tuple(_parameter(str(n), tenants) for n in names) if isinstance(names, list) else ()
    uses_scope = isinstance(names, list) and "imaging_data" in names
    return ControlView(
        id=cid, title=str(control.get("title", "")), safeguard=str(control.get("safeguard", "")),
        evaluation="probe" if control.get("judged_by") else str(control.get("evaluation", "")),
        severity=str(control.get("severity", "")),
        status=worst([s for _, s in cells]), citations=citation_texts(control), parameters=parameters,
        scope_rule=_per_tenant(tenants, lambda doc: scope_rule(doc["scan"].get("parameters", {}).get("imaging_data")))
        if uses_scope else "",
        scope=tuple(dict.fromkeys((r.tenant, r.address, r.in_scope_by) for r in resources if r.in_scope_by)),
        resources=resources, fixes=_fixes(control, judged), attestations=tuple(_attestation(t, f, control)
                                                                             for t, f in attested),
        cells=cells, silent=tuple((t, s) for t, s in cells if s in _NEEDS_A_WORD and t not in listed),
        parameters_known=isinstance(names, list),
    )


def _cell(t: TenantEvidence, cid: str) -> str:
    for c in (t.document or {}).get("controls", []):
        if str(c.get("id")) == cid:
            return status_of(c.get("status"))
    return NOT_EVALUATED


def citation_texts(control: Doc) -> tuple[str, ...]:
    return tuple(f"{c.get('section', '')} {c.get('title', '')} ({c.get('specification', '')})"
                 for c in control.get("citations", []) if isinstance(c, dict))


def _per_tenant(tenants: Sequence[TenantEvidence], text: Any) -> str:
    """One value when every tenant used the same, else ``tenant: value`` for each."""
    values = {t.name: str(text(t.document)) for t in tenants if t.document is not None}
    if len(set(values.values())) <= 1:
        return next(iter(values.values()), "")
    return "; ".join(f"{name}: {value}" for name, value in values.items())


def _parameter(name: str, tenants: Sequence[TenantEvidence]) -> ParameterView:
    def value(doc: Doc) -> str:
        parameters = doc["scan"].get("parameters", {})
        return parameter_text(name, parameters[name]) if name in parameters else "not recorded"

    return ParameterView(name, _per_tenant(tenants, value))


def location(resource: Doc) -> str:
    if resource.get("file"):
        lines = resource.get("line_range")
        if isinstance(lines, list) and len(lines) == 2:
            span = f"{lines[0]}-{lines[1]}" if lines[0] != lines[1] else str(lines[0])
            return f"{resource['file']}:{span}"
        return str(resource["file"])
    return "/".join(str(p) for p in (resource.get("account"), resource.get("region")) if p)


def _resources(judged: list[tuple[str, Doc]]) -> tuple[ResourceView, ...]:
    groups: dict[tuple[str, str, str], list[Doc]] = {}
    for tenant, f in judged:
        r = f.get("resource") or {}
        groups.setdefault((tenant, str(r.get("address", "")), str(r.get("file") or "")), []).append(f)
    views = [resource_view(tenant, found) for (tenant, _, _), found in groups.items()]
    return tuple(sorted(views, key=lambda v: (rank(v.status), v.tenant, v.address)))


def resource_view(tenant: str, found: list[Doc]) -> ResourceView:
    """One resource's findings for one control (one per check)."""
    first = found[0]
    r = first.get("resource") or {}
    scope = next((str(f["evidence"]["in_scope_by"]) for f in found
                  if isinstance(f.get("evidence"), dict) and f["evidence"].get("in_scope_by")), None)
    waivers = tuple(dict.fromkeys(waiver_view(f["waiver"]) for f in found if isinstance(f.get("waiver"), dict)))
    return ResourceView(
        tenant=tenant, address=str(r.get("address", "")), type=str(r.get("type", "")),
        provider=provider_of(str(first.get("source", "")), str(r.get("type", ""))), location=location(r),
        status=worst([status_of(f.get("status")) for f in found]), in_scope_by=scope,
        checks=tuple(check_view(f) for f in sorted(found, key=lambda f: (rank(status_of(f.get("status"))),
                                                                         str(f.get("check_id", ""))))),
        waivers=waivers, baselined=any(f.get("baselined") is True for f in found),
    )


def check_view(f: Doc) -> CheckView:
    evidence = f.get("evidence") if isinstance(f.get("evidence"), dict) else {}
    assert isinstance(evidence, dict)
    observed = evidence.get("observed")
    if isinstance(observed, dict):
        pairs: Iterable[tuple[str, Any]] = observed.items()
        other = [(k, v) for k, v in evidence.items() if k not in _SHOWN_ELSEWHERE]
    else:  # evidence written without an "observed" object: every key is an observation
        pairs, other = [(k, v) for k, v in evidence.items() if k not in _SHOWN_ELSEWHERE], []
    details = evidence.get("details")
    return CheckView(
        check_id=str(f.get("check_id", "")), status=status_of(f.get("status")), message=str(f.get("message", "")),
        observed=tuple(Observation(str(k), shown(v), contains_unknown(v)) for k, v in pairs),
        details=tuple(str(d) for d in details) if isinstance(details, list) else (),
        other=tuple(Observation(str(k), shown(v), contains_unknown(v)) for k, v in other),
    )


def waiver_view(w: Doc) -> WaiverView:
    return WaiverView(justification=str(w.get("justification") or "(no justification)"),
                      owner=str(w.get("owner") or "not named"), ticket=str(w.get("ticket") or "none"),
                      expires=str(w.get("expires") or "no expiry (inline skip)"), origin=str(w.get("origin") or ""))


def _fixes(control: Doc, judged: list[tuple[str, Doc]]) -> tuple[FixView, ...]:
    """One fix per provider of the failing resources, from that provider's catalog entry; a finding
    that carries a fix of its own (not the control's) keeps it."""
    by_provider = control.get("remediation_by_provider")
    per_provider = by_provider if isinstance(by_provider, dict) else {}
    groups: dict[tuple[str, str, str | None, str | None], list[str]] = {}
    for _, f in judged:
        if status_of(f.get("status")) != "fail":
            continue
        r = f.get("resource") or {}
        provider = provider_of(str(f.get("source", "")), str(r.get("type", "")))
        own = str(f.get("remediation") or "")
        fix = per_provider.get(provider) if provider else None
        if isinstance(fix, dict) and (not own or own == control.get("remediation")):
            key = (PROVIDER_LABELS.get(provider or "", ""), str(fix.get("text", "")), fix.get("terraform"),
                   fix.get("cli"))
        else:  # no fix of this provider's own is recorded: the finding's text, not labelled with a provider
            key = ("", own or str(control.get("remediation", "")), None, None)
        address = str(r.get("address", ""))
        if address not in groups.setdefault(key, []):
            groups[key].append(address)
    return tuple(FixView(provider=p, text=text, terraform=tf, cli=cli, resources=tuple(addresses))
                 for (p, text, tf, cli), addresses in groups.items())


def _attestation(tenant: str, f: Doc, control: Doc) -> AttestationView:
    evidence = f.get("evidence") if isinstance(f.get("evidence"), dict) else {}
    assert isinstance(evidence, dict)
    r = f.get("resource") or {}

    def field(key: str, absent: str) -> str:
        value = evidence.get(key)
        return str(value) if value not in (None, "") else absent

    return AttestationView(
        tenant=tenant, control_id=str(f.get("control_id", "")), title=str(control.get("title", "")),
        citations="; ".join(citation_texts(control)), status=status_of(f.get("status")),
        attested_by=field("attested_by", "nobody"), date=field("date", "never"),
        evidence=field("evidence", "no evidence pointer"), expires=field("expires", "no expiry recorded"),
        recorded_at=location(r), message=str(f.get("message", "")),
    )


def unevaluated(views: Sequence[ControlView]) -> tuple[tuple[str, ResourceView], ...]:
    """Every resource a control could not judge (error/unknown), with its control: never a pass."""
    return tuple((v.id, r) for v in views for r in v.resources if r.status in ("error", "unknown"))
