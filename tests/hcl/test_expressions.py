"""Expressions with Terraform's semantics: operators, numbers, collections, templates, for, splat,
conditionals, try/can. Expected values were checked with ``terraform console`` (1.11)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.facts.values import PartialDict, Unknown
from tests.hcl.support import is_unknown, value_of

KNOWN_CASES: list[tuple[str, Any]] = [
    # numbers: one number type; integral results are integers
    ("10 / 2", 5), ("10 / 4", 2.5), ("0.1 + 0.2", 0.3), ("0.1 * 3", 0.3), ("-7 % 3", -1), ("7 % -3", 1),
    ("-7 / 2", -3.5), ("12345678901234567890 + 1", 12345678901234567891),
    # arithmetic converts numeric strings; equality never converts
    ('"1" + 1', 2), ('"1" == 1', False), ("1 == 1.0", True), ("null == null", True), ('1 < "2"', True),
    # logic converts "true"/"false"
    ('true && "true"', True), ("!false", True),
    # templates: numbers without exponent, bools as words; a lone interpolation keeps its type
    ('"${1 + 1}x"', "2x"), ('"${true}"', True), ('"${2.5}"', 2.5), ('"v${0.1 + 0.2}"', "v0.3"),
    ('"%{ if 1 > 0 }yes%{ else }no%{ endif }"', "yes"),
    # in a heredoc ~ strips one literal token: the rest of its own line, not the next line's indentation
    ("<<EOT\n%{ for x in [1, 2] ~}\n  ${x}\n%{ endfor ~}\nend\nEOT", "  1\n  2\nend\n"),
    ('<<EOT\nfoo  \n  ${~ "x"}\nEOT', "foo  \nx\n"), ('"a \\n ${~ "x" ~} \\n b"', "axb"),
    # <<- trims only tokens that start a line: after a ~} that ate the newline, indentation stays
    ('<<-EOT\n    n=${"b"}\n    %{ for i, w in ["b", "a"] ~}\n    ${i}:${w}\n    %{ endfor ~}\n    done\n  EOT',
     "n=b\n    0:b\n    1:a\n    done\n"),
    # conditional results unify to a common type (string wins over number)
    ('true ? 5 : "five"', "5"), ("false ? null : {a = 1}", {"a": 1}), ('true ? {a = 1} : {a = "x"}', {"a": "1"}),
    # collections
    ('{a = 1}["a"]', 1), ("[1, 2][1]", 2), ('["a", "b"]["1"]', "b"), ('{"1" = 2, true = 3}', {"1": 2, "true": 3}),
    # for: map keys iterate in lexical order, grouping with ..., the if filter
    ("{for k, v in {b = 1, a = 2} : k => v}", {"a": 2, "b": 1}), ("[for x in {b = 2, a = 1} : x]", [1, 2]),
    ("{for i in [1, 2, 1] : i => i...}", {"1": [1, 1], "2": [2]}),
    ('[for i, v in ["x", "y"] : "${i}${v}" if v != "x"]', ["1y"]),
    ('{for k, v in ["a", "b"] : v => k}', {"a": 0, "b": 1}),
    # newlines inside for expressions (the grammar keeps them as tokens there)
    ("[for x in [1, 2, 3] :\n  x * 2\n  if x > 1\n]", [4, 6]), ("{ for k, v in { a = 1, b = 2 } :\n  v => k...\n}",
                                                              {"1": ["a"], "2": ["b"]}),
    ("(\n  true ?\n  1 :\n  2\n)", 1), ("[\n  1, # one\n  2, // two\n  /* three */ 3,\n]", [1, 2, 3]),
    # splats: over a list, over null, over a single object, legacy attribute-only
    ("[{a = 1}, {a = 2}][*].a", [1, 2]), ("null[*].a", []), ("{a = 1}[*].a", [1]),
    ("[{a = [1]}, {a = [2]}].*.a[0]", [1]), ("[{a = [1]}, {a = [2]}][*].a[0]", [1, 2]),
    # try/can: the first argument without an error; can tells whether it has one
    ('try({a = 1}.b, "d")', "d"), ('try({a = 1}.a, "d")', 1), ("can({a = 1}.b)", False), ("can([1][0])", True),
    # path and workspace
    ("path.module", "."), ("path.root", "."), ("terraform.workspace", "default"),
]


@pytest.mark.parametrize(("expr", "expected"), KNOWN_CASES)
def test_known_values_match_terraform(tmp_path: Path, expr: str, expected: Any) -> None:
    value = value_of(tmp_path, expr)
    assert value == expected
    assert type(value) is type(expected)


ERROR_CASES = [
    ('{a = 1}.b', "does not have an attribute"),  # a missing attribute is an error Terraform raises
    ("[1, 2][5]", "out of range"),
    ("[1, 2][-1]", "negative"),
    ("null[0]", "null"),
    ('"a${null}"', "null"),  # null cannot be interpolated
    ('"a${[1]}"', "string"),
    ("true ? 1 : false", "inconsistent conditional result types"),
    ("{for i in [1, 1] : i => i}", "duplicate object key"),
    ("5 / 0", "division by zero"),
    ('"x" + 1', "number is required"),
    ('try({}.a, [][0])', "no argument of try"),
]


@pytest.mark.parametrize(("expr", "message"), ERROR_CASES)
def test_terraform_errors_become_unknown_with_the_reason(tmp_path: Path, expr: str, message: str) -> None:
    value = value_of(tmp_path, expr)
    assert is_unknown(value, containing="Terraform would reject this"), value
    assert message in value.reason
    assert value.origin == "main.tf:3"


def test_non_terminating_division_is_unknown_not_a_float_approximation(tmp_path: Path) -> None:
    # Terraform computes 1/3 with 512-bit floats (0.333...335, 155 digits); float64 would differ in text
    assert is_unknown(value_of(tmp_path, "1 / 3"), containing="exact")


def test_equal_collections_are_unknown_because_types_are_not_tracked(tmp_path: Path) -> None:
    # var.list == [] is false in Terraform for a typed list; different values are certainly unequal
    assert is_unknown(value_of(tmp_path, "[1] == [1]"), containing="types")
    assert value_of(tmp_path, "[1] == [2]") is False


PRE = """
variable "b" { type = bool }
variable "s" { type = string }
variable "cidrs" { type = list(string) }
variable "tags" { type = map(string) }
"""


def test_conditional_with_unknown_condition_and_equal_branches_is_known(tmp_path: Path) -> None:
    assert value_of(tmp_path, 'var.b ? ["0.0.0.0/0"] : ["0.0.0.0/0"]', PRE) == ["0.0.0.0/0"]


def test_conditional_with_unknown_condition_has_both_branches_as_candidates(tmp_path: Path) -> None:
    value = value_of(tmp_path, 'var.b ? ["0.0.0.0/0"] : ["10.0.0.0/8"]', PRE)
    assert isinstance(value, Unknown) and value.candidates == (["0.0.0.0/0"], ["10.0.0.0/8"])
    assert 'variable "b"' in value.reason


def test_operators_and_functions_lift_over_candidates(tmp_path: Path) -> None:
    added = value_of(tmp_path, "(var.b ? 1 : 2) + 1", PRE)
    assert isinstance(added, Unknown) and added.candidates == (2, 3)
    upper = value_of(tmp_path, 'upper(var.b ? "a" : "b")', PRE)
    assert isinstance(upper, Unknown) and upper.candidates == ("A", "B")
    agreed = value_of(tmp_path, '(var.b ? "0.0.0.0/0" : "0.0.0.0/0") == "0.0.0.0/0"', PRE)
    assert agreed is True
    both = value_of(tmp_path, 'contains(var.b ? ["0.0.0.0/0"] : ["0.0.0.0/0", "10.0.0.0/8"], "0.0.0.0/0")', PRE)
    assert both is True  # every candidate agrees


def test_logical_operators_decide_over_unknowns_where_terraform_does(tmp_path: Path) -> None:
    assert value_of(tmp_path, "false && var.b", PRE) is False
    assert value_of(tmp_path, "var.b && false", PRE) is False
    assert value_of(tmp_path, "true || var.b", PRE) is True
    assert is_unknown(value_of(tmp_path, "true && var.b", PRE))


def test_unknowns_propagate_through_operators_and_templates(tmp_path: Path) -> None:
    for expr in ("var.s == \"x\"", "length(var.s) + 1", '"${var.s}-x"', "!var.b", "-length(var.cidrs)"):
        value = value_of(tmp_path, expr, PRE)
        assert isinstance(value, Unknown) and not value.candidates, expr


def test_lists_built_from_unknown_lists_keep_known_elements(tmp_path: Path) -> None:
    concat = value_of(tmp_path, 'concat(var.cidrs, ["10.0.0.0/8"])', PRE)
    assert isinstance(concat[0], Unknown) and concat[0].spread and concat[1:] == ["10.0.0.0/8"]
    listed = value_of(tmp_path, "[for c in var.cidrs : c]", PRE)
    assert len(listed) == 1 and isinstance(listed[0], Unknown) and listed[0].spread
    splat = value_of(tmp_path, "var.cidrs[*]", PRE)
    assert len(splat) == 1 and splat[0].spread
    first = value_of(tmp_path, '[var.cidrs[0], "10.0.0.0/8"]', PRE)
    assert isinstance(first[0], Unknown) and not first[0].spread and "var.cidrs[0]" in first[0].reason
    assert first[1] == "10.0.0.0/8"
    kept = value_of(tmp_path, '[for c in concat(var.cidrs, ["10.0.0.0/8"]) : upper(c)]', PRE)
    assert kept[0].spread and kept[1] == "10.0.0.0/8".upper()


def test_an_element_after_unseen_elements_cannot_be_indexed(tmp_path: Path) -> None:
    value = value_of(tmp_path, 'concat(var.cidrs, ["10.0.0.0/8"])[0]', PRE)
    assert isinstance(value, Unknown) and not value.spread


def test_objects_with_unknown_parts(tmp_path: Path) -> None:
    merged = value_of(tmp_path, 'merge(var.tags, {team = "pacs"})', PRE)
    assert isinstance(merged, PartialDict) and merged == {"team": "pacs"}
    keyed = value_of(tmp_path, "{(var.s) = 1, b = 2}", PRE)
    assert isinstance(keyed, PartialDict) and keyed == {"b": 2}
    looked_up = value_of(tmp_path, 'merge(var.tags, {team = "pacs"}).owner', PRE)
    assert isinstance(looked_up, Unknown)  # may be among the unknown keys: never an error
    object_for = value_of(tmp_path, "{for k, v in var.tags : k => v}", PRE)
    assert isinstance(object_for, PartialDict) and object_for == {}


def test_try_and_can_are_unknown_when_they_refer_to_unknown_values(tmp_path: Path) -> None:
    assert is_unknown(value_of(tmp_path, 'try(var.s, "d")', PRE), containing="try(): var.s")
    assert is_unknown(value_of(tmp_path, "can(var.cidrs[0])", PRE))
    assert value_of(tmp_path, 'try(upper("a"), var.s)', PRE) == "A"


def test_jsonencode_keeps_partial_value_and_jsondecode_returns_it(tmp_path: Path) -> None:
    encoded = value_of(tmp_path, "jsonencode({a = var.s, b = 1})", PRE)
    assert isinstance(encoded, Unknown) and encoded.partial["b"] == 1 and isinstance(encoded.partial["a"], Unknown)
    decoded = value_of(tmp_path, "jsondecode(jsonencode({a = var.s, b = 1}))", PRE)
    assert decoded["b"] == 1 and isinstance(decoded["a"], Unknown)


def test_function_argument_expansion(tmp_path: Path) -> None:
    assert value_of(tmp_path, 'max([1, 5, 3]...)') == 5
    assert is_unknown(value_of(tmp_path, "max(concat(var.cidrs)...)", PRE))


def test_unsupported_provider_functions_are_unknown(tmp_path: Path) -> None:
    assert is_unknown(value_of(tmp_path, 'provider::aws::arn_parse("arn:aws:s3:::b")'), containing="provider-defined")


def test_templatefile_renders_with_its_variables(tmp_path: Path) -> None:
    (tmp_path / "policy.tpl").write_text('{"Resource": "${arn}/*"%{ for p in ports }, "${p}"%{ endfor }}\n',
                                         encoding="utf-8")
    value = value_of(tmp_path, 'templatefile("${path.module}/policy.tpl", {arn = "arn:x", ports = [1, 2]})')
    assert value == '{"Resource": "arn:x/*", "1", "2"}\n'
    unknown = value_of(tmp_path, 'templatefile("policy.tpl", {arn = var.s, ports = []})', PRE)
    assert isinstance(unknown, Unknown)
    missing = value_of(tmp_path, 'templatefile("nope.tpl", {})')
    assert is_unknown(missing, containing="cannot read")


def test_a_conditional_keeps_its_known_result_when_the_unknown_branch_has_a_known_type(tmp_path: Path) -> None:
    # the result type unifies with the other branch's type: 1 stays 1 only if that branch is a number
    pre = PRE + 'variable "n" { type = number }\nlocals { size = var.b ? length(var.cidrs) : var.n }\n'
    assert value_of(tmp_path, "true ? 1 : length(var.cidrs)", pre) == 1
    assert value_of(tmp_path, "true ? 1 : var.n", pre) == 1
    assert value_of(tmp_path, "true ? 1 : local.size", pre) == 1
    assert value_of(tmp_path, 'true ? 1 : "${var.s}"', pre) == "1"
    assert value_of(tmp_path, "true ? 1 : var.s", pre) == "1"  # a typed variable without value keeps its type
    untyped = value_of(tmp_path, "true ? 1 : aws_kms_key.k.key_usage", pre + 'resource "aws_kms_key" "k" {}\n')
    assert isinstance(untyped, Unknown) and untyped.candidates == (1, "1")


def test_count_is_known_when_every_candidate_gives_the_same_number(tmp_path: Path) -> None:
    from tests.hcl.support import load

    config = load(tmp_path, {"main.tf": 'resource "aws_kms_key" "k" {}\nresource "test_thing" "t" {\n'
                                        '  count = true ? 2 : aws_kms_key.k.key_usage\n}\n'})
    assert [i.address for i in config.instances if i.type == "test_thing"] == ["test_thing.t[0]", "test_thing.t[1]"]


def test_a_failure_inside_the_function_library_makes_only_that_value_unknown(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.iac.hcl import functions

    def broken(name: str, args: Any, *, base_dir: Path) -> Any:
        raise TypeError("boom")

    monkeypatch.setenv("PACSCAN_HCL_STRICT", "0")
    monkeypatch.setattr(functions, "call", broken)
    value = value_of(tmp_path, '[upper("a"), "kept"]')
    assert is_unknown(value[0], containing="pacscan could not evaluate") and value[1] == "kept"
    monkeypatch.setenv("PACSCAN_HCL_STRICT", "1")
    with pytest.raises(TypeError):
        value_of(tmp_path, 'upper("a")')
