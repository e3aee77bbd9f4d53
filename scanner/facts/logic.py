"""Kleene three-valued logic over facts: a truth is True, False or an :class:`Unknown` (which has
no truth value and carries why). Shared by the rule engine, the Terraform normalisers and the
readings both inputs share (bucket policies, HealthImaging access): it sits with the facts, below
all of them."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.facts.values import Unknown

__all__ = ["Truth", "agree", "all_of", "any_of", "negate", "pick"]

Truth = bool | Unknown


def pick(unknowns: Iterable[Unknown]) -> Unknown:
    """The unknown that explains a result: one that could not be read, if any, else the first."""
    found = list(unknowns)
    for unknown in found:
        if unknown.error:
            return unknown
    return found[0]


def all_of(parts: Iterable[Truth]) -> Truth:
    pending: list[Unknown] = []
    for part in parts:
        if part is False:
            return False
        if isinstance(part, Unknown):
            pending.append(part)
    return pick(pending) if pending else True


def any_of(parts: Iterable[Truth]) -> Truth:
    pending: list[Unknown] = []
    for part in parts:
        if part is True:
            return True
        if isinstance(part, Unknown):
            pending.append(part)
    return pick(pending) if pending else False


def negate(truth: Truth) -> Truth:
    return truth if isinstance(truth, Unknown) else not truth


def agree(results: list[Truth], why: Unknown) -> Truth:
    """One answer for several candidates: the common one when they all agree, else unknown."""
    if results and all(r is True for r in results):
        return True
    if results and all(r is False for r in results):
        return False
    unknown = [r for r in results if isinstance(r, Unknown)]
    return pick(unknown) if unknown else why
