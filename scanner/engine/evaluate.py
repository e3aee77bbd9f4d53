"""Judge resources: typed facts + rules -> findings. Pure: imports no SDK, reads no file.

For each resource and each rule over its kind (see docs/architecture.md for the table):
  - ``when`` false -> ``not_applicable`` (the rule does not apply to this resource);
  - ``check`` true / false -> ``pass`` / ``fail``; unknown -> ``unknown``, or ``error`` when the
    deciding value could not be read; ``when`` unknown turns a fail into ``unknown``;
  - storage whose imaging-data scope cannot be told stays in the report, never ``pass``;
  - a resource whose existence depends on an unknown ``count``/``for_each`` never ``fail``s.
A listing that failed as a whole makes every rule over that kind ``error`` for that
account/region, so a denied API never reads as "nothing there, nothing wrong". A rule that reads a
fact the live scan deliberately did not read (``Resource.skipped``: no selected rule needs it) is
``not_applicable`` with that reason, whatever the rest of its facts say: a skipped read never passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from scanner.catalog import Catalog
from scanner.engine import witness
from scanner.engine.plan import covers
from scanner.engine.predicates import PredicateError, evaluate, lookup
from scanner.engine.rules import Rule
from scanner.facts.logic import Truth
from scanner.facts.resource import CollectionFailure, Inventory, Resource
from scanner.facts.schema import KindSchema
from scanner.facts.values import Unknown, to_json
from scanner.models import Control, ControlId, Finding, ResourceRef, Source, Status
from scanner.scope import ImagingScope


def evaluate_inventory(catalog: Catalog, parameters: Mapping[str, Any], inventory: Inventory,
                       provider: str, rules: Sequence[Rule] | None = None) -> list[Finding]:
    """A live scan's findings: ``rules`` (by default every rule of ``provider``) over the collected
    resources, judged when they are over ``provider``'s kinds."""
    chosen = catalog.rules_for(provider) if rules is None else [r for r in rules if r.provider == provider]
    return judge(catalog, parameters, inventory.resources, inventory.failures, chosen)


def judge(catalog: Catalog, parameters: Mapping[str, Any], resources: Iterable[Resource],
          failures: Iterable[CollectionFailure] = (), rules: Sequence[Rule] | None = None) -> list[Finding]:
    by_kind: dict[str, list[Rule]] = {}
    for rule in catalog.rules if rules is None else rules:
        by_kind.setdefault(rule.resource, []).append(rule)
    controls: dict[str, Control] = {c.id: c for c in catalog.controls}
    scope = ImagingScope.from_parameter(parameters["imaging_data"])
    findings: list[Finding] = []
    for resource in resources:
        kind_rules = by_kind.get(resource.type)
        if not kind_rules:
            continue
        schema = catalog.kinds[resource.type]
        selector: str | Unknown | None = None
        if schema.storage and not schema.always_imaging:
            selector = scope.selector(resource.scope_names, resource.tags)
            if selector is None:
                continue
        judged = _Judged(resource, schema, selector, parameters)
        source = resource.source or resource.provider
        for rule in kind_rules:
            if not rule.inputs or source in rule.inputs:
                findings += judged.findings(rule, controls)
    for failure in failures:
        for rule in by_kind.get(failure.type, ()):
            findings += _failed_listing(rule, failure, controls)
    return findings


