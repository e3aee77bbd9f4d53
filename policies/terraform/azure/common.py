"""Helpers every Azure normaliser uses: values the way azurerm reads them, and building facts with
where each one came from.

azurerm renamed several arguments between major versions (``enable_https_traffic_only`` ->
``https_traffic_only_enabled``): :func:`either` reads whichever is set. An unset optional string
in a plan is often ``""``: :func:`text` treats it as not set. :func:`mapped` turns a known value into
a fact (``true`` -> ``"Enabled"``) and keeps an unknown unknown, mapping its candidates so a
conditional whose branches agree stays decidable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from policies.terraform.attrs import arg, resource, where
from scanner.facts.resource import Resource
from scanner.facts.types import to_bool
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance


def text(attrs: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """An optional string argument: ``default`` when absent, null or ``""`` (a plan's unset string)."""
    value = arg(attrs, name, default)
    return default if value == "" else value


def either(attrs: Mapping[str, Any], names: Iterable[str], default: Any) -> Any:
    """The first of ``names`` that is set (a newer provider name first, then its older name), or
    ``default``. Two names set to different known values (a plan carries both) is unknown."""
    found = [(name, attrs[name]) for name in names if attrs.get(name) is not None]
    if not found:
        return default
    values = [value for _, value in found]
    unknown = next((v for v in values if isinstance(v, Unknown)), None)
    if unknown is not None:
        return unknown
    if any(v != values[0] for v in values[1:]):
        shown = ", ".join(f"{name}={value!r}" for name, value in found)
        return Unknown(f"conflicting settings: {shown}")
    return values[0]


def mapped(value: Any, convert: Callable[[Any], Any]) -> Any:
    """``convert(value)`` for a known value; an unknown stays unknown, its candidates converted."""
    if isinstance(value, Unknown):
        if not value.candidates:
            return value
        return Unknown(value.reason, value.origin, value.error, tuple(mapped(c, convert) for c in value.candidates),
                       value.spread, None, value.symbol)
    return convert(value)


def enabled_word(value: Any) -> Any:
    """A boolean argument as the ARM word: true -> ``Enabled``, false -> ``Disabled``."""

    def word(raw: Any) -> Any:
        flag = to_bool(raw)
        return flag if isinstance(flag, Unknown) else ("Enabled" if flag else "Disabled")

    return mapped(value, word)


def canonical(value: Any, words: Iterable[str], what: str) -> Any:
    """A case-insensitive ARM enum value (``inbound``) in its canonical spelling (``Inbound``);
    any other literal is unknown (never read as "some other value")."""
    table = {w.lower(): w for w in words}

    def spell(raw: Any) -> Any:
        if raw is None:
            return None
        if isinstance(raw, str) and raw.strip().lower() in table:
            return table[raw.strip().lower()]
        return Unknown(f"not {what}: {raw!r}")

    return mapped(value, spell)


#: why a sub-resource only *may* configure a resource
UNSURE = "which resource it configures, or whether it exists, is not known"


def unseen(reason: str, origin: str | None = None) -> Unknown:
    """A list element standing for zero or more elements nobody could see."""
    return Unknown(reason, origin, spread=True)


def declared(instance: TfInstance) -> str:
    """``address (file:line)``: where a fact was declared."""
    return f"{instance.address} ({where(instance)})"


class Facts:
    """The facts of one Terraform resource, with the declaration each came from and the arguments
    it was computed from (for the evidence), and the sub-resources folded in."""

    def __init__(self, instance: TfInstance) -> None:
        self.instance = instance
        self.facts: dict[str, Any] = {}
        self.origins: dict[str, str] = {}
        self.traced: dict[str, list[str]] = {}
        self.subs: list[TfInstance] = []

    def put(self, key: str, value: Any, *arguments: str, sources: Iterable[TfInstance] = (),
            own: bool = True) -> None:
        """Set fact ``key``; ``arguments`` are the Terraform arguments it was computed from, in the
        instance itself (unless ``own`` is false) and in ``sources`` (sub-resources configuring it)."""
        self.facts[key] = value
        sources = list(sources)
        found = [self.instance] if own or not sources else []
        self.origins[key] = ", ".join(declared(i) for i in [*found, *sources])
        self.traced[key] = [a for a in arguments if a]
        for sub in sources:
            if sub is not self.instance and sub not in self.subs:
                self.subs.append(sub)

    def resource(self, kind: str, *, name: Any = None, tags: Any = None) -> Resource:
        """The Resource; ``tags`` as evaluated (a map that is not one is unknown, never "no tags")."""
        if tags is not None and not isinstance(tags, Mapping | Unknown):
            tags = Unknown(f"tags is not a map: {tags!r}")
        return resource(kind, self.instance, self.facts, name=name, tags=tags, configured_by=self.subs,
                        origins=self.origins, traced=self.traced)
