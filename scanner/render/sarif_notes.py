"""What a SARIF log says about findings that have no file to point at: the run's notifications
(``invocations[0].toolExecutionNotifications``) and properties.

Code scanning places a result in a file; a live cloud resource, a control with no resource and an
attestation gap have none, so they are notifications, each tied to its rule (``associatedRule``):

* without ``--attestations``, the attestation controls are ONE notification ("N safeguards need
  attestation: run with --attestations FILE"), not one each;
* with it, each missing or expired attestation is one;
* findings with no file that need attention (a live scan's failures and errors) are one per
  control and status, naming up to :data:`NAMED` resources;
* a control nothing judged that is not merely not applicable, and the controls that could not be
  evaluated at all, say so;
* results left out to stay within code scanning's limit say how many.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.models import ControlId, Finding, ScanResult, Severity, Source, Status
from scanner.render.base import GateCounts, attestation_line, sorted_findings, unattested
from scanner.render.json_evidence import waiver_document

#: resources named in one grouped notification
NAMED = 10
_LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
_ATTENTION = frozenset({Status.FAIL, Status.MISSING, Status.EXPIRED, Status.ERROR, Status.UNKNOWN})


def notifications(result: ScanResult, index: Mapping[ControlId, int], left_out: int = 0) -> list[dict[str, Any]]:
    skipped = unattested(result)
    notes: list[dict[str, Any]] = []
    if skipped:
        text = f"{attestation_line(len(skipped))} ({', '.join(skipped)})."
        notes.append({"level": "warning", "message": {"text": text}, "properties": {"controls": list(skipped)}})
    fileless = [f for f in sorted_findings(result)
                if f.status in _ATTENTION and f.control_id not in skipped
                and (f.resource.file is None or f.source is Source.ATTESTATION)]
    groups: dict[tuple[ControlId, Status], list[Finding]] = {}
    for f in fileless:
        groups.setdefault((f.control_id, f.status), []).append(f)
    for (control_id, status), found in groups.items():
        notes.append(_group(control_id, status, found, index))
    for summary in result.summaries():
        control = summary.control
        if summary.status.is_unevaluated and not result.findings_for(control.id):
            notes.append({"level": "warning", "associatedRule": {"id": control.id, "index": index[control.id]},
                          "message": {"text": f"NOT evaluated ({summary.status.value}): no finding was produced for "
                                              f"{control.id}; nothing was evaluated. This is not a pass."}})
    unevaluated = [s.control.id for s in result.summaries() if s.status.is_unevaluated]
    if unevaluated:
        notes.append({"level": "warning", "message": {"text": f"{len(unevaluated)} control(s) could not be evaluated: "
                      f"{', '.join(unevaluated)}. This log does not show them to pass."}})
    if left_out:
        notes.append({"level": "warning", "message": {"text": f"{left_out} result(s) were left out to stay within "
                      "GitHub code scanning's 25,000 results per run (the most severe are kept); the JSON evidence "
                      "report has every finding."}})
    return notes


def _group(control_id: ControlId, status: Status, found: list[Finding],
           index: Mapping[ControlId, int]) -> dict[str, Any]:
    first = found[0]
    if status.is_unevaluated:
        level, verb = "warning", f"NOT evaluated ({status.value}) on"
    else:
        level, verb = _LEVELS[first.severity], f"{status.value.upper()} on"
    names = [f.resource.address for f in found[:NAMED]]
    more = f" and {len(found) - NAMED} more" if len(found) > NAMED else ""
    text = f"{control_id}: {verb} {len(found)} resource(s) with no file to point at: {', '.join(names)}{more}."
    if len(found) == 1:
        text += f" {first.check_id}: {first.message}."
    if first.remediation and not status.is_unevaluated:
        text += f" Fix: {first.remediation}"
    locations = [{"logicalLocations": [{"name": f.resource.address, "kind": "resource", "fullyQualifiedName":
                                        "/".join(p for p in (f.resource.account, f.resource.region, f.resource.address)
                                                 if p)}]} for f in found[:NAMED]]
    return {"level": level, "associatedRule": {"id": control_id, "index": index[control_id]},
            "message": {"text": text}, "locations": locations,
            "properties": {"status": status.value, "count": len(found), "source": first.source.value}}


def run_properties(result: ScanResult, shown: int) -> dict[str, Any]:
    gate = result.gate
    counts = GateCounts.of(result)
    return {
        "scan_id": result.scan_id,
        "catalog_sha256": result.catalog_sha256,
        "targets": list(result.targets),
        "results_shown": shown,
        "gate_counts": {"new": counts.new, "baselined": counts.baselined, "waived": counts.waived,
                        "fixed": counts.fixed, "expired_waivers": counts.expired_waivers},
        "attestation_needed": list(unattested(result)),
        "baseline": gate.baseline,
        "fixed_since_baseline": list(gate.fixed),
        "expired_waivers": [waiver_document(w) for w in gate.expired_waivers],
        "stale_waivers": [waiver_document(w) for w in gate.stale_waivers],
        "unreasoned_skips": list(gate.unreasoned_skips),
    }
