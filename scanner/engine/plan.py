"""The read plan of a live scan: which facts the rules in scope need, resource by resource.

Built once per scan from the rules in scope (the catalog's rules for the provider, narrowed by any
rule selection) and the effective parameters. A collector asks it, per resource, which top-level
facts it still has to read (:meth:`KindPlan.needs`):

* a fact no selected rule reads is never read; the collector records it in ``Resource.skipped``
  and the engine turns any rule reading it into ``not_applicable`` ("not read: no selected rule
  needs it"), never ``pass``;
* storage outside the ``imaging_data`` scope needs nothing past what decides the scope;
* a rule whose ``when`` is already false from the facts read so far needs nothing more, so the
  collector reads the facts ``when``s (and the scope) read first (:attr:`KindPlan.gates`), asks
  again, then reads what remains. A ``when`` that is unknown (a fact not read yet, or one that
  could not be read) keeps every fact of its rule needed: only a known false skips a read.

Pure: rules, fact schemas and parameters in; sets of fact keys out. How a fact is read (which API
call produces it) is each collector's own table (e.g. ``scanner/collectors/aws/reads.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from scanner.catalog import SCOPE_PARAMETER, Catalog
from scanner.engine.predicates import PredicateError, evaluate, keys
from scanner.engine.rules import Rule
from scanner.facts.schema import KindSchema
from scanner.facts.values import Unknown
from scanner.scope import ImagingScope

#: why a fact is absent from a resource's facts: the reason ``Resource.skipped`` gives, and the
#: message of the ``not_applicable`` finding of any rule that reads it anyway
NOT_READ = "not read: no selected rule needs it"


def fact_root(key: str) -> str:
    """``encryption.algorithm`` -> ``encryption``; ``ingress[].sources`` -> ``ingress``."""
    return key.split(".", 1)[0].split("[", 1)[0]


def covers(path: str, key: str) -> bool:
    """Is ``key`` (a fact key a rule reads) ``path`` or below it?"""
    return key == path or key.startswith((f"{path}.", f"{path}["))


@dataclass(frozen=True)
class Needs:
    """What one resource still needs, given the facts read so far."""

    plan: KindPlan
    roots: frozenset[str] = frozenset()
    everything: bool = False
    #: the resource is outside the ``imaging_data`` scope: its rules will not judge it
    outside_scope: bool = False
    #: root -> the selected rules that read it but do not apply to this resource (``when`` false)
    idle: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __contains__(self, path: object) -> bool:
        """A top-level fact, or a key below one (``encryption.customer_managed_key``), still needed."""
        if not isinstance(path, str):
            return False
        if self.everything:
            return True
        if fact_root(path) not in self.roots:
            return False
        return path == fact_root(path) or path in self.plan.extra or self.plan.reads_below(path)

    def why_not(self, path: str) -> str:
        if self.outside_scope:
            return f"{NOT_READ} (outside the {SCOPE_PARAMETER} scope, so no rule judges this resource)"
        idle = self.idle.get(fact_root(path))
        if idle and fact_root(path) not in self.roots:
            verb = "does" if len(idle) == 1 else "do"
            return f"{NOT_READ} ({', '.join(idle)} {verb} not apply to this resource)"
        return NOT_READ


@dataclass(frozen=True)
class KindPlan:
    """The plan for one resource kind: its selected rules and what they read."""

    kind: str
    rules: tuple[Rule, ...] = ()
    schema: KindSchema | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    #: storage kinds: which resources hold imaging data (the others are not judged)
    scope: ImagingScope | None = None
    #: facts needed besides the rules' (tags for ``--deid-sample``, facts another kind is built from)
    extra: frozenset[str] = frozenset()
    #: no plan: every fact is read (tests, and callers that judge with rules of their own)
    everything: bool = False

    @cached_property
    def read_keys(self) -> frozenset[str]:
        """Every fact key the selected rules read."""
        return frozenset(key for rule in self.rules for key in rule.reads())

    @cached_property
    def roots(self) -> frozenset[str]:
        """Every top-level fact any selected rule, the scope or an extra need reads."""
        found = {fact_root(key) for key in self.read_keys} | {fact_root(key) for key in self.extra}
        if self._scope_reads_tags:
            found.add("tags")
        return frozenset(found)

    @cached_property
    def gates(self) -> frozenset[str]:
        """Top-level facts that decide whether other facts are needed: those the rules' ``when``s
        read, and ``tags`` when the scope selects by tag. A collector reads them first."""
        found = {fact_root(key) for rule in self.rules if rule.when is not None for key in keys(rule.when)}
        if self._scope_reads_tags:
            found.add("tags")
        return frozenset(found)

    @property
    def _scope_reads_tags(self) -> bool:
        return self.scope is not None and bool(self.scope.tags)

    def wants(self, path: str) -> bool:
        """Might some resource of this kind need ``path`` (a top-level fact or a key below one)?"""
        if self.everything:
            return True
        if fact_root(path) not in self.roots:
            return False
        return path == fact_root(path) or path in self.extra or self.reads_below(path)

    def reads_below(self, path: str) -> bool:
        return any(covers(path, key) for key in self.read_keys)

    def needs(self, facts: Mapping[str, Any], errors: Mapping[str, str] | None = None, *,
              names: Sequence[Any] = (), tags: Mapping[str, Any] | Unknown | None = None) -> Needs:
        """The top-level facts one resource needs, given ``facts`` read so far (a key absent from
        both ``facts`` and ``errors`` is not read yet). ``tags``: the resource's tags, None while
        they are not read yet (then the scope cannot drop the resource yet)."""
        if self.everything:
            return Needs(self, everything=True)
        if self._outside_scope(names, tags):
            return Needs(self, frozenset(fact_root(k) for k in self.extra), outside_scope=True)
        typed = self.schema.coerce(facts, errors) if self.schema is not None else dict(facts)
        needed = {fact_root(key) for key in self.extra}
        if self._scope_reads_tags:
            needed.add("tags")
        idle: dict[str, list[str]] = {}
        for rule in self.rules:
            roots = {fact_root(key) for key in rule.reads()}
            if rule.when is not None and _false(rule, typed, self.parameters):
                for root in roots:
                    idle.setdefault(root, []).append(rule.id)
                continue
            needed |= roots
        return Needs(self, frozenset(needed), idle={k: tuple(v) for k, v in idle.items()})

    def _outside_scope(self, names: Sequence[Any], tags: Mapping[str, Any] | Unknown | None) -> bool:
        """Known to be outside the imaging-data scope (tags not read yet: not known, when they count)."""
        if self.scope is None or (tags is None and self.scope.tags):
            return False
        return self.scope.selector(names, {} if tags is None else tags) is None


def _false(rule: Rule, facts: Mapping[str, Any], parameters: Mapping[str, Any]) -> bool:
    assert rule.when is not None
    try:
        return evaluate(rule.when, facts, parameters) is False
    except PredicateError:  # the engine reports it as an error finding; read what the rule needs
        return False


@dataclass(frozen=True)
class ReadPlan:
    """What a live scan reads: one :class:`KindPlan` per resource kind some selected rule judges."""

    kinds: Mapping[str, KindPlan] = field(default_factory=dict)
    everything: bool = False
    #: the selected rules, which the engine judges the inventory with
    rules: tuple[Rule, ...] = ()

    @classmethod
    def read_everything(cls) -> ReadPlan:
        return cls(everything=True)

    @classmethod
    def for_rules(cls, catalog: Catalog, rules: Iterable[Rule], parameters: Mapping[str, Any],
                  source: str) -> ReadPlan:
        """The plan of the ``rules`` that judge resources ``source`` (a provider) produces."""
        selected = tuple(r for r in rules if not r.inputs or source in r.inputs)
        scope = ImagingScope.from_parameter(parameters.get(SCOPE_PARAMETER) or {})
        by_kind: dict[str, list[Rule]] = {}
        for rule in selected:
            by_kind.setdefault(rule.resource, []).append(rule)
        kinds = {}
        for kind, kind_rules in by_kind.items():
            schema = catalog.kinds.get(kind)
            scoped = schema is not None and schema.storage and not schema.always_imaging
            kinds[kind] = KindPlan(kind, tuple(kind_rules), schema, parameters, scope if scoped else None)
        return cls(kinds, rules=selected)

    def kind(self, kind: str) -> KindPlan:
        if self.everything:
            return KindPlan(kind, everything=True)
        return self.kinds.get(kind) or KindPlan(kind)

    def wants_kind(self, kind: str) -> bool:
        """Is any resource of ``kind`` needed at all (some selected rule judges it, or some fact of
        it is needed for something else)?"""
        return self.everything or kind in self.kinds

    def also(self, kind: str, paths: Iterable[str]) -> ReadPlan:
        """The same plan, also reading ``paths`` of every resource of ``kind`` (whatever the rules
        and the scope say)."""
        if self.everything:
            return self
        current = self.kind(kind)
        kinds = {**self.kinds, kind: replace(current, extra=current.extra | frozenset(paths))}
        return replace(self, kinds=kinds)
