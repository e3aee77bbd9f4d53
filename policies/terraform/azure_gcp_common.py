"""Helpers shared by the Azure and GCP checks.

Checkov hands a check the resource as ``{attribute: [value]}``; nested blocks are lists of dicts in
the same shape. Anything Checkov could not render (``var.x``, ``${...}``, ``data.x.y``, a reference
to another resource) stays a string: a check that needs a literal there answers UNKNOWN.

Every check here derives from :class:`ObservingCheck`: it yields :class:`Observation` values (the
text a reviewer needs plus the verdict it supports) and the worst verdict wins. The texts become
``self.details`` on every result, pass or fail.
"""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies.terraform import graph_index
from policies.terraform.common import Observation, as_bool, as_int, combine, first, is_zero_prefix, list_blocks

_REFERENCE = re.compile(
    r"^(var|local|data|module|each|count|path|terraform|azurerm_[a-z0-9_]+|google_[a-z0-9_]+)\.|\$\{"
)

#: Azure service tags and wildcards meaning "any source on the internet".
_WORLD_WORDS = frozenset({"*", "internet", "any"})

PASSED = CheckResult.PASSED
FAILED = CheckResult.FAILED
UNKNOWN = CheckResult.UNKNOWN


def passed(text: str) -> Observation:
    return Observation(text, PASSED)


def failed(text: str) -> Observation:
    return Observation(text, FAILED)


def unknown(text: str) -> Observation:
    return Observation(text, UNKNOWN)


def blocks(conf: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Nested blocks named ``key``, whether written as blocks or as a list of objects (a graph
    vertex holds a single block as a bare dict)."""
    value = conf.get(key)
    return [value] if isinstance(value, dict) else list_blocks(value)


def block(conf: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The first nested block named ``key``, or None."""
    found = blocks(conf, key)
    return found[0] if found else None


def is_unresolved(value: Any) -> bool:
    """True for a value Checkov could not render (a variable, data source or resource reference)."""
    return isinstance(value, str) and bool(_REFERENCE.search(value.strip()))


@dataclass(frozen=True)
class PortRange:
    low: int
    high: int

    def contains_any(self, ports: Iterable[int]) -> list[int]:
        return sorted(p for p in ports if self.low <= p <= self.high)

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"


ALL_PORTS = PortRange(0, 65535)


def parse_port_range(spec: Any) -> PortRange | None:
    """``"104"``, ``"100-200"``, ``"*"`` or an integer as a range; None when not a literal range."""
    if isinstance(spec, bool):
        return None
    if isinstance(spec, int):
        return PortRange(spec, spec)
    if not isinstance(spec, str):
        return None
    text = spec.strip()
    if text == "*":
        return ALL_PORTS
    match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", text)
    if match is None:
        return None
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else low
    if low > high or high > 65535:
        return None
    return PortRange(low, high)


def is_world_source(source: Any) -> bool | None:
    """True for a source meaning "the whole internet" (``*``, ``Internet``, ``Any``, any ``/0``
    network such as ``0.0.0.0/0`` or ``::/0``); False for a narrower literal; None if unresolved."""
    if not isinstance(source, str) or is_unresolved(source):
        return None
    text = source.strip()
    if text.lower() in _WORLD_WORDS:
        return True
    return is_zero_prefix(text)  # False for a service tag such as VirtualNetwork, or a tag name


def tls_rank(version: str) -> tuple[int, int] | None:
    """``"1.2"``, ``"TLS1_2"``, ``"TLSv1_2"``, ``"TLS_1_2"`` as ``(1, 2)``; None if not a version."""
    match = re.fullmatch(r"(?:TLS)?[_ v]?(\d)[._](\d)", version.strip(), flags=re.IGNORECASE)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


class ObservingCheck(BaseResourceCheck):
    """A resource check that reports what it observed, pass or fail, in ``self.details``."""

    #: attribute paths this check reads (Checkov's ``evaluated_keys``)
    keys: tuple[str, ...] = ()

    def __init__(self, name: str, id: str, resources: Iterable[str], category: CheckCategories) -> None:
        super().__init__(name=name, id=id, categories=[category], supported_resources=list(resources))

    def scan_resource_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        observations = list(self.observe(conf))
        self.details = [o.text for o in observations]
        self.evaluated_keys = list(self.keys)
        return combine(observations)

    @abstractmethod
    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        """What the resource shows, each with the verdict it supports."""


def bool_setting(conf: dict[str, Any], names: tuple[str, ...], want: bool, default: bool | None) -> Observation:
    """The first of ``names`` that is set (newer provider name first) compared with ``want``.

    When none is set, the provider ``default`` decides, stated in the text; without a default
    (``None``) the missing setting fails.
    """
    for name in names:
        if name in conf:
            raw = first(conf, name)
            value = as_bool(raw)
            if value is None:
                return unknown(f"{name}={raw}: not a literal boolean")
            return (passed if value == want else failed)(f"{name}={str(value).lower()}")
    if default is None:
        return failed(f"{' / '.join(names)} not set")
    verdict = passed if default == want else failed
    return verdict(f"{names[0]} not set: the provider default is {str(default).lower()}")


def int_at_least(name: str, raw: Any, minimum: int, unit: str) -> Observation:
    """``raw`` as an integer compared with ``minimum`` (UNKNOWN when it is not a literal)."""
    value = as_int(raw)
    if value is None:
        return unknown(f"{name}={raw}: not a literal number")
    verdict = passed if value >= minimum else failed
    return verdict(f"{name}={value} {unit} (minimum {minimum})")


def graph_resources(graph: Any, resource_type: str) -> list[dict[str, Any]] | None:
    """Attributes of every resource of ``resource_type`` in Checkov's graph; None without a graph."""
    if graph is None:
        return None
    return graph_index.resources_of_type(graph, resource_type)


def resource_name(conf: dict[str, Any]) -> str:
    """``type.name`` of the resource (its address without any module prefix)."""
    address = str(conf.get("__address__", ""))
    return ".".join(address.split(".")[-2:])
