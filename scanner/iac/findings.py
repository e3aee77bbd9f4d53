"""Checkov records -> pacscan findings on controls.

Each record is mapped to every control that lists its check id, moved onto the resource it
configures (a versioning resource's result belongs to its bucket), filtered to the imaging
storage in scope, and given the observed values as evidence. A value Terraform will know only
after apply turns the verdict into ``unknown``: a plan never passes on a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from scanner.catalog import Catalog
from scanner.engine.witness import digest
from scanner.facts.values import Unknown
from scanner.iac.checkov_run import CheckovOutput, CheckRecord, Outcome
from scanner.iac.plan import PlanFacts, unknown_keys
from scanner.iac.resources import TfResource, lookup, strip_instance_keys, unwrap
from scanner.iac.tfmodel import ParseFailure
from scanner.models import (
    CheckId,
    Control,
    ControlId,
    Evaluation,
    Finding,
    ResourceRef,
    Source,
    Status,
)
from scanner.scope import ImagingScope
from scanner.source_paths import display_path

#: Resource types that hold imaging data; the `imaging_data` parameter selects among them.
STORAGE_TYPES: Mapping[str, str] = {
    "aws_s3_bucket": "bucket",
    "azurerm_storage_account": "name",
    "google_storage_bucket": "name",
}

_OUTCOME_STATUS = {
    Outcome.PASSED: Status.PASS,
    Outcome.FAILED: Status.FAIL,
    Outcome.UNKNOWN: Status.UNKNOWN,
    Outcome.SKIPPED: Status.WAIVED,
}


def _selector(scope: ImagingScope, resource: TfResource) -> str | Unknown | None:
    tags = unwrap(resource.config.get("tags")) or {}
    tags = {k: unwrap(v) for k, v in tags.items()} if isinstance(tags, dict) else {}
    name = unwrap(resource.config.get(STORAGE_TYPES.get(resource.type, "name")))
    names = [str(n) for n in (name, resource.name) if n]
    return scope.selector(names, tags)


#: why a Checkov record's pass cannot stand: a key it evaluated is unknown to pacscan's evaluator
UnknownOf = Callable[[CheckRecord], "str | None"]


def to_findings(catalog: Catalog, output: CheckovOutput, source: Source, scope: ImagingScope,
                plan: PlanFacts | None = None, unknown_of: UnknownOf | None = None) -> list[Finding]:
    by_check = catalog.controls_for_check()
    controls = {c.id: c for c in catalog.controls}
    findings: list[Finding] = []
    seen: set[tuple[str, ...]] = set()
    for record in output.records:
        for control_id in by_check.get(CheckId(record.check_id), ()):
            finding = _finding(controls[control_id], record, output, source, scope, plan, unknown_of)
            if finding is None:
                continue
            # Checkov reports a graph check twice when two folders hold the same address.
            identity = (finding.key, finding.check_id, finding.status.value, finding.message,
                        str(finding.resource.line_range), str(sorted(finding.evidence.items())))
            if identity not in seen:
                seen.add(identity)
                findings.append(finding)
    return findings


def _finding(control: Control, record: CheckRecord, output: CheckovOutput, source: Source,
             scope: ImagingScope, plan: PlanFacts | None, unknown_of: UnknownOf | None) -> Finding | None:
    index = output.index
    own = index.resources.get(record.address)
    parent_address = index.parent_of.get(record.address)
    target = index.resources.get(parent_address) if parent_address else own
    evidence: dict[str, Any] = {"check": record.check_name}
    if target is not None and target.type in STORAGE_TYPES:
        selector = _selector(scope, target)
        if selector is None:
            return None
        evidence["in_scope_by"] = selector if isinstance(selector, str) else selector.describe()
    related = _related(own, target, index.children(target.address) if target else ())
    keys = sorted(k for k in record.evaluated_keys if k != "resource_type")
    evidence["observed"] = _observed(keys, related)
    if record.details:
        evidence["details"] = list(record.details)
    if parent_address and own is not None:
        evidence["configured_by"] = f"{own.address} ({display_path(own.file)}:{_first_line(own)})"
    status = _OUTCOME_STATUS[record.outcome]
    message = record.check_name
    if record.outcome is Outcome.SKIPPED:
        evidence["skip_reason"] = record.skip_reason or None
        message += f" (skipped inline: {record.skip_reason or 'no reason given'})"
    why = unknown_of(record) if unknown_of is not None and status is Status.PASS else None
    if why is not None:
        status = Status.UNKNOWN
        evidence["unknown"] = why
        message += f" (could not decide: {why})"
    if plan is not None and status in (Status.PASS, Status.FAIL):
        pending = _pending(plan, related, frozenset(keys))
        if pending:
            status = Status.UNKNOWN
            evidence["unknown_after_apply"] = pending
            message += f" (known only after apply: {', '.join(pending)})"
    where = target or own
    return Finding(
        control_id=ControlId(control.id),
        status=status,
        severity=control.severity,
        source=source,
        resource=ResourceRef(
            address=where.address if where else record.address,
            type=where.type if where else record.resource_type,
            file=display_path(where.file if where else record.file),
            line_range=(where.line_range if where else None) or record.line_range,
            configured_in=(display_path(own.file),) if parent_address and own is not None else (),
        ),
        check_id=record.check_id,
        message=message,
        evidence=evidence,
        remediation=control.remediation.text,
        digest=digest(list(evidence["observed"].items())) if status is Status.FAIL else "",
    )


def _first_line(resource: TfResource) -> int | str:
    return resource.line_range[0] if resource.line_range else "?"


def _related(own: TfResource | None, target: TfResource | None,
             children: Iterable[TfResource]) -> list[TfResource]:
    out: list[TfResource] = []
    for resource in (own, target, *children):
        if resource is not None and resource not in out:
            out.append(resource)
    return out


def _observed(keys: list[str], related: list[TfResource]) -> dict[str, Any]:
    observed: dict[str, Any] = {}
    for key in keys:
        value = None
        for resource in related:
            value = lookup(resource.config, key)
            if value is not None:
                if resource is not related[0] and len(related) > 1:
                    key = f"{resource.address}.{key.replace('/', '.')}"
                break
        observed[key.replace("/", ".")] = value
    return observed


def _pending(plan: PlanFacts, related: list[TfResource], keys: frozenset[str]) -> list[str]:
    pending: list[str] = []
    for resource in related:
        unknown = plan.unknown.get(resource.address) or plan.unknown.get(
            strip_instance_keys(resource.address), frozenset())
        hits = unknown_keys(unknown, keys) if keys else ()
        pending += [f"{resource.address}.{h.replace('/', '.')}" for h in hits]
    return pending


def parse_error_findings(catalog: Catalog, failures: Iterable[ParseFailure], source: Source,
                         controls: Iterable[Control] | None = None) -> list[Finding]:
    """An unparseable file: every automated control (or ``controls``) is `error` for it, once."""
    judged = list(controls) if controls is not None else [
        c for c in catalog.controls if c.evaluation is Evaluation.AUTOMATED]
    findings: list[Finding] = []
    for failure in failures:
        file, reason, line = failure.file, failure.reason, failure.line
        for control in judged:
            findings.append(Finding(
                control_id=control.id,
                status=Status.ERROR,
                severity=control.severity,
                source=source,
                resource=ResourceRef(address=display_path(file), type="file", file=display_path(file),
                                     line_range=(line, line) if line else None),
                check_id="parse",
                message=f"could not parse {display_path(file)}: {reason}; resources in it were not evaluated",
                evidence={"parse_error": reason, "line": line},
                remediation="Fix the syntax error so the file can be evaluated (`terraform validate`).",
            ))
    return findings
