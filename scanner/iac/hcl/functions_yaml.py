"""yamldecode: a YAML document as Terraform reads it (go-cty-yaml's rules, on PyYAML's parser).

Scalars resolve as in go-cty-yaml, not as PyYAML's loader would: ``y``/``n``/``on``/``off`` are booleans, ``017``
is 17, ``0x1F`` and ``0o17`` are integers, ``1_000`` and ``12:30`` are strings, a date is an RFC 3339 string
(``2001-12-14T00:00:00Z``); merge keys (``<<``), anchors and aliases work; only one document is allowed. A document
whose aliases expand to more than a million values is unknown rather than expanded.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import yaml

from scanner.facts.values import Unknown

from .functions_base import Call, FunctionError, Param, Spec, UnknownResult, num_text, parse_decimal
from .functions_types import STRING

__all__ = ["FUNCTIONS"]

_TAG = "tag:yaml.org,2002:"
_RESOLVABLE = {"", *(_TAG + t for t in ("str", "bool", "int", "float", "null", "timestamp", "binary"))}
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_STAMP = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:([Tt])|( ))(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,](\d+))?"
                    r"(Z|[+-]\d{2}:\d{2})?)?")
_CONSTANTS: dict[str, Any] = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), float("-inf")),
}
_MAX_VALUES = 1_000_000


def _hint(src: str) -> str:
    if not src:
        return "N"
    first = src[0]
    if first in "+-":
        return "S"
    if first.isascii() and first.isdigit():
        return "D"
    return {".": "."}.get(first, "M" if first in "yYnNtTfFoO~" else "")


def _timestamp(src: str) -> str | None:
    match = _STAMP.fullmatch(src)
    if match is None or (match[4] and not match[10]) or (match[5] and match[10]):
        return None
    try:
        moment = datetime(int(match[1]), int(match[2]), int(match[3]), int(match[6] or 0), int(match[7] or 0),
                          int(match[8] or 0), tzinfo=UTC)
    except ValueError:
        return None
    zone = match[10] or "Z"
    if zone == "Z":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])) * (-1 if zone[0] == "-" else 1)
    if offset >= timedelta(days=1):
        return None
    return moment.replace(tzinfo=timezone(offset)).strftime("%Y-%m-%dT%H:%M:%S") + zone


def _number(src: str) -> Any:
    """A decimal number, else a Go integer literal (``0x1F``, ``0o17``, ``0b101``)."""
    plain = src.replace("_", "")
    value = parse_decimal(plain)
    if value is not None:
        return value
    try:
        if plain.strip() == plain:
            return int(plain, 0)
    except ValueError:
        pass
    raise FunctionError(f"cannot parse {src!r} as a number")


def _scalar(tag: str, src: str, quoted: bool) -> Any:
    """go-cty-yaml's ``resolveScalar``."""
    if tag not in _RESOLVABLE:
        raise FunctionError(f"unsupported tag {tag!r}")
    hint = _hint(src)
    if hint and tag not in (_TAG + "str", _TAG + "binary"):
        if quoted:
            return src
        if src in _CONSTANTS:
            return _CONSTANTS[src]
        if tag == "" and src in (".nan", ".NaN", ".NAN"):
            raise FunctionError("floating point NaN is not supported")
        if hint == ".":
            value = parse_decimal(src)
            if value is not None and _FLOAT.fullmatch(src):
                return value
        elif hint in "DS":
            stamp = _timestamp(src) if tag in ("", _TAG + "timestamp") else None
            if stamp is not None:
                return stamp
            if _INT.fullmatch(src):
                tag = _TAG + "int"
            elif _FLOAT.fullmatch(src):
                tag = _TAG + "float"
    return _tagged(tag, src)


def _tagged(tag: str, src: str) -> Any:
    kind = tag.removeprefix(_TAG)
    if kind == "binary":
        try:
            base64.b64decode(src, validate=True)
        except (binascii.Error, ValueError):
            raise FunctionError(f"cannot parse {src!r} as !!binary: not valid base64") from None
    if kind in ("", "str", "binary"):
        return src
    if kind == "bool":
        if not isinstance(_CONSTANTS.get(src), bool):
            raise FunctionError(f"cannot parse {src!r} as !!bool")
        return _CONSTANTS[src]
    if kind in ("int", "float"):
        return _number(src)
    if kind == "timestamp":
        stamp = _timestamp(src)
        if stamp is None:
            raise FunctionError(f"cannot parse {src!r} as !!timestamp")
        return stamp
    return None


