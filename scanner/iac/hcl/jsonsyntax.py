"""Terraform's JSON syntax (``.tf.json``) to our syntax tree.

Terraform reads JSON by the schema of each block: top-level keys are block types whose labels
are nested object keys (``resource`` and ``data`` two, ``variable``/``output``/``module``/
``provider`` one, ``locals``/``terraform`` none); a block type may also hold an array of such
objects. In an expression a string is a template (``"${var.x}"`` is the value of ``var.x``), an
array a tuple and an object an object whose keys are templates too; a variable's ``default`` and
``type`` are the exceptions (a literal, and a type expression in a string). ``"//"`` keys are
comments. Inside resource bodies the provider schema would tell a nested block from a map
argument; without it ``lifecycle``, ``dynamic``, ``provisioner`` and ``connection`` are read as
blocks, an array of objects as nested blocks (a list of dicts either way) and a lone object as
the object it is written as.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scanner.iac.hcl.ast import Attribute, Block, Body, Expr, Lit, ObjectCons, TupleCons
from scanner.iac.hcl.syntax import parse_expression
from scanner.iac.hcl.template import parse_template

_LABELS = {"resource": 2, "data": 2, "variable": 1, "output": 1, "module": 1, "provider": 1, "locals": 0,
           "terraform": 0, "moved": 0, "import": 0, "check": 1, "removed": 0}
_RESOURCE_BLOCKS = {"lifecycle", "provisioner", "connection", "dynamic", "content"}
_NESTED = {"variable": {"validation"}, "output": {"precondition"}, "module": set(), "locals": set(),
           "provider": set(), "terraform": set()}
_DECODER = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class JNode:
    """A JSON value with the line it starts on (objects keep their key order and key lines)."""

    value: Any  # scalars as themselves, list[JNode] for arrays, list[tuple[str, int, JNode]] for objects
    kind: str  # "scalar", "array", "object"
    line: int


class JsonSyntaxError(ValueError):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def parse_json_body(text: str) -> Body:
    node, end = _Reader(text).value(_skip_ws(text, 0))
    if text[end:].strip():
        raise JsonSyntaxError("extra data after the JSON value", text.count("\n", 0, end) + 1)
    if node.kind != "object":
        raise JsonSyntaxError("a Terraform JSON file must hold an object", node.line)
    return _top_body(node)


def parse_json_attributes(text: str) -> Body:
    """A ``.tfvars.json`` file: each top-level key is a variable, its value taken literally."""
    node, end = _Reader(text).value(_skip_ws(text, 0))
    if text[end:].strip() or node.kind != "object":
        raise JsonSyntaxError("a .tfvars.json file must hold one object", node.line)
    return Body({k: Attribute(k, literal(v), line, _end_line(v)) for k, line, v in node.value})


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text

    def line(self, i: int) -> int:
        return self.text.count("\n", 0, i) + 1

    def value(self, i: int) -> tuple[JNode, int]:
        text = self.text
        if i >= len(text):
            raise JsonSyntaxError("unexpected end of JSON", self.line(i))
        if text[i] == "{":
            return self.object(i)
        if text[i] == "[":
            return self.array(i)
        try:
            value, end = _DECODER.raw_decode(text, i)
        except json.JSONDecodeError as err:
            raise JsonSyntaxError(err.msg, err.lineno) from None
        return JNode(value, "scalar", self.line(i)), end

    def array(self, i: int) -> tuple[JNode, int]:
        items: list[JNode] = []
        start, i = i, _skip_ws(self.text, i + 1)
        while i < len(self.text) and self.text[i] != "]":
            node, i = self.value(i)
            items.append(node)
            i = self._separator(i, "]")
        return JNode(items, "array", self.line(start)), self._expect(i, "]")

    def object(self, i: int) -> tuple[JNode, int]:
        pairs: list[tuple[str, int, JNode]] = []
        start, i = i, _skip_ws(self.text, i + 1)
        while i < len(self.text) and self.text[i] != "}":
            key_node, i = self.value(i)
            if key_node.kind != "scalar" or not isinstance(key_node.value, str):
                raise JsonSyntaxError("object keys must be strings", key_node.line)
            i = _skip_ws(self.text, self._expect(_skip_ws(self.text, i), ":"))
            node, i = self.value(i)
            pairs.append((key_node.value, key_node.line, node))
            i = self._separator(i, "}")
        return JNode(pairs, "object", self.line(start)), self._expect(i, "}")

    def _separator(self, i: int, close: str) -> int:
        i = _skip_ws(self.text, i)
        if i < len(self.text) and self.text[i] == ",":
            return _skip_ws(self.text, i + 1)
        if i < len(self.text) and self.text[i] == close:
            return i
        raise JsonSyntaxError(f"expected ',' or '{close}'", self.line(i))

    def _expect(self, i: int, char: str) -> int:
        if i >= len(self.text) or self.text[i] != char:
            raise JsonSyntaxError(f"expected {char!r}", self.line(i))
        return i + 1


def _end_line(node: JNode) -> int:
    if node.kind == "object" and node.value:
        return _end_line(node.value[-1][2])
    if node.kind == "array" and node.value:
        return _end_line(node.value[-1])
    return node.line


def _top_body(node: JNode) -> Body:
    blocks: list[Block] = []
    for key, _line, value in node.value:
        if key == "//" or key not in _LABELS:
            continue
        blocks += _labelled_blocks(key, _LABELS[key], (), value)
    return Body({}, tuple(blocks))


def _labelled_blocks(type_: str, depth: int, labels: tuple[str, ...], node: JNode) -> list[Block]:
    if node.kind == "array":
        return [b for item in node.value for b in _labelled_blocks(type_, depth, labels, item)]
    if depth == 0:
        return [Block(type_, labels, _block_body(type_, node), node.line, _end_line(node))]
    if node.kind != "object":
        raise JsonSyntaxError(f"{type_} block labels must be object keys", node.line)
    return [b for key, _line, value in node.value if key != "//"
            for b in _labelled_blocks(type_, depth - 1, (*labels, key), value)]


def _block_body(type_: str, node: JNode) -> Body:
    if node.kind != "object":
        raise JsonSyntaxError(f"a {type_} block must be an object", node.line)
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    nested = _NESTED.get(type_)
    for key, line, value in node.value:
        if key == "//":
            continue
        if (type_ == "dynamic" and key == "content") or (nested is None and _is_block(key, value)) or \
                (nested is not None and key in nested):
            blocks += _nested_blocks(key, value)
        elif type_ == "variable" and key == "default":
            attributes[key] = Attribute(key, literal(value), line, _end_line(value))
        elif type_ == "variable" and key == "type" and isinstance(value.value, str):
            attributes[key] = Attribute(key, parse_expression(value.value, value.line), line, value.line)
        else:
            attributes[key] = Attribute(key, expression(value), line, _end_line(value))
    return Body(attributes, tuple(blocks))


def _is_block(key: str, value: JNode) -> bool:
    if key in _RESOURCE_BLOCKS:
        return True
    return value.kind == "array" and bool(value.value) and all(v.kind == "object" for v in value.value)


def _nested_blocks(key: str, node: JNode) -> list[Block]:
    if key == "dynamic":
        return _labelled_blocks("dynamic", 1, (), node)
    if key == "provisioner":
        return _labelled_blocks("provisioner", 1, (), node)
    return _labelled_blocks(key, 0, (), node)


def _scalar(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def expression(node: JNode) -> Expr:
    """A JSON value in expression context: strings are templates."""
    if node.kind == "scalar":
        if isinstance(node.value, str):
            return parse_template(node.value, node.line, parse_expression, escapes=False)
        return Lit(_scalar(node.value), node.line)
    if node.kind == "array":
        return TupleCons(tuple(expression(v) for v in node.value), node.line)
    return ObjectCons(tuple((parse_template(k, line, parse_expression, escapes=False), expression(v))
                            for k, line, v in node.value if k != "//"), node.line)


def literal(node: JNode) -> Expr:
    """A JSON value taken literally (a variable's default)."""
    if node.kind == "scalar":
        return Lit(_scalar(node.value), node.line)
    if node.kind == "array":
        return TupleCons(tuple(literal(v) for v in node.value), node.line)
    return ObjectCons(tuple((Lit(k, line), literal(v)) for k, line, v in node.value), node.line)
