"""Expression evaluation with Terraform's semantics over three-valued values.

``evaluate(expr, env)`` returns a plain value (``scanner.facts.values``), raising
:class:`~scanner.iac.hcl.ops.EvalError` for an error Terraform itself would raise (callers turn
it into an unknown; ``try`` and ``can`` catch it). Unknowns propagate through every operator
(see :mod:`scanner.iac.hcl.ops`); a conditional whose condition is unknown is its branches'
common value when they agree, else an unknown with both as ``candidates``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl.access import apply_steps, force, splat
from scanner.iac.hcl.ast import (
    Binary,
    Call,
    Cond,
    Expr,
    ForExpr,
    Invalid,
    Lit,
    ObjectCons,
    Relative,
    Splat,
    Template,
    Traversal,
    TupleCons,
    Unary,
)
from scanner.iac.hcl.convert import convert
from scanner.iac.hcl.env import Deps, Env
from scanner.iac.hcl.ops import (
    EvalError,
    arith,
    compare,
    derived,
    equal,
    lift,
    to_bool,
    to_number,
    to_str,
    value_key,
)
from scanner.iac.hcl.types import Type, UncertainType, type_of, unify


def evaluate(expr: Expr, env: Env) -> Any:
    """The value of ``expr`` (lazy resource/module objects made plain)."""
    kind = type(expr)
    if kind is Lit:
        return expr.value  # type: ignore[union-attr]
    if kind is Traversal or kind is Relative:
        return force(evaluate_lazy(expr, env), env)
    return _HANDLERS[kind](expr, env)


def evaluate_lazy(expr: Expr, env: Env) -> Any:
    """Like :func:`evaluate`, but a reference to a resource or module may stay a lazy object (so
    ``aws_s3_bucket.b[*].arn`` reads one attribute of each instance, not all of them)."""
    if isinstance(expr, Traversal):
        return _traversal(expr, env)
    if isinstance(expr, Relative):
        return apply_steps(evaluate_lazy(expr.source, env), expr.steps, env, evaluate)
    return evaluate(expr, env)


def _traversal(expr: Traversal, env: Env) -> Any:
    if expr.root in env.symbols:
        value, used = env.symbols[expr.root], 0
    else:
        value, used = env.scope.reference(expr, env)
    rest = expr.steps[used:]
    if not rest:
        return value
    result = apply_steps(value, rest, env, evaluate)
    if isinstance(value, Unknown) and isinstance(result, Unknown) and not result.candidates \
            and not result.reason.startswith(expr.text):
        return Unknown(f"{expr.text}: {result.reason}", result.origin or env.origin(expr.line), result.error)
    return result


def _splat(expr: Splat, env: Env) -> Any:
    return splat(evaluate_lazy(expr.source, env), expr.steps, expr.attr_only, env, evaluate)


def _invalid(expr: Invalid, env: Env) -> Any:
    return Unknown(expr.reason, env.origin(expr.line))


def _tuple(expr: TupleCons, env: Env) -> Any:
    return [evaluate(item, env) for item in expr.items]


def object_key(key: Any) -> str:
    if key is None:
        raise EvalError("an object key must not be null")
    if isinstance(key, list | dict):
        raise EvalError("an object key must be a string")
    return to_str(key)


def _object(expr: ObjectCons, env: Env) -> Any:
    known: dict[str, Any] = {}
    rest: Unknown | None = None
    for key_expr, value_expr in expr.items:
        key = key_expr.value if type(key_expr) is Lit and isinstance(key_expr.value, str) \
            else evaluate(key_expr, env)
        value = evaluate(value_expr, env)
        if isinstance(key, Unknown):
            if rest is None:
                rest = Unknown(f"an object key is unknown: {key.reason}", key.origin, key.error)
            continue
        known[object_key(key)] = value
    ordered = {k: known[k] for k in sorted(known)}
    return PartialDict(ordered, rest) if rest is not None else ordered


def _unary(expr: Unary, env: Env) -> Any:
    operand = evaluate(expr.operand, env)
    if expr.op == "!":
        return lift(lambda v: not to_bool(v), [operand])
    return lift(lambda v: arith("-", 0, to_number(v)), [operand])


def _binary(expr: Binary, env: Env) -> Any:
    left, right = evaluate(expr.left, env), evaluate(expr.right, env)
    op = expr.op
    if op in ("&&", "||"):
        return _logical(op, left, right)
    if op == "==":
        return lift(equal, [left, right])
    if op == "!=":
        return lift(lambda a, b: _negate(equal(a, b)), [left, right])
    if op in ("<", "<=", ">", ">="):
        return lift(lambda a, b: compare(op, a, b), [left, right])
    return lift(lambda a, b: arith(op, a, b), [left, right])


def _negate(result: Any) -> Any:
    return result if isinstance(result, Unknown) else not result


def _logical(op: str, left: Any, right: Any) -> Any:
    """Kleene logic: ``false && x`` is false and ``true || x`` true even when ``x`` is unknown;
    both operands are evaluated (HCL does not short-circuit errors)."""
    decisive = op == "||"
    sides = [s if isinstance(s, Unknown) else to_bool(s) for s in (left, right)]
    if any(s is decisive for s in sides):
        return decisive
    if not any(isinstance(s, Unknown) for s in sides):
        return not decisive
    return lift(lambda a, b: to_bool(a) or to_bool(b) if decisive else to_bool(a) and to_bool(b), sides)


def _conditional(expr: Cond, env: Env) -> Any:
    cond = evaluate(expr.cond, env)
    if isinstance(cond, Unknown) and cond.candidates and all(isinstance(c, bool) for c in cond.candidates) \
            and len(set(cond.candidates)) == 1:
        cond = cond.candidates[0]
    if isinstance(cond, Unknown):
        return _both_branches(expr, cond, env)
    if cond is None:
        raise EvalError("the condition value is null")
    chosen, other = (expr.then, expr.other) if to_bool(cond) else (expr.other, expr.then)
    value = evaluate(chosen, env)
    try:
        other_value = evaluate(other, env.with_deps(Deps()))
    except EvalError:
        # Terraform reports only the chosen branch's errors, but the result still takes the type
        # both branches unify to: ``false ? upper(null) : 1`` is "1"
        return _converted_to_form(value, other, env)
    try:
        return _unified((value, chosen), (other_value, other), env)[0]
    except UncertainType:
        return _type_depends_on_unknown(value, env.origin(expr.line))


def _converted_to_form(value: Any, other: Expr, env: Env) -> Any:
    """``value`` converted to the type it unifies to with the type ``other``'s form has (when the
    form decides one); unchanged otherwise."""
    from scanner.iac.hcl.infer import static_type

    other_type = static_type(other, env)
    if value is None or isinstance(value, Unknown) or other_type is None:
        return value
    try:
        return convert(value, unify([type_of(value), other_type]))
    except EvalError:
        return value


def _unified(a: tuple[Any, Expr], b: tuple[Any, Expr], env: Env) -> tuple[Any, Any]:
    """Both results converted to their common type (``true ? 5 : "x"`` is ``"5"``). The type of
    a wholly unknown result is read from its expression where its form decides it."""
    if a[0] is None or b[0] is None:
        return a[0], b[0]
    try:
        target = unify([_type(a, env), _type(b, env)])
    except UncertainType:
        raise
    except EvalError as err:
        raise EvalError(f"inconsistent conditional result types: {err}") from None
    return convert(a[0], target), convert(b[0], target)


def _type(result: tuple[Any, Expr], env: Env) -> Type:
    value, expr = result
    if isinstance(value, Unknown):
        from scanner.iac.hcl.infer import static_type

        inferred = static_type(expr, env)
        if inferred is not None:
            return inferred
    return type_of(value)


def _type_depends_on_unknown(value: Any, origin: str) -> Any:
    """``cond ? 443 : x`` with ``x`` unknown of unknown type: 443, or "443" if ``x`` is a string."""
    reason = "the result's type depends on the other branch, whose value (and type) is unknown"
    if isinstance(value, bool | int | float):
        return Unknown(reason, origin, candidates=(value, to_str(value)))
    return Unknown(reason, origin)


def _both_branches(expr: Cond, cond: Unknown, env: Env) -> Any:
    reason = f"condition is unknown: {cond.reason}"
    try:
        then, other = _unified((evaluate(expr.then, env), expr.then), (evaluate(expr.other, env), expr.other), env)
    except EvalError:  # UncertainType included
        return derived(cond, reason)
    if value_key(then) == value_key(other):
        return then
    if (isinstance(then, Unknown) and not then.candidates) or (isinstance(other, Unknown) and not other.candidates):
        return derived(cond, reason)
    candidates = [c for branch in (then, other)
                  for c in (branch.candidates if isinstance(branch, Unknown) else (branch,))]
    return Unknown(reason, cond.origin or env.origin(expr.line), cond.error, candidates=tuple(candidates))


def _call(expr: Call, env: Env) -> Any:
    from scanner.iac.hcl.calls import call

    return call(expr, env)


def _for(expr: ForExpr, env: Env) -> Any:
    from scanner.iac.hcl.forexpr import for_expression

    return for_expression(expr, env)


def _template(expr: Template, env: Env) -> Any:
    from scanner.iac.hcl.templates import render

    return render(expr, env)


_HANDLERS: dict[type, Callable[[Any, Env], Any]] = {
    Splat: _splat, Invalid: _invalid, TupleCons: _tuple, ObjectCons: _object, Unary: _unary, Binary: _binary,
    Cond: _conditional, Call: _call, ForExpr: _for, Template: _template,
}
