"""SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, any SARIF viewer).

One rule per catalog control, in the control's own words (title, fix per provider, HIPAA
citations, ``security-severity``). A *result* is a finding that needs attention in a file of the
scanned repository: ``fail`` (at the rule's level), ``waived`` (with a suppression saying who
accepted it and why), ``error``/``unknown`` (a ``warning`` whose message says the control was NOT
evaluated). Every result has a physical location: the file relative to ``%SRCROOT%``, the
repository root of the scanned target (:mod:`scanner.source_paths`), and a region (line 1 when
the input gives none, a plan). What has no file (live cloud resources, controls with no resource,
attestation gaps) is reported as the run's notifications and properties
(:mod:`scanner.render.sarif_notes`), never as results code scanning would refuse or misplace.

GitHub code scanning's documented limits (per run: 25,000 results, 25,000 rules; per result: 1,000
locations; per rule: 20 tags; 20 runs per file) hold by construction: one run, one location per
result, three tags, one rule per control; results beyond :data:`MAX_RESULTS` are left out, most
severe kept, with a notification saying so.

``partialFingerprints`` hash :attr:`Finding.key` (control, address, repository-relative file; no
line numbers) plus the check id, so an alert keeps its identity when the file is reformatted or
pacscan runs from another folder, and two checks of one control on one resource stay two alerts.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote

from scanner.models import Control, ControlId, Finding, ScanResult, Severity, Source, Status, Waiver
from scanner.render.base import ToolMeta, dumps_indented, sorted_findings
from scanner.render.console import compact_evidence
from scanner.render.sarif_notes import notifications, run_properties

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_NAME = "pacscan/v1"
SRCROOT = "%SRCROOT%"
#: GitHub code scanning rejects a run with more results than this
MAX_RESULTS = 25_000

#: GitHub code scanning reads this property to rank alerts (critical >= 9.0, high >= 7.0, ...).
SECURITY_SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "9.0", Severity.HIGH: "7.0", Severity.MEDIUM: "4.0", Severity.LOW: "2.0",
}
LEVELS: Mapping[Severity, str] = {
    Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note",
}
_RESULT_STATUSES = frozenset({Status.FAIL, Status.WAIVED, Status.ERROR, Status.UNKNOWN})
_INLINE_ORIGIN = "inline"


@dataclass(frozen=True)
class SarifRenderer:
    """A SARIF 2.1.0 log with one run. ``information_uri`` is the project's home page (the
    ``tool.driver.informationUri``); it is left out when not given rather than invented."""

    information_uri: str | None = None
    max_results: int = MAX_RESULTS
    name: ClassVar[str] = "sarif"

    def render(self, result: ScanResult, meta: ToolMeta) -> str:
        return dumps_indented(to_sarif(result, meta, self.information_uri, self.max_results))


def to_sarif(result: ScanResult, meta: ToolMeta, information_uri: str | None = None,
             max_results: int = MAX_RESULTS) -> dict[str, Any]:
    """Build the SARIF log (plain JSON values) for ``result``."""
    rules = _rule_table(result)
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    located = [f for f in sorted_findings(result) if is_result(f)]
    kept = _most_severe(located, max_results)
    results = [_result(f, rules.get(f.control_id), index[f.control_id], result.gate.baseline is not None)
               for f in located if id(f) in kept]
    driver: dict[str, Any] = {"name": meta.name, "version": meta.version}
    if information_uri is not None:
        driver["informationUri"] = information_uri
    driver["rules"] = [_rule(rule_id, control) for rule_id, control in rules.items()]
    invocation: dict[str, Any] = {"executionSuccessful": True, "startTimeUtc": result.started_at,
                                  "endTimeUtc": result.finished_at}
    notes = notifications(result, index, left_out=len(located) - len(kept))
    if notes:
        invocation["toolExecutionNotifications"] = notes
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "originalUriBaseIds": {SRCROOT: _srcroot(result.root)},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": run_properties(result, shown=len(results)),
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def is_result(f: Finding) -> bool:
    """Whether a finding becomes a SARIF result: it needs attention and has a file to point at."""
    return f.status in _RESULT_STATUSES and f.resource.file is not None and f.source is not Source.ATTESTATION


def fingerprint(key: str, check_id: str = "") -> str:
    """sha256 of ``key|check_id``: what ``pacscan/v1`` holds (no line numbers, no message)."""
    return hashlib.sha256(f"{key}|{check_id}".encode()).hexdigest()


def _most_severe(findings: list[Finding], limit: int) -> set[int]:
    """Ids of the findings kept under ``limit``: failures before the rest, most severe first."""
    if len(findings) <= limit:
        return {id(f) for f in findings}
    ranked = sorted(findings, key=lambda f: (f.status is not Status.FAIL, -f.severity.rank))
    return {id(f) for f in ranked[:limit]}


def _srcroot(root: str | None) -> dict[str, Any]:
    text = "The repository root of the scanned target (its git top level, else the target folder)."
    if root is None:
        return {"description": {"text": text}}
    return {"uri": Path(root).as_uri().rstrip("/") + "/", "description": {"text": text}}


def _rule_table(result: ScanResult) -> dict[ControlId, Control | None]:
    """Rule ids in catalog order, then ids of findings whose control is not in the catalog."""
    table: dict[ControlId, Control | None] = {c.id: c for c in result.controls}
    for f in sorted_findings(result):
        table.setdefault(f.control_id, None)
    return table


def _rule(rule_id: ControlId, control: Control | None) -> dict[str, Any]:
    if control is None:
        text = f"{rule_id} is not in the catalog this scan used."
        return {"id": rule_id, "shortDescription": {"text": text}, "help": {"text": text}}
    rule: dict[str, Any] = {
        "id": control.id,
        "name": _pascal(control.title),
        "shortDescription": {"text": control.title},
        "fullDescription": {"text": _full_description(control)},
        "help": {"text": help_text(control), "markdown": _help_markdown(control)},
        "defaultConfiguration": {"level": LEVELS[control.severity]},
        "properties": {
            "tags": ["hipaa", "security", control.safeguard.value],
            "hipaa-citations": list(control.citation_refs),
            "security-severity": SECURITY_SEVERITY[control.severity],
            "severity": control.severity.value,
            "evaluation": control.evaluation.value,
        },
    }
    if control.references:
        rule["helpUri"] = control.references[0]
    return rule


def _pascal(title: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in re.findall(r"[A-Za-z0-9]+", title))


def _citations(control: Control) -> list[str]:
    return [f"{c.section} {c.title} ({c.specification})" for c in control.citations]


_PROVIDER_LABELS = {"aws": "AWS", "azure": "Azure", "gcp": "GCP"}


def _full_description(control: Control) -> str:
    """What the control requires and where HIPAA says so: the control's own words."""
    return f"{control.title.rstrip('.')}. HIPAA: {'; '.join(_citations(control))}."


