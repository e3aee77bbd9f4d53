"""Helpers every provider's checks share: reading Checkov's rendered values and combining verdicts.

Checkov hands a check the resource as ``{attribute: [value]}``; nested blocks are lists of dicts in
the same shape. What differs by provider (which references count as unresolved, whether a bare
dict counts as a block, which words mean "the internet") stays in ``aws_common`` and
``azure_gcp_common``.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checkov.common.models.enums import CheckResult


@dataclass(frozen=True)
class Observation:
    """One observed fact: the text a reviewer reads and the verdict it supports."""

    text: str
    result: CheckResult


def combine(observations: Iterable[Observation], empty: CheckResult = CheckResult.UNKNOWN) -> CheckResult:
    """Worst of the observations: FAILED beats UNKNOWN beats PASSED; ``empty`` when there are none."""
    results = {o.result for o in observations}
    if not results:
        return empty
    for worst in (CheckResult.FAILED, CheckResult.UNKNOWN):
        if worst in results:
            return worst
    return CheckResult.PASSED


def first(conf: dict[str, Any], key: str) -> Any:
    """The single value of ``key`` (unwrapping Checkov's one-element list); None when absent."""
    value = conf.get(key)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def list_blocks(value: Any) -> list[dict[str, Any]]:
    """The dicts in a list of blocks (one level of nesting flattened); ``[]`` for a non-list."""
    if not isinstance(value, list):
        return []
    out: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, dict):
            out.append(item)
        elif isinstance(item, list):
            out.extend(i for i in item if isinstance(i, dict))
    return out


def as_bool(value: Any) -> bool | None:
    """A literal boolean (Checkov may render ``false`` as ``"false"`` or ``"False"``), else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_int(value: Any) -> int | None:
    """A literal integer, else None (missing, a boolean or not a literal number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    return None


def flatten(value: Any) -> list[Any]:
    """Flatten Checkov's nested lists (``[['a', 'b']]``) into one list; None is ``[]``."""
    if value is None:
        return []
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            out.extend(flatten(item))
        return out
    return [value]


@functools.lru_cache(maxsize=4096)
def is_zero_prefix(cidr: str) -> bool:
    """True when ``cidr`` is a network of prefix length 0 (``0.0.0.0/0``, ``::/0``): the whole
    IPv4 or IPv6 internet. Anything that is not a network (a tag, a name) is False."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False
