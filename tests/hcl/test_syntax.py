"""Parsing: Checkov's Lark grammar to our syntax tree, with HCL's precedence and template rules."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from scanner.iac.hcl.ast import Binary, Call, Cond, FileAst, ForExpr, Lit, Splat, Template, Traversal, Unary
from scanner.iac.hcl.jsonsyntax import parse_json_body
from scanner.iac.hcl.parse import parse_file
from scanner.iac.hcl.syntax import parse_body, parse_expression
from scanner.iac.tfmodel import ParseFailure


def expr(text: str) -> object:
    return parse_body(f"x = {text}\n").attributes["x"].expr


def shape(node: object) -> object:
    """Operators as nested tuples, operands by name: enough to read precedence."""
    if isinstance(node, Binary):
        return (shape(node.left), node.op, shape(node.right))
    if isinstance(node, Cond):
        return ("?", shape(node.cond), shape(node.then), shape(node.other))
    if isinstance(node, Unary):
        return (node.op, shape(node.operand))
    if isinstance(node, Traversal):
        return node.text
    if isinstance(node, Lit):
        return node.value
    return type(node).__name__


@pytest.mark.parametrize(("text", "expected"), [
    # binary operators are left-associative: a - b - c is (a - b) - c
    ("a - b - c", (("a", "-", "b"), "-", "c")),
    # * binds tighter than +
    ("a + b * c", ("a", "+", ("b", "*", "c"))),
    ("a * b + c", (("a", "*", "b"), "+", "c")),
    # comparison above equality above && above ||
    ("a || b && c == d", ("a", "||", ("b", "&&", ("c", "==", "d")))),
    ("a < b == c", (("a", "<", "b"), "==", "c")),
    # the conditional is the lowest: the grammar nests it inside the chain, we hoist it
    ("a == b ? x : y", ("?", ("a", "==", "b"), "x", "y")),
    ("a == b ? x : y || z", ("?", ("a", "==", "b"), "x", ("y", "||", "z"))),
    ("a ? b : c ? d : e", ("?", "a", "b", ("?", "c", "d", "e"))),
    # unary operators bind tighter than any binary operator
    ("!a && b", (("!", "a"), "&&", "b")),
    ("-a * b", (("-", "a"), "*", "b")),
    # parentheses are kept as written
    ("(a + b) * c", (("a", "+", "b"), "*", "c")),
    ("-1", -1),
])
def test_operator_precedence_follows_hcl(text: str, expected: object) -> None:
    assert shape(expr(text)) == expected


def test_traversals_keep_their_text_and_steps() -> None:
    node = expr('aws_s3_bucket.b["x"].versioning[0].enabled')
    assert isinstance(node, Traversal)
    assert node.root == "aws_s3_bucket" and node.text == 'aws_s3_bucket.b["x"].versioning[0].enabled'
    legacy = expr("a.0.b")
    assert isinstance(legacy, Traversal) and legacy.text == "a[0].b"


def test_splats_full_and_attribute_only() -> None:
    full, legacy = expr("a[*].b[0]"), expr("a.*.b[0]")
    assert isinstance(full, Splat) and not full.attr_only and len(full.steps) == 2
    assert isinstance(legacy, Splat) and legacy.attr_only


def test_function_call_argument_expansion_is_read_from_the_source() -> None:
    expanded, plain = expr("f(a, b...)"), expr("f(a, b)")
    assert isinstance(expanded, Call) and expanded.expand
    assert isinstance(plain, Call) and not plain.expand


def test_for_expressions() -> None:
    listed = expr("[for k, v in x : v if k]")
    grouped = expr("{for k, v in x : k => v...}")
    assert isinstance(listed, ForExpr) and listed.key_var == "k" and listed.key is None and listed.cond is not None
    assert isinstance(grouped, ForExpr) and grouped.group and grouped.key is not None


def test_templates_interpolation_escapes_and_directives() -> None:
    assert expr('"plain"') == Lit("plain", 1)
    assert expr('"a\\tb\\u00e9\\"$${x}%%{y}"') == Lit('a\tb\u00e9"${x}%{y}', 1)
    single = expr('"${var.list}"')
    assert isinstance(single, Traversal)  # a lone interpolation is the value itself, not a string
    template = expr('"a${b}c"')
    assert isinstance(template, Template) and template.parts[0] == "a" and template.parts[2] == "c"


def test_heredoc_content_and_indentation_trimming() -> None:
    body = parse_body('a = <<EOT\n  x\n  y\nEOT\nb = <<-EOT\n    x\n      y\n\n    z\n    EOT\n'
                      'c = <<-EOT\n    x\n      \n    z\n  EOT\n')
    assert body.attributes["a"].expr == Lit("  x\n  y\n", 2)  # content starts on the line after <<EOT
    # <<- removes the smallest indentation; blank and whitespace-only lines do not count
    assert isinstance(body.attributes["b"].expr, Lit) and body.attributes["b"].expr.value == "x\n  y\n\nz\n"
    assert isinstance(body.attributes["c"].expr, Lit) and body.attributes["c"].expr.value == "x\n      \nz\n"


def test_strip_markers_and_directives_in_heredocs() -> None:
    body = parse_body('a = <<EOT\n%{ for i, v in ["a","b"] }${i}${v},%{ endfor ~}   .\nEOT\n')
    node = body.attributes["a"].expr
    assert isinstance(node, Template)
    assert node.parts[-1] == ".\n"  # the ~ stripped the spaces after endfor


def test_an_interpolation_that_does_not_parse_is_invalid_not_a_failure() -> None:
    node = parse_expression("1 +", 3)
    assert type(node).__name__ == "Invalid"


def test_blocks_keep_labels_and_lines() -> None:
    body = parse_body('resource "a" "b" {\n  c = 1\n  d {\n  }\n}\n')
    block = body.blocks[0]
    assert (block.type, block.labels, block.line, block.end_line) == ("resource", ("a", "b"), 1, 5)
    assert block.body.attributes["c"].line == 2 and block.body.blocks[0].type == "d"


def test_json_syntax_blocks_templates_and_comments() -> None:
    body = parse_json_body('{\n "//": "comment",\n "resource": {"aws_s3_bucket": {"b": {\n'
                           '   "bucket": "${var.name}", "count": 2, "//": "x",\n'
                           '   "lifecycle": {"prevent_destroy": true}}}},\n'
                           ' "variable": {"name": {"type": "string", "default": "${literal}"}}}\n')
    resource = next(b for b in body.blocks if b.type == "resource")
    assert resource.labels == ("aws_s3_bucket", "b") and resource.line == 3
    assert isinstance(resource.body.attributes["bucket"].expr, Traversal)
    assert "//" not in resource.body.attributes and resource.body.blocks[0].type == "lifecycle"
    variable = next(b for b in body.blocks if b.type == "variable")
    assert variable.body.attributes["default"].expr == Lit("${literal}", 6)  # defaults are literal in JSON


def test_parse_failure_names_line_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tf"
    bad.write_text('resource "a" "b" {\n  x = = 1\n}\n', encoding="utf-8")
    result = parse_file(bad)
    assert isinstance(result, ParseFailure) and result.line == 2 and result.reason
    broken_json = tmp_path / "bad.tf.json"
    broken_json.write_text('{"resource": [}', encoding="utf-8")
    assert isinstance(parse_file(broken_json), ParseFailure)


def test_parse_results_are_picklable(tmp_path: Path) -> None:
    source = tmp_path / "main.tf"
    source.write_text('locals {\n  a = [for x in var.y : "${x}-z" if x != ""]\n  b = <<EOT\n%{ if true }y%{ endif }\n'
                      'EOT\n}\n', encoding="utf-8")
    parsed = parse_file(source)
    assert isinstance(parsed, FileAst)
    assert pickle.loads(pickle.dumps(parsed)) == parsed


def test_json_failures_name_the_json_error_or_the_terraform_structure(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tf.json"
    broken.write_text('{\n  "resource": {\n    "a": [}\n}\n', encoding="utf-8")
    failure = parse_file(broken)
    assert isinstance(failure, ParseFailure) and failure.reason.startswith("invalid JSON") and failure.line == 3
    structure = tmp_path / "structure.tf.json"
    structure.write_text('["not", "an", "object"]', encoding="utf-8")
    failure = parse_file(structure)
    assert isinstance(failure, ParseFailure) and "must hold an object" in failure.reason


def test_block_end_lines_come_from_the_closing_brace() -> None:
    body = parse_body('resource "a" "b" {\n  x = 1\n  inner {\n    y = [\n      2,\n    ]\n  }\n  # trailing\n}\n'
                      'empty "e" {}\nalso "f" {\n}\nlast "g" {\n  nested {\n    deeper {}\n  }\n\n}\n')
    assert [(b.type, b.line, b.end_line) for b in body.blocks] == [
        ("resource", 1, 9), ("empty", 10, 10), ("also", 11, 12), ("last", 13, 18)]
    resource = body.blocks[0]
    assert (resource.body.blocks[0].line, resource.body.blocks[0].end_line) == (3, 7)


def test_argument_expansion_belongs_to_the_call_it_follows() -> None:
    outer = expr("outer(f(x)...)")
    assert isinstance(outer, Call) and outer.expand
    inner = outer.args[0]
    assert isinstance(inner, Call) and not inner.expand
    assert all(isinstance(e, Call) and e.expand for e in (expr("f([1, 2]...)"), expr("f(a[*]...)"), expr("f((a)...)")))
    assert not any(isinstance(e, Call) and e.expand for e in (expr('f("a)...")'), expr("f(<<EOT\nx)...\nEOT\n)")))


def _positioned_blocks(tree: object, out: list[tuple[int, int]]) -> list[tuple[int, int]]:
    from lark import Tree

    assert isinstance(tree, Tree)
    for child in tree.children:
        if isinstance(child, Tree):
            if child.data == "block":
                out.append((child.meta.line, child.meta.end_line))
            _positioned_blocks(child, out)
    return out


def _our_blocks(body: object, out: list[tuple[int, int]]) -> list[tuple[int, int]]:
    for block in body.blocks:  # type: ignore[attr-defined]
        out.append((block.line, block.end_line))
        _our_blocks(block.body, out)
    return out


def test_block_lines_equal_the_grammars_own_positions_on_every_fixture() -> None:
    from hcl2.parser import Hcl2

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    compared = 0
    for path in sorted(fixtures.rglob("*.tf")):
        text = path.read_text(encoding="utf-8")
        expected = sorted(_positioned_blocks(Hcl2.lark_parser.parse(text + "\n"), []))
        assert sorted(_our_blocks(parse_body(text), [])) == expected, path
        compared += len(expected)
    assert compared > 300
