"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure, test-report actions).

One ``<testsuite>`` per control (catalog order), one ``<testcase>`` per control x resource:

* ``fail``/``missing``/``expired`` -> ``<failure type="<severity>">`` with the evidence and the fix;
* ``error``/``unknown`` -> ``<error>``: the control was not evaluated, which is not a pass;
* ``waived`` -> ``<skipped message="waived: ...">`` naming the justification and who accepted it;
* ``not_applicable`` -> ``<skipped message="not applicable: ...">``;
* ``pass``/``attested`` -> a plain testcase.

Without ``--attestations``, the attestation controls are one skipped testcase ("N safeguards need
attestation: run with --attestations FILE"), not one failure each. A control with no finding at all
still gets one testcase (a ``<failure>`` for an attestation nobody
recorded, a ``<skipped>`` for an automated control with nothing of its kind in the scan).
Built with :mod:`xml.etree.ElementTree`, which escapes every attribute and text node.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from scanner.models import Control, ControlId, ControlSummary, Finding, ScanResult, Status, Waiver
from scanner.render.base import ToolMeta, attestation_line, sorted_findings, unattested
from scanner.render.console import location

_CLASS_PREFIX = "pacscan."
# XML 1.0 cannot carry these at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class JunitRenderer:
    """JUnit XML (the common ``<testsuites>`` dialect understood by most CI report parsers)."""

    name: ClassVar[str] = "junit"

    def render(self, result: ScanResult, meta: ToolMeta) -> str:
        root = to_junit(result, meta)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_junit(result: ScanResult, meta: ToolMeta) -> ET.Element:
    """The ``<testsuites>`` element for ``result``."""
    root = ET.Element("testsuites", {"name": f"{meta.name} {meta.version} HIPAA compliance scan"})
    grouped = _by_control(sorted_findings(result))
    skipped = unattested(result)
    suites = [_suite(s.control.id, s.control, grouped.pop(s.control.id, []), s, result)
              for s in result.summaries() if s.control.id not in skipped]
    for control_id in skipped:
        grouped.pop(control_id, None)
    suites += [_suite(cid, None, found, None, result) for cid, found in grouped.items()]
    if skipped:
        suites.append(_attestation_suite(skipped, result))
    for suite in suites:
        root.append(suite)
    _set_counts(root, suites)
    return root


def _attestation_suite(skipped: Sequence[ControlId], result: ScanResult) -> ET.Element:
    """The attestation controls no attestation file was given for: one skipped testcase, not one each."""
    suite = ET.Element("testsuite", {"name": "attestations", "timestamp": result.started_at})
    case = ET.SubElement(suite, "testcase", {"classname": _CLASS_PREFIX + "attestations", "name": "attestations"})
    ET.SubElement(case, "skipped", {"message": f"{attestation_line(len(skipped))} ({', '.join(skipped)})"})
    _set_counts(suite, [case])
    return suite


def _by_control(findings: Iterable[Finding]) -> dict[ControlId, list[Finding]]:
    groups: dict[ControlId, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.control_id, []).append(f)
    return groups


def _suite(control_id: ControlId, control: Control | None, findings: Sequence[Finding],
           summary: ControlSummary | None, result: ScanResult) -> ET.Element:
    title = control.title if control is not None else "(not in the catalog)"
    suite = ET.Element("testsuite", {"name": _xml(f"{control_id} {title}"), "timestamp": result.started_at})
    suite.append(_properties(control, summary, result))
    cases = [_case(control_id, control, f) for f in findings]
    if not findings and control is not None and summary is not None:
        cases.append(_silent_case(control, summary))
    for case in cases:
        suite.append(case)
    _set_counts(suite, cases)
    return suite


def _properties(control: Control | None, summary: ControlSummary | None, result: ScanResult) -> ET.Element:
    props = ET.Element("properties")
    pairs: list[tuple[str, str]] = [("scan_id", result.scan_id)]
    if control is not None:
        pairs += [("severity", control.severity.value), ("safeguard", control.safeguard.value),
                  ("evaluation", control.evaluation.value)]
        pairs += [("hipaa-citation", f"{c.section} {c.title} ({c.specification})") for c in control.citations]
    if summary is not None:
        pairs.append(("status", summary.status.value))
    for name, value in pairs:
        ET.SubElement(props, "property", {"name": name, "value": _xml(value)})
    return props


def _case(control_id: ControlId, control: Control | None, f: Finding) -> ET.Element:
    attrs = {"classname": _CLASS_PREFIX + control_id, "name": _xml(_case_name(f))}
    r = f.resource
    if r.file:
        attrs["file"] = _xml(r.file)
        if r.line_range is not None:
            attrs["line"] = str(r.line_range[0])
    case = ET.Element("testcase", attrs)
    if f.status.is_failure:
        prefix = "[in baseline] " if f.baselined else ""
        _child(case, "failure", prefix + _one_line(f), _body(f, control), f.severity.value)
    elif f.status.is_unevaluated:
        _child(case, "error", f"NOT evaluated ({f.status.value}): {_one_line(f)}", _body(f, control), f.status.value)
    elif f.status is Status.WAIVED:
        ET.SubElement(case, "skipped", {"message": _xml(_waived_message(f.waiver))})
    elif f.status is Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", {"message": _xml(f"not applicable: {_one_line(f)}")})
    return case


def _case_name(f: Finding) -> str:
    r = f.resource
    cloud = "/".join(p for p in (r.account, r.region) if p)
    return f"{cloud}/{r.address}" if cloud else r.address


def _silent_case(control: Control, summary: ControlSummary) -> ET.Element:
    case = ET.Element("testcase", {"classname": _CLASS_PREFIX + control.id, "name": f"control:{control.id}"})
    if summary.status is Status.MISSING:
        _child(case, "failure", "no attestation is recorded for this control",
               f"Fix: {control.remediation.text}", control.severity.value)
    elif summary.status is Status.NOT_APPLICABLE:
        message = "not applicable: nothing of the kinds this control judges was found"
        ET.SubElement(case, "skipped", {"message": message})
    else:
        _child(case, "error", f"NOT evaluated ({summary.status.value}): no finding was produced for this control",
               "Nothing was evaluated for this control; this is not a pass.", summary.status.value)
    return case


def _child(case: ET.Element, tag: str, message: str, body: str, kind: str) -> None:
    element = ET.SubElement(case, tag, {"message": _xml(message), "type": kind})
    element.text = _xml(body)


def _one_line(f: Finding) -> str:
    return f"{f.check_id}: {f.message}" if f.check_id else f.message


def _body(f: Finding, control: Control | None) -> str:
    lines = [
        f"Control:   {f.control_id}" + (f" {control.title}" if control is not None else ""),
        f"Status:    {f.status.value}" + (" (already in the baseline)" if f.baselined else ""),
        f"Severity:  {f.severity.value}",
        f"Resource:  {f.resource.address} ({f.resource.type})",
        f"Location:  {location(f.resource)}",
        f"Check:     {f.check_id}",
        f"Message:   {f.message}",
        "Observed evidence:",
        json.dumps(f.evidence, indent=2, sort_keys=True, ensure_ascii=False, default=str),
    ]
    if control is not None:
        lines += [f"HIPAA:     {'; '.join(control.citation_refs)}", f"Fix:       {control.remediation.text}"]
    if f.remediation:
        lines.append(f"Resource fix: {f.remediation}")
    return "\n".join(lines)


def _waived_message(w: Waiver | None) -> str:
    if w is None:
        return "waived: no waiver record attached"
    details = [f"{k} {v}" for k, v in (("owner", w.owner), ("ticket", w.ticket), ("expires", w.expires)) if v]
    return f"waived: {w.justification} ({'; '.join([*details, w.origin])})"


def _set_counts(element: ET.Element, children: Sequence[ET.Element]) -> None:
    tests, failures, errors, skipped = 0, 0, 0, 0
    for child in children:
        if child.tag == "testcase":
            tests += 1
            failures += child.find("failure") is not None
            errors += child.find("error") is not None
            skipped += child.find("skipped") is not None
        else:
            tests += int(child.get("tests", "0"))
            failures += int(child.get("failures", "0"))
            errors += int(child.get("errors", "0"))
            skipped += int(child.get("skipped", "0"))
    element.set("tests", str(tests))
    element.set("failures", str(failures))
    element.set("errors", str(errors))
    element.set("skipped", str(skipped))


def _xml(text: str) -> str:
    """Text XML can carry: control characters (which no escaping makes legal) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)