def help_text(control: Control) -> str:
    """The control's own words: what must be true, how to fix it (per provider), and the HIPAA text
    it implements. Not the catalog's rationale, which explains where the control came from."""
    lines = [f"{control.title.rstrip('.')}.", "", f"Fix: {control.remediation.text}"]
    lines += [f"Fix on {_PROVIDER_LABELS.get(f.provider, f.provider)}: {f.text}" for f in control.remediation.providers]
    lines += ["", "HIPAA:", *(f"  {c}" for c in _citations(control))]
    for fix in (control.remediation.for_provider(None), *control.remediation.providers):
        if fix.cli:
            lines += ["", f"CLI: {fix.cli}"]
    if control.references:
        lines += ["", "References:", *(f"  {r}" for r in control.references)]
    return "\n".join(lines)


def _help_markdown(control: Control) -> str:
    """The rule's help: one fix section per provider (a rule spans providers; a result names its own)."""
    remediation = control.remediation
    parts = [f"**{control.title.rstrip('.')}.**", f"**Fix:** {remediation.text}"]
    for fix in (remediation.for_provider(None), *remediation.providers):
        if fix.provider:
            parts.append(f"**Fix on {_PROVIDER_LABELS.get(fix.provider, fix.provider)}:** {fix.text}")
        if fix.terraform:
            parts.append(_fenced("hcl", fix.terraform))
        if fix.cli:
            parts.append(_fenced("sh", fix.cli))
    parts.append("**HIPAA:**\n" + "\n".join(f"- {c}" for c in _citations(control)))
    if control.references:
        parts.append("**References:**\n" + "\n".join(f"- <{r}>" for r in control.references))
    return "\n\n".join(parts)


