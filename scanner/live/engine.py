"""The rule engine: normalized cloud facts + live rules -> findings. Pure: imports no SDK.

For each resource and each rule over its type:
  - a fact the rule reads that could not be collected -> ``error`` with the collector's reason;
  - ``when`` false -> the rule does not apply (no finding);
  - otherwise ``check`` decides ``pass``/``fail``; the facts it read are the evidence.
A listing that failed as a whole makes every rule over that type ``error`` for that
account/region, so a denied API never reads as "nothing there, nothing wrong".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.catalog import Catalog
from scanner.live.facts import CloudResource, CollectionFailure, Inventory
from scanner.live.predicates import PredicateError, evaluate, lookup
from scanner.live.rules import LiveRule
from scanner.models import Control, ControlId, Finding, ResourceRef, Source, Status
from scanner.scope import ImagingScope

#: Resource types that hold imaging data; the `imaging_data` parameter selects among them.
STORAGE_TYPES = frozenset({"aws.s3.bucket", "azure.storage.account", "gcp.storage.bucket"})


def evaluate_inventory(catalog: Catalog, parameters: Mapping[str, Any], inventory: Inventory,
                       provider: str) -> list[Finding]:
    rules = catalog.rules_for(provider)
    by_type: dict[str, list[LiveRule]] = {}
    for rule in rules:
        by_type.setdefault(rule.resource, []).append(rule)
    controls: dict[str, Control] = {c.id: c for c in catalog.controls}
    scope = ImagingScope.from_parameter(parameters["imaging_data"])
    source = Source(provider)
    findings: list[Finding] = []
    for resource in inventory.resources:
        selector = None
        if resource.type in STORAGE_TYPES:
            selector = scope.selector([resource.name], resource.tags)
            if selector is None:
                continue
        for rule in by_type.get(resource.type, ()):
            findings += _judge(rule, resource, selector, controls, parameters, source)
    for failure in inventory.failures:
        for rule in by_type.get(failure.type, ()):
            findings += _failed_listing(rule, failure, controls, source)
    return findings


def _ref(resource: CloudResource) -> ResourceRef:
    return ResourceRef(address=resource.id, type=resource.type, account=resource.account, region=resource.region)


def _judge(rule: LiveRule, resource: CloudResource, selector: str | None, controls: Mapping[str, Control],
           parameters: Mapping[str, Any], source: Source) -> Iterable[Finding]:
    evidence: dict[str, Any] = {"rule": rule.title, "resource_name": resource.name}
    if selector is not None:
        evidence["in_scope_by"] = selector
    unread = _unread(rule, resource)
    if unread:
        evidence["could_not_read"] = unread
        reasons = "; ".join(f"{k}: {v}" for k, v in unread.items())
        return _each(rule, controls, Status.ERROR, source, _ref(resource), f"could not read {reasons}", evidence)
    try:
        if rule.when is not None and not evaluate(rule.when, resource.facts, parameters):
            return ()
        passed = evaluate(rule.check, resource.facts, parameters)
    except PredicateError as err:
        evidence["rule_error"] = str(err)
        return _each(rule, controls, Status.ERROR, source, _ref(resource), f"rule could not be evaluated: {err}",
                     evidence)
    evidence["observed"] = {key: lookup(resource.facts, key) for key in rule.shown()}
    if rule.by_design:
        evidence["by_design"] = rule.by_design
    status = Status.PASS if passed else Status.FAIL
    return _each(rule, controls, status, source, _ref(resource), rule.title, evidence)


def _unread(rule: LiveRule, resource: CloudResource) -> dict[str, str]:
    roots = {key.split(".", 1)[0].split("[", 1)[0] for key in rule.reads()}
    return {root: resource.errors[root] for root in sorted(roots) if root in resource.errors}


def _failed_listing(rule: LiveRule, failure: CollectionFailure, controls: Mapping[str, Control],
                    source: Source) -> Iterable[Finding]:
    where = ":".join(p for p in (failure.provider, failure.account, failure.region or "global", failure.type) if p)
    ref = ResourceRef(address=where, type=failure.type, account=failure.account, region=failure.region)
    evidence = {"rule": rule.title, "could_not_list": failure.reason}
    return _each(rule, controls, Status.ERROR, source, ref, f"could not list {failure.type}: {failure.reason}",
                 evidence)


def _each(rule: LiveRule, controls: Mapping[str, Control], status: Status, source: Source, ref: ResourceRef,
          message: str, evidence: Mapping[str, Any]) -> list[Finding]:
    out = []
    for control_id in rule.controls:
        control = controls[control_id]
        out.append(Finding(
            control_id=ControlId(control_id), status=status, severity=control.severity, source=source,
            resource=ref, check_id=rule.id, message=message, evidence=dict(evidence),
            remediation=control.remediation.text,
        ))
    return out
