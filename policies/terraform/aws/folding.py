"""Folding settings declared in several places into one fact of the resource they configure.

A setting of an S3 bucket may be declared inline (provider < 4 blocks, still accepted) or by a
sub-resource naming the bucket; AWS keeps one configuration per setting, so:

* no declaration: the provider's default (known);
* one declaration, or several giving the same value: that value;
* several giving different values: unknown ("configured twice": which one AWS keeps depends on the
  order of apply);
* a sub-resource that only *may* configure the bucket (its ``bucket`` is unknown and nothing ties it
  to another bucket, or its own ``count``/``for_each`` is unknown): the fact is unknown, its
  candidates the value without it and the value with it, so a rule decides only where both give the
  same answer. It never makes a setting pass, and its absence never makes one fail.

:class:`Folded` records, per fact, where the value came from (``origins``), which arguments it was
computed from (``traced``) and the sub-resources folded in (``configured_by``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from policies.terraform.attrs import where
from policies.terraform.index import Linked
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

__all__ = ["Declared", "Folded", "gather", "settle"]


@dataclass(frozen=True)
class Declared:
    """One declaration of a setting: who declares it, the value it gives, from which arguments."""

    instance: TfInstance
    value: Any
    arguments: tuple[str, ...]


def _why_possible(child: TfInstance, via: str) -> str:
    if child.exists is not None:
        return f"whether it exists is not known: {child.exists.reason}"
    link = child.attrs.get(via)
    if isinstance(link, Unknown):
        return f"its {via} is not known: {link.reason}"
    return f"its {via} {link!r} may name this bucket, whose name is not known"


def settle(fact: str, declared: Sequence[Declared], uncertain: Sequence[Declared], default: Any,
           via: str = "bucket") -> Any:
    """One value for ``fact`` from its certain and uncertain declarations (see the module docstring)."""
    values = [d.value for d in declared]
    if not values:
        base = default
    elif all(v == values[0] for v in values[1:]):
        base = values[0]
    else:
        names = ", ".join(d.instance.address for d in declared)
        base = Unknown(f"{fact} is configured {len(values)} times ({names}): which one AWS keeps cannot be told")
    if not uncertain:
        return base
    first = uncertain[0]
    why = f"{fact}: {first.instance.address} may configure this bucket ({_why_possible(first.instance, via)})"
    if len(uncertain) > 1:
        return Unknown(f"{why}, and {len(uncertain) - 1} more")
    agrees = all(d.value == first.value for d in declared)
    applied = first.value if agrees else Unknown(f"{fact} would be configured twice, with different values")
    origin = first.instance.exists.origin if first.instance.exists is not None else None
    return Unknown(why, origin, candidates=(base, applied))


@dataclass
class Folded:
    """The facts of one resource, with where each came from."""

    owner: TfInstance
    facts: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    traced: dict[str, tuple[str, ...]] = field(default_factory=dict)
    configured_by: list[TfInstance] = field(default_factory=list)

    def put(self, fact: str, value: Any, declared: Iterable[Declared] = (), uncertain: Iterable[Declared] = (),
            arguments: Iterable[str] = ()) -> None:
        sources = [*declared, *uncertain]
        self.facts[fact] = value
        shown = {d.instance.address: d.instance for d in sources} or {self.owner.address: self.owner}
        self.origins[fact] = ", ".join(f"{i.address} ({where(i)})" for i in shown.values())
        self.traced[fact] = tuple(dict.fromkeys([*arguments, *(a for d in sources for a in d.arguments)]))
        folded = {i.address for i in self.configured_by}
        for declaration in sources:
            if declaration.instance.address not in folded | {self.owner.address}:
                self.configured_by.append(declaration.instance)
                folded.add(declaration.instance.address)

    def fold(self, fact: str, inline: Declared | None, linked: Linked | None,
             read: Callable[[TfInstance], Declared], default: Any, via: str = "bucket") -> Any:
        """Settle ``fact`` from an inline declaration and the sub-resources ``linked`` to the owner."""
        declared, uncertain = gather(inline, linked, read)
        value = settle(fact, declared, uncertain, default, via)
        self.put(fact, value, declared, uncertain)
        return value


def gather(inline: Declared | None, linked: Linked | None,
           read: Callable[[TfInstance], Declared]) -> tuple[list[Declared], list[Declared]]:
    """(certain, uncertain) declarations: the inline one and the certainly linked sub-resources that
    certainly exist; linked ones whose existence is unknown and possibly linked ones."""
    declared = [inline] if inline is not None else []
    uncertain: list[Declared] = []
    for child in linked.certain if linked else ():
        (declared if child.exists is None else uncertain).append(read(child))
    uncertain += [read(child) for child in (linked.possible if linked else ())]
    return declared, uncertain