class _Judged:
    """One resource with its facts typed once, judged by each rule of its kind."""

    def __init__(self, resource: Resource, schema: KindSchema, selector: str | Unknown | None,
                 parameters: Mapping[str, Any]) -> None:
        self.resource = resource
        self.facts = schema.coerce(resource.facts, resource.errors, resource.origins)
        self.selector = selector
        self.parameters = parameters
        self.source = Source(resource.source or resource.provider)
        self.ref = ResourceRef(address=resource.id, type=resource.display_type, file=resource.file,
                               line_range=resource.line_range, account=resource.account, region=resource.region,
                               configured_in=_files(resource.configured_by))

    def findings(self, rule: Rule, controls: Mapping[str, Control]) -> list[Finding]:
        evidence: dict[str, Any] = {"rule": rule.title, "resource_name": self.resource.name}
        try:
            status, message = self._verdict(rule, evidence)
        except PredicateError as err:
            evidence["rule_error"] = str(err)
            status, message = Status.ERROR, f"rule could not be evaluated: {err}"
        self._add_evidence(rule, evidence)
        digest = self._digest(rule) if status is Status.FAIL else ""
        return _each(rule, controls, status, self.source, self.ref, message, evidence, digest)

    def _digest(self, rule: Rule) -> str:
        """What failed, digested: the rule's named keys, else the values that made its check false."""
        if rule.digest:
            return witness.digest(witness.named_parts(rule.digest, self.facts))
        return witness.digest(witness.failed_parts(rule.check, self.facts, self.parameters))

    def _verdict(self, rule: Rule, evidence: dict[str, Any]) -> tuple[Status, str]:
        when: Truth = True
        if rule.when is not None:
            when = evaluate(rule.when, self.facts, self.parameters)
            if when is False:
                return Status.NOT_APPLICABLE, f"{rule.title}: does not apply to this resource"
        unread = self._skipped(rule)
        if unread:
            evidence["not_read"] = unread
            return Status.NOT_APPLICABLE, f"{rule.title} ({next(iter(unread.values()))})"
        check = evaluate(rule.check, self.facts, self.parameters)
        if isinstance(check, Unknown):
            return _unknown(rule, check, evidence)
        if check is False and isinstance(when, Unknown):
            return _unknown(rule, when, evidence, "whether the rule applies is not known")
        status = Status.PASS if check else Status.FAIL
        if isinstance(self.selector, Unknown):
            evidence["would_be"] = status.value
            return _unknown(rule, self.selector, evidence)
        if status is Status.FAIL and self.resource.exists is not None:
            evidence["would_be"] = status.value
            return _unknown(rule, self.resource.exists, evidence, "whether the resource exists is not known")
        return status, rule.title

    def _skipped(self, rule: Rule) -> dict[str, str]:
        """The facts ``rule`` reads that the scan deliberately did not read, with why."""
        skipped = self.resource.skipped
        if not skipped:
            return {}
        return {path: why for path, why in sorted(skipped.items()) if any(covers(path, k) for k in rule.reads())}

    def _add_evidence(self, rule: Rule, evidence: dict[str, Any]) -> None:
        resource = self.resource
        if isinstance(self.selector, str):
            evidence["in_scope_by"] = self.selector
        evidence["observed"] = {key: to_json(lookup(self.facts, key)) for key in rule.shown()
                                if not any(covers(path, key) for path in resource.skipped)}
        roots = sorted({key.split(".", 1)[0].split("[", 1)[0] for key in rule.reads()})
        unread = {root: resource.errors[root] for root in roots if root in resource.errors}
        if unread:
            evidence["could_not_read"] = unread
        origins = {root: resource.origins[root] for root in roots if root in resource.origins}
        if origins:
            evidence["origins"] = origins
        trace = {root: list(resource.trace[root]) for root in roots if resource.trace.get(root)}
        if trace:
            evidence["evaluated"] = trace
        if resource.configured_by:
            evidence["configured_by"] = [f"{address} ({where})" for address, where in resource.configured_by]
        if rule.by_design:
            evidence["by_design"] = rule.by_design


def _files(configured_by: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    """The files of ``(address, "file:line")`` pairs, sorted, once each."""
    return tuple(sorted({where.rsplit(":", 1)[0] for _address, where in configured_by}))


def _unknown(rule: Rule, why: Unknown, evidence: dict[str, Any], lead: str = "") -> tuple[Status, str]:
    evidence["unknown"] = why.describe()
    status = Status.ERROR if why.error else Status.UNKNOWN
    verb = "could not read" if why.error else "could not decide"
    text = f"{lead}: {why.reason}" if lead else why.reason
    return status, f"{rule.title} ({verb}: {text})"


def _failed_listing(rule: Rule, failure: CollectionFailure, controls: Mapping[str, Control]) -> list[Finding]:
    where = ":".join(p for p in (failure.provider, failure.account, failure.region or "global", failure.type) if p)
    ref = ResourceRef(address=where, type=failure.type, account=failure.account, region=failure.region)
    evidence = {"rule": rule.title, "could_not_list": failure.reason}
    return _each(rule, controls, Status.ERROR, Source(failure.provider), ref,
                 f"could not list {failure.type}: {failure.reason}", evidence)


def _each(rule: Rule, controls: Mapping[str, Control], status: Status, source: Source, ref: ResourceRef,
          message: str, evidence: Mapping[str, Any], digest: str = "") -> list[Finding]:
    out = []
    for control_id in rule.controls:
        control = controls[control_id]
        out.append(Finding(
            control_id=ControlId(control_id), status=status, severity=control.severity, source=source,
            resource=ref, check_id=rule.id, message=message, evidence=dict(evidence),
            remediation=control.remediation.for_provider(rule.provider).text, digest=digest,
        ))
    return out