class _Reader:
    """go-cty-yaml's ``unmarshal`` over PyYAML's event stream."""

    def __init__(self, events: Iterator[yaml.Event]) -> None:
        self.events = events
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.pending: set[str] = set()
        self.count = 0

    def next(self) -> yaml.Event:
        return next(self.events)

    def value(self, event: yaml.Event) -> tuple[Any, int]:
        if isinstance(event, yaml.AliasEvent):
            return self._alias(str(event.anchor))
        anchor = getattr(event, "anchor", None)
        if anchor:
            self.pending.add(anchor)
        if isinstance(event, yaml.ScalarEvent):
            found: tuple[Any, int] = (_scalar(event.tag or "", event.value, event.style in ("'", '"')), 1)
        elif isinstance(event, yaml.MappingStartEvent):
            found = self._mapping(event)
        elif isinstance(event, yaml.SequenceStartEvent):
            found = self._sequence(event)
        else:
            raise FunctionError(f"unexpected {type(event).__name__} where a value was expected")
        self._grow(1)
        if anchor:
            self.pending.discard(anchor)
            self.anchors[anchor] = found
        return found

    def _grow(self, size: int) -> None:
        self.count += size
        if self.count > _MAX_VALUES:
            raise UnknownResult(Unknown("yamldecode: the document expands to more than a million values"))

    def _alias(self, name: str) -> tuple[Any, int]:
        if name in self.pending:
            raise FunctionError(f"cannot refer to anchor {name!r} from inside its own definition")
        if name not in self.anchors:
            raise FunctionError(f"reference to undefined anchor {name!r}")
        self._grow(self.anchors[name][1])
        return self.anchors[name]

    def _sequence(self, start: yaml.SequenceStartEvent) -> tuple[Any, int]:
        if start.tag not in (None, _TAG + "seq"):
            raise FunctionError(f"can't interpret sequence as {start.tag}")
        items, size = [], 1
        while not isinstance(event := self.next(), yaml.SequenceEndEvent):
            item, item_size = self.value(event)
            items.append(item)
            size += item_size
        return items, size

    def _mapping(self, event: yaml.MappingStartEvent) -> tuple[Any, int]:
        if event.tag not in (None, _TAG + "map"):
            raise FunctionError(f"can't interpret mapping as {event.tag}")
        out: dict[str, Any] = {}
        size = 1
        while not isinstance(key := self.next(), yaml.MappingEndEvent):
            if isinstance(key, yaml.ScalarEvent) and key.value == "<<" and key.tag in (None, _TAG + "merge"):
                merged, merged_size = self.value(self.next())
                out.update(_merge_source(merged))
                size += merged_size
                continue
            if not isinstance(key, yaml.ScalarEvent):
                raise FunctionError("only strings are allowed as mapping keys")
            name = _key(_scalar(key.tag or "", key.value, key.style in ("'", '"')))
            value, value_size = self.value(self.next())
            out[name] = value
            size += value_size
        return out, size


def _key(value: Any) -> str:
    if value is None:
        raise FunctionError("mapping key cannot be null")
    if isinstance(value, bool):
        return "true" if value else "false"
    return num_text(value) if isinstance(value, int | float) else str(value)


def _merge_source(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return {k: v for item in value for k, v in item.items()}
    raise FunctionError("cannot merge a value that is not a mapping into a mapping")


def _yamldecode(call: Call, text: str) -> Any:
    """``yamldecode(str)``: the value the single YAML document describes (see the module docstring)."""
    try:
        reader = _Reader(yaml.parse(text or "\n", Loader=yaml.SafeLoader))
        if not isinstance(reader.next(), yaml.StreamStartEvent) or not isinstance(reader.next(),
                                                                                   yaml.DocumentStartEvent):
            raise FunctionError("missing start of document")
        value, _ = reader.value(reader.next())
        end = reader.next()
        if isinstance(end, yaml.DocumentStartEvent) or not isinstance(end, yaml.DocumentEndEvent):
            raise FunctionError("only a single document is allowed")
        if not isinstance(reader.next(), yaml.StreamEndEvent):
            raise FunctionError("only a single document is allowed")
        return value
    except FunctionError as exc:
        raise call.error(str(exc)) from None
    except (yaml.YAMLError, StopIteration) as exc:
        raise call.error(f"invalid YAML: {exc}") from None


FUNCTIONS: dict[str, Spec] = {"yamldecode": Spec(_yamldecode, (Param(STRING),))}
