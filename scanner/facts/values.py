"""Three-valued values: every value pacscan judges is known or :class:`Unknown`.

A known value is plain JSON-like Python: ``None`` (Terraform ``null``, or "not configured" where a
fact schema says so), ``bool``, ``int``/``float``, ``str``, ``list`` (Terraform lists, tuples and
sets) and ``dict`` (maps and objects). An :class:`Unknown` may stand anywhere a value can:

* as a whole value: ``cidr_blocks = var.cidrs`` with no value for ``var.cidrs``;
* as a list element, where it stands for *zero or more* elements nobody could see:
  ``concat(var.cidrs, ["10.0.0.0/8"])`` is ``[Unknown(...), "10.0.0.0/8"]``;
* as the rest of a mapping, in a :class:`PartialDict`: ``merge(var.tags, {team = "pacs"})`` knows
  ``team`` and nothing about the other keys.

An unknown may still say something: ``candidates`` are the values it can only be one of (a
conditional whose condition is unknown: a rule decides when every candidate gives the same
answer); ``spread`` marks a list element that stands for zero or more elements rather than exactly
one; ``partial`` is what is known of a value that is not wholly known (``jsonencode`` of an object
with one unknown ARN keeps the object, unknown ARN inside); ``symbol`` names a value known only
after apply by what it is, e.g. ``aws_s3_bucket.pacs.arn`` or ``${aws_s3_bucket.pacs.arn}/*``.

``Unknown`` has no truth value: ``if value:`` on one raises ``TypeError``, so code that forgets to
ask "is it known?" fails loudly in tests instead of quietly reading unknown as false. ``error``
marks a value that could not be *read* (access denied, throttled, unreachable), as opposed to one
that cannot be *decided* (known only after apply, a variable with no value): findings that depend
on it are ``error`` rather than ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

__all__ = ["PartialDict", "Unknown", "first_unknown", "is_known", "is_unknown", "to_json", "unknowns"]


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value nobody could see: why, and where that was decided."""

    reason: str
    origin: str | None = None
    error: bool = False
    candidates: tuple[Any, ...] = ()
    spread: bool = False
    partial: Any = None
    symbol: str | None = None

    def __bool__(self) -> NoReturn:
        raise TypeError(f"an unknown value has no truth value ({self.reason})")

    def describe(self) -> str:
        return f"{self.reason} ({self.origin})" if self.origin else self.reason


class PartialDict(dict[str, Any]):
    """A mapping whose listed keys are known and which may hold more keys nobody could see."""

    __slots__ = ("rest",)

    def __init__(self, known: Mapping[str, Any], rest: Unknown) -> None:
        super().__init__(known)
        self.rest = rest

    def __repr__(self) -> str:
        return f"PartialDict({dict.__repr__(self)}, rest={self.rest!r})"

    def __reduce__(self) -> Any:
        return (PartialDict, (dict(self), self.rest))


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def unknowns(value: Any) -> Iterator[Unknown]:
    """Every :class:`Unknown` in ``value``, depth first (the rest of a partial mapping included;
    not the unknowns inside an unknown's candidates or partial value)."""
    if isinstance(value, Unknown):
        yield value
    elif isinstance(value, dict):
        if isinstance(value, PartialDict):
            yield value.rest
        for item in value.values():
            yield from unknowns(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from unknowns(item)


def first_unknown(value: Any) -> Unknown | None:
    return next(unknowns(value), None)


def is_known(value: Any) -> bool:
    """True when nothing in ``value`` is unknown."""
    return first_unknown(value) is None


#: the key an unknown carries in JSON evidence, and the key for the unseen rest of a mapping
UNKNOWN_KEY = "$unknown"
REST_KEY = "$unknown_keys"


def to_json(value: Any) -> Any:
    """``value`` as JSON-ready data: an unknown becomes ``{"$unknown": reason}`` (with its origin
    and ``"error": true`` when it could not be read); the unseen rest of a partial mapping is
    ``"$unknown_keys": reason``."""
    if isinstance(value, Unknown):
        out: dict[str, Any] = {UNKNOWN_KEY: value.reason}
        if value.origin:
            out["origin"] = value.origin
        if value.error:
            out["error"] = True
        if value.candidates:
            out["one_of"] = [to_json(c) for c in value.candidates]
        if value.symbol:
            out["symbol"] = value.symbol
        return out
    if isinstance(value, dict):
        data = {str(k): to_json(v) for k, v in value.items()}
        if isinstance(value, PartialDict):
            data[REST_KEY] = value.rest.describe()
        return data
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value
