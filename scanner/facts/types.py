"""Fact types: whether a value is a valid literal of its declared type.

A value that is not (``"ingress.value.cidr_blocks"`` where a CIDR belongs, ``"var.port"`` where a
port number belongs, a reversed port range, ``"yes"`` where a boolean belongs) becomes
:class:`~scanner.facts.values.Unknown` with the reason: the type of a value, never a guess over its
text, decides whether it is known. Conversions are the ones Terraform and the providers make
(``"22"`` is the number 22, ``"true"`` the boolean true, a number is a string where a string is
declared).
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from scanner.facts.values import Unknown

Coerce = Callable[[Any], Any]

_INT = re.compile(r"-?\d+")
_SHORT = 60


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHORT else text[: _SHORT - 3] + "..."


def _bad(value: Any, what: str) -> Unknown:
    return Unknown(f"not {what}: {_show(value)}")


def to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return _bad(value, "a boolean")


def to_int(value: Any) -> Any:
    if isinstance(value, bool):
        return _bad(value, "a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value.strip())
    return _bad(value, "a whole number")


def to_number(value: Any) -> Any:
    if isinstance(value, bool):
        return _bad(value, "a number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return _bad(value, "a number")
        return int(number) if number.is_integer() else number
    return _bad(value, "a number")


def to_string(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _bad(value, "a string")


@functools.lru_cache(maxsize=8192)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The network a CIDR (or a bare address) literal names, or None."""
    return _network(text)


def to_cidr(value: Any) -> Any:
    """An IPv4/IPv6 CIDR or address literal."""
    if isinstance(value, str) and _network(value) is not None:
        return value
    return _bad(value, "a CIDR")


#: words that stand for every source address (Azure NSG tags and wildcards, GCS "allUsers")
WORLD_WORDS = frozenset({"*", "internet", "any", "0.0.0.0", "allusers"})
#: Azure service tags are capitalised words, optionally with a region ("Storage.WestEurope")
_SERVICE_TAG = re.compile(r"[A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)?")


def to_network_source(value: Any) -> Any:
    """A source a network rule can name: a CIDR or address, ``*``, ``Internet``/``Any``, or a
    provider service tag (``VirtualNetwork``, ``AzureLoadBalancer``, ``Storage.WestEurope``)."""
    if isinstance(value, str):
        text = value.strip()
        if _network(text) is not None or text.lower() in WORLD_WORDS or _SERVICE_TAG.fullmatch(text):
            return value
    return _bad(value, "a CIDR, address or service tag")


def to_port(value: Any) -> Any:
    number = to_int(value)
    if isinstance(number, int) and 0 <= number <= 65535:
        return number
    return _bad(value, "a port number")


def to_port_range(value: Any) -> Any:
    """``{"from": low, "to": high}`` with ``low <= high`` (both 0-65535), or ``"all"``."""
    if value == "all":
        return value
    if isinstance(value, Mapping) and set(value) >= {"from", "to"}:
        low, high = value["from"], value["to"]
        if isinstance(low, Unknown) or isinstance(high, Unknown):
            return low if isinstance(low, Unknown) else high
        low, high = to_port(low), to_port(high)
        if isinstance(low, Unknown) or isinstance(high, Unknown):
            return low if isinstance(low, Unknown) else high
        if low > high:
            return Unknown(f"reversed port range {low}-{high}")
        return {**value, "from": low, "to": high}
    return _bad(value, "a port range")


_PROTOCOL = re.compile(r"[a-z][a-z0-9]*|\*|\d{1,3}")


def to_protocol(value: Any) -> Any:
    """An IP protocol: a name (``tcp``, ``all``), ``*``, or a number 0-255 (case is kept: Azure
    writes ``Tcp``)."""
    text = to_string(value)
    if (isinstance(text, str) and _PROTOCOL.fullmatch(text.strip().lower())
            and (not text.strip().isdigit() or int(text) <= 255)):
        return text.strip()
    return _bad(value, "an IP protocol")


def to_version(value: Any) -> Any:
    """A protocol version such as ``1.2``, ``TLSv1.2``, ``TLS1_2`` or ``TLS_1_2``."""
    if isinstance(value, str) and re.search(r"\d", value) and "${" not in value and "." * 2 not in value:
        return value
    return _bad(value, "a version")


_ARN = re.compile(r"arn:[a-z0-9-]+:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S+")


def to_arn(value: Any) -> Any:
    if isinstance(value, str) and _ARN.fullmatch(value.strip()):
        return value
    return _bad(value, "an ARN")


_KEY_ID = re.compile(r"(?:arn:[a-z0-9-]+:kms:[a-z0-9-]+:\d{12}:(?:key/|alias/)\S+|alias/[\w/.-]+"
                     r"|(?:mrk-)?[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def to_aws_key_id(value: Any) -> Any:
    """A KMS key id, key ARN, alias name or alias ARN."""
    if isinstance(value, str) and _KEY_ID.fullmatch(value.strip()):
        return value
    return _bad(value, "a KMS key id, ARN or alias")


_DURATION = re.compile(r"P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?", re.IGNORECASE)


def to_duration(value: Any) -> Any:
    """An ISO 8601 duration such as ``P90D``, ``P1Y`` or ``PT12H`` (Key Vault rotation triggers)."""
    if isinstance(value, str) and _DURATION.fullmatch(value.strip()):
        return value
    return _bad(value, "an ISO 8601 duration")


def to_object(value: Any) -> Any:
    return value if isinstance(value, Mapping) else _bad(value, "an object")


def to_list(value: Any) -> Any:
    return value if isinstance(value, list) else _bad(value, "a list")


def to_map(value: Any) -> Any:
    if isinstance(value, Mapping):
        return value
    return _bad(value, "a map")


def to_any(value: Any) -> Any:
    return value


TYPES: Mapping[str, Coerce] = {
    "any": to_any,
    "bool": to_bool,
    "int": to_int,
    "number": to_number,
    "string": to_string,
    "cidr": to_cidr,
    "network_source": to_network_source,
    "port": to_port,
    "port_range": to_port_range,
    "protocol": to_protocol,
    "version": to_version,
    "arn": to_arn,
    "aws_key_id": to_aws_key_id,
    "duration": to_duration,
    "object": to_object,
    "list": to_list,
    "map": to_map,
}