def _fenced(lang: str, body: str) -> str:
    fence = "`" * max(3, _longest_run(body, "`") + 1)
    return f"{fence}{lang}\n{body.rstrip()}\n{fence}"


def _longest_run(text: str, char: str) -> int:
    runs = re.findall(f"{re.escape(char)}+", text)
    return max((len(r) for r in runs), default=0)


def _result(f: Finding, control: Control | None, rule_index: int, with_baseline: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.control_id,
        "ruleIndex": rule_index,
        "level": _level(f, control),
        "message": {"text": _message(f)},
        "locations": [_location(f)],
        "partialFingerprints": {FINGERPRINT_NAME: fingerprint(f.key, f.check_id)},
    }
    if f.status is Status.WAIVED:
        out["suppressions"] = [_suppression(f.waiver)]
    if with_baseline:
        out["baselineState"] = "unchanged" if f.baselined else "new"
    out["properties"] = _result_properties(f)
    return out


def _level(f: Finding, control: Control | None) -> str:
    if f.status.is_unevaluated:
        return "warning"
    return LEVELS[control.severity if control is not None else f.severity]


def _message(f: Finding) -> str:
    head = f"{f.check_id}: {f.message}" if f.check_id else f.message
    if f.status.is_unevaluated:
        head = f"NOT evaluated ({f.status.value}): {head}. This is not a pass."
    parts = [head.rstrip(".") + "."]
    if f.evidence:
        parts.append(f"Observed: {compact_evidence(f.evidence)}.")
    if f.status is Status.WAIVED and f.waiver is not None:
        parts.append(f"Waiver: {waiver_line(f.waiver, with_justification=f.waiver.justification not in f.message)}.")
    if f.remediation and f.status is not Status.WAIVED:
        parts.append(f"Fix: {f.remediation}")
    return " ".join(parts)


def waiver_line(w: Waiver, *, with_justification: bool = True) -> str:
    """``justification (owner o, ticket t, expires d; origin)`` on one line."""
    extra = [f"{k} {v}" for k, v in (("owner", w.owner), ("ticket", w.ticket), ("expires", w.expires)) if v]
    details = "; ".join([", ".join(extra), w.origin] if extra else [w.origin])
    return f"{w.justification} ({details})" if with_justification else details


def artifact_uri(path: str) -> tuple[str, str | None]:
    """(uri, uriBaseId) for a finding's file: relative paths resolve against %SRCROOT% with
    forward slashes; an absolute path becomes a ``file://`` URI with no base."""
    posix = path.replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    if re.match(r"^[A-Za-z]:/", posix):
        return "file:///" + quote(posix, safe="/:"), None
    if posix.startswith("/"):
        return "file://" + quote(posix, safe="/"), None
    return quote(posix, safe="/"), SRCROOT


def _location(f: Finding) -> dict[str, Any]:
    r = f.resource
    assert r.file is not None  # is_result
    uri, base = artifact_uri(r.file)
    artifact: dict[str, Any] = {"uri": uri}
    if base is not None:
        artifact["uriBaseId"] = base
    start, end = r.line_range if r.line_range is not None and r.line_range[0] >= 1 else (1, 1)
    qualified = "/".join(p for p in (r.account, r.region, r.address) if p)
    return {
        "physicalLocation": {"artifactLocation": artifact, "region": {"startLine": start, "endLine": max(start, end)}},
        "logicalLocations": [{"name": r.address, "fullyQualifiedName": qualified, "kind": "resource"}],
    }


def _suppression(w: Waiver | None) -> dict[str, Any]:
    if w is None:  # a waived finding should always carry its waiver; say so rather than invent one
        return {"kind": "external", "status": "underReview", "justification": "waived without a waiver record"}
    kind = "inSource" if w.origin.startswith(_INLINE_ORIGIN) else "external"
    props = {k: v for k, v in (("owner", w.owner), ("ticket", w.ticket), ("expires", w.expires),
                               ("origin", w.origin)) if v is not None}
    return {"kind": kind, "status": "accepted", "justification": w.justification, "properties": props}


def _result_properties(f: Finding) -> dict[str, Any]:
    props: dict[str, Any] = {"status": f.status.value, "severity": f.severity.value, "source": f.source.value,
                             "check_id": f.check_id, "resource_type": f.resource.type}
    if f.baselined:
        props["baselined"] = True
    return props
