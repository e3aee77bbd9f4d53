"""yamldecode and yamlencode: YAML as Terraform reads and writes it (go-cty-yaml's rules, on PyYAML's parser and
emitter, both ports of libyaml as Go's are).

Scalars resolve as in go-cty-yaml, not as PyYAML's loader would: ``y``/``n``/``on``/``off`` are booleans, ``017``
is 17, ``0x1F`` and ``0o17`` are integers, ``1_000`` and ``12:30`` are strings, a date is an RFC 3339 string
(``2001-12-14T00:00:00Z``); merge keys (``<<``), anchors and aliases work; only one document is allowed. A document
whose aliases expand to more than a million values is unknown rather than expanded.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import yaml

from scanner.facts.values import Unknown

from .functions_base import Call, FunctionError, Param, Spec, UnknownResult, known, num_text, parse_decimal
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


_GO_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r",
               "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P"}


def _go_printable(ch: str) -> bool:
    code = ord(ch)
    return code == 0x0A or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or (0xE000 <= code <= 0xFFFD
                                                                            and code != 0xFEFF)


def _go_escape(ch: str) -> str:
    if ch in _GO_ESCAPES:
        return _GO_ESCAPES[ch]
    code = ord(ch)
    return f"x{code:02X}" if code <= 0xFF else f"u{code:04X}" if code <= 0xFFFF else f"U{code:08X}"


class _GoEmitter(yaml.emitter.Emitter):
    """PyYAML's emitter (a port of libyaml's, as Go's is) with Go's way of folding long double-quoted strings."""

    def write_literal(self, text: str) -> None:
        super().write_literal(text)
        self.open_ended = False  # Go's emitter ends no document with "..." after a "|+" block

    def _put(self, text: str) -> None:
        self.stream.write(text)
        self.column += len(text)

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        self.write_indicator('"', True)
        spaces = False
        last = len(text.encode("utf-8")) - 1
        offset = 0
        for index, ch in enumerate(text):
            if not _go_printable(ch) or ch in '"\\\ufeff\r\n\x85\u2028\u2029':
                self._put("\\" + _go_escape(ch))
                spaces = False
            elif ch == " ":
                if split and not spaces and self.column > self.best_width and 0 < offset < last:
                    self.write_indent()
                    if text[index + 1:index + 2] == " ":
                        self._put("\\")
                else:
                    self._put(ch)
                spaces = True
            else:
                self._put(ch)
                spaces = False
            offset += len(ch.encode("utf-8"))
        self.write_indicator('"', False)
        self.whitespace = self.indention = False


def _events(value: Any) -> list[yaml.Event]:
    if isinstance(value, list):
        items = [e for v in value for e in _events(v)]
        return [yaml.SequenceStartEvent(None, None, True, flow_style=False), *items, yaml.SequenceEndEvent()]
    if isinstance(value, dict):
        pairs = [e for k in sorted(value) for e in _events(k) + _events(value[k])]
        return [yaml.MappingStartEvent(None, None, True, flow_style=False), *pairs, yaml.MappingEndEvent()]
    if isinstance(value, str):
        return [yaml.ScalarEvent(None, None, (True, True), value, style="|" if "\n" in value else '"')]
    text = "null" if value is None else ("true" if value else "false") if isinstance(value, bool) else num_text(value)
    return [yaml.ScalarEvent(None, None, (True, True), text, style=None)]


def _yamlencode(call: Call, value: Any) -> str:
    """``yamlencode(value)``: block-style YAML as Terraform writes it (strings double-quoted, or literal blocks
    when they hold a newline; keys sorted). Unknown when any part is unknown."""
    known(call, value, 1)
    if isinstance(value, float) and not math.isfinite(value):
        raise call.error("cannot serialize infinity as YAML")
    out = io.StringIO()
    emitter = _GoEmitter(out, allow_unicode=True)
    for event in (yaml.StreamStartEvent(), yaml.DocumentStartEvent(explicit=False), *_events(value),
                  yaml.DocumentEndEvent(explicit=False), yaml.StreamEndEvent()):
        emitter.emit(event)
    text = out.getvalue()
    return text.removeprefix("--- ") if value == "" else text  # nor starts one to hold an empty string


FUNCTIONS: dict[str, Spec] = {
    "yamldecode": Spec(_yamldecode, (Param(STRING),)),
    "yamlencode": Spec(_yamlencode, (Param(null=True),)),
}
