"""Property: nesting an unknown through operators and functions never gives a known value that
depends on it. Whenever the evaluator claims a value (or a set of candidates) with ``var.u``
unknown, evaluating the same expression with ``var.u`` bound to any concrete value must give that
value (or one of the candidates), unless Terraform would reject the expression for that value."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scanner.facts.values import Unknown, is_known
from scanner.iac.hcl.ast import Traversal
from scanner.iac.hcl.env import Env
from scanner.iac.hcl.evaluator import evaluate
from scanner.iac.hcl.ops import EvalError, value_key
from scanner.iac.hcl.syntax import parse_expression

UNKNOWN = Unknown("var.u has no value")
CONCRETE = ['0', '1', '-1', '2.5', '"a"', '""', '"1"', "true", "false", "null", "[]", '["a"]', "[1, 2]", "{a = 1}",
            "{}"]


class _Scope:
    def __init__(self, value: Any) -> None:
        self.value = value

    @property
    def base_dir(self) -> str:
        return "."

    def display(self, path: str) -> str:
        return path

    def reference(self, expr: Traversal, env: Env) -> tuple[Any, int]:
        if expr.root == "var" and expr.steps:
            return self.value, 1
        raise EvalError(f"no {expr.text}")


def run(text: str, value: Any) -> Any:
    return evaluate(parse_expression(text, 1), Env(_Scope(value), "t.tf"))


LEAVES = st.sampled_from(["var.u", "var.u", "1", "0", '"a"', "true", "false", "null", '["x", 1]', "{a = 1}"])
UNARY = ["!{}", "-{}", "upper({})", "length({})", "tostring({})", "tolist({})", "jsonencode({})", "[{}]",
         "{{k = {}}}", "{}[0]", "{}.a", "[for x in {} : x]", "{}[*]", "try({}, 0)", "can({})", "keys({})",
         "coalesce({}, 1)", "tonumber({})", '"s${{{}}}"', "abs({})", "flatten({})", "toset({})"]
BINARY = ["{} + {}", "{} * {}", "{} == {}", "{} != {}", "{} < {}", "{} && {}", "{} || {}", "concat({}, {})",
          "coalesce({}, {})", "merge({}, {})", "contains({}, {})", "lookup({}, {}, 0)", "max({}, {})",
          "join({}, {})", "{}[{}]", "[{}, {}]", "format(\"%v-%v\", {}, {})"]


def _expressions(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: "(" + t[0].format(t[1]) + ")")
    binary = st.tuples(st.sampled_from(BINARY), children, children).map(lambda t: "(" + t[0].format(t[1], t[2]) + ")")
    cond = st.tuples(children, children, children).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})")
    return unary | binary | cond


EXPRESSIONS = st.recursive(LEAVES, _expressions, max_leaves=6)


def _outcome(text: str, value: Any) -> Any:
    try:
        return run(text, value)
    except (EvalError, RecursionError):
        return EvalError


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_known_results_do_not_depend_on_the_unknown(text: str) -> None:
    assume("var.u" in text)
    result = _outcome(text, UNKNOWN)
    if result is EvalError:
        return
    if isinstance(result, Unknown) and result.candidates:
        allowed = {value_key(c) for c in result.candidates}
    elif is_known(result):
        allowed = {value_key(result)}
    else:
        return
    for literal in CONCRETE:
        concrete = _outcome(text, run(literal, None))
        if concrete is EvalError or not is_known(concrete):
            continue
        assert value_key(concrete) in allowed, f"{text} with var.u = {literal}: {concrete!r} not in {result!r}"


def test_a_conditional_result_whose_type_depends_on_the_unknown_branch() -> None:
    """Found by the property: ``true ? 1 : var.u`` is 1, or "1" when var.u is a string."""
    result = run("true ? 1 : var.u", UNKNOWN)
    assert isinstance(result, Unknown) and result.candidates == (1, "1")
    assert run("true ? 1 : var.u", "a") == "1" and run("true ? 1 : var.u", 2) == 1
