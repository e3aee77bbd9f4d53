"""Reading one resource's facts as the scan's read plan asks (``scanner/engine/plan.py``), whatever the cloud.

Each collector declares, per resource kind, which API call produces each fact it reads per resource
(a :class:`Read` per fact key: ``scanner/collectors/aws/reads.py`` for AWS) and gives
:func:`read_planned` one callable per fact that makes the call and stores what it found. The reader:

1. reads the facts that decide what else is needed first (the plan's gates: what ``when``s and the
   ``imaging_data`` scope read, and what the facts they need are read after);
2. asks the plan again, and reads only what is still needed, in the table's order;
3. where a fact is *implied* by facts already read (the cloud's own rules make the answer certain:
   an S3 bucket without versioning has no object lock), stores that value with its origin instead
   of calling;
4. returns every fact it did not read, with why (``Resource.skipped``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.collectors.reader import FactReader
from scanner.engine.plan import KindPlan, Needs, fact_root
from scanner.facts.values import Unknown


@dataclass(frozen=True)
class Read:
    """How one fact (a top-level key, or a key below one) of a kind is produced."""

    #: the API operation, as the session counts it ("s3:GetBucketEncryption"); a listing for facts
    #: every resource gets from the call that found it
    operation: str
    #: per resource (``resource``), once per listing page (``listing``), once per account or region
    per: str = "resource"
    #: facts read before this one: their values may make the call unnecessary (see ``implied``)
    after: tuple[str, ...] = ()
    #: (kind, fact) of another kind built from this fact (CloudTrail's account summary of its trails)
    feeds: tuple[tuple[str, str], ...] = ()
    #: other operations this fact takes (the listings that lead to it, a fallback, a call per item)
    also: tuple[str, ...] = ()

    @property
    def operations(self) -> tuple[str, ...]:
        return (self.operation, *self.also)


#: (value, origin) of a fact known without its call, or None: the call is needed
Implied = tuple[Any, str] | None
Implication = Callable[[Mapping[str, Any]], Implied]


def calls_by_kind(calls: Mapping[str, int], table: Mapping[str, Mapping[str, Read]]) -> dict[str, dict[str, int]]:
    """``calls`` (operation -> count) attributed to the one kind whose facts each operation produces, by
    the collector's table; an operation several kinds use (or none) is left out."""
    kinds: dict[str, set[str]] = {}
    for kind, reads in table.items():
        for read in reads.values():
            for operation in read.operations:
                kinds.setdefault(operation, set()).add(kind)
    out: dict[str, dict[str, int]] = {}
    for operation, count in sorted(calls.items()):
        owners = kinds.get(operation, set())
        if len(owners) == 1:
            out.setdefault(next(iter(owners)), {})[operation] = count
    return out


def _order(reads: Mapping[str, Read], plan: KindPlan) -> list[str]:
    """The table's order, with the gates (and what they are read after) first."""
    first: set[str] = set()
    pending = [path for path in reads if fact_root(path) in plan.gates]
    while pending:
        path = pending.pop()
        if path not in first:
            first.add(path)
            pending += [p for p in reads.get(path, Read("")).after if p in reads]
    return [p for p in reads if p in first] + [p for p in reads if p not in first]


def read_planned(reader: FactReader, plan: KindPlan, reads: Mapping[str, Read], calls: Mapping[str, Callable[[], Any]],
                 *, names: Sequence[Any] = (), tags: Callable[[], Mapping[str, Any] | Unknown | None] | None = None,
                 implied: Mapping[str, Implication] | None = None,
                 origins: dict[str, str] | None = None) -> dict[str, str]:
    """Call what ``plan`` needs of one resource; return the facts of ``calls`` not read, with why.

    ``tags`` gives the resource's tags once read (None before): the scope may drop the resource
    then. ``origins`` receives where implied facts come from."""

    def done(path: str) -> bool:
        return path in reader.facts or path in reader.errors or (
            "." in path and fact_root(path) in reader.errors)

    def ask() -> Needs:
        return plan.needs(reader.facts, reader.errors, names=names, tags=tags() if tags is not None else None)

    needs = ask()
    for path in _order(reads, plan):
        if path not in calls or _present(reader.facts, path) or done(path):
            continue
        if path not in needs:
            continue
        value = _implied(reader, reads[path], (implied or {}).get(path))
        if value is not None:
            _store(reader.facts, path, value[0])
            if origins is not None:
                origins[path] = value[1]
        else:
            calls[path]()
        if fact_root(path) in plan.gates:
            needs = ask()
    return {path: needs.why_not(path) for path in calls if not _present(reader.facts, path) and not done(path)}


def _implied(reader: FactReader, read: Read, implication: Implication | None) -> Implied:
    if implication is None or any(p not in reader.facts for p in read.after):
        return None
    return implication(reader.facts)


def _present(facts: Mapping[str, Any], path: str) -> bool:
    """Is ``path`` (``a`` or ``a.b``) in ``facts``? A key below a parent that is None (not
    configured) or not a mapping counts as present: there is nothing below it to read."""
    node: Any = facts
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return True
        if part not in node:
            return False
        node = node[part]
    return True


def _store(facts: dict[str, Any], path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if not rest:
        facts[head] = value
    elif isinstance(facts.get(head), dict):
        _store(facts[head], rest, value)
