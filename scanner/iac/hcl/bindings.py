"""Per-instance bindings: ``count.index`` and ``each.key``/``each.value``, and the evaluated
values cached with their dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.facts.values import Unknown
from scanner.iac.hcl.env import Deps


@dataclass(frozen=True)
class CountBinding:
    index: Any  # int, or Unknown when the count is unknown


@dataclass(frozen=True)
class EachBinding:
    key: Any  # str, or Unknown
    value: Any
    deps: Deps  # what the for_each expression was computed from


@dataclass
class Evaluated:
    """A cached value and what it was computed from."""

    value: Any
    deps: Deps


def instance_key(key: Any) -> str:
    """``[0]`` or ``["k"]``, as Terraform writes an instance key; empty for no key."""
    if key is None or isinstance(key, Unknown):
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + _quote(str(key)) + "]"


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class Computing:
    """Marks a value being computed, to catch a reference cycle instead of recursing forever."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def cycle(self, origin: str | None) -> Evaluated:
        return Evaluated(Unknown(f"{self.what} refers to itself (a cycle Terraform rejects)", origin), Deps())
