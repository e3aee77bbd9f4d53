"""``for`` expressions: ``[for k, v in coll : value if cond]`` and
``{for k, v in coll : key => value... if cond}``.

Terraform iterates a list by index, a map or object by key in lexical order, a set by value (a
set is a list here, so its key is its index). The object form needs string keys (numbers and
bools convert) and unique ones unless ``...`` groups values into lists. Over unknowns:

* an unknown collection gives one unknown element standing for zero or more (list form), or an
  object whose keys are all unknown (object form);
* an element that stands for zero or more unknown elements, or whose ``if`` condition is
  unknown, gives the same: zero or more unknown results (list form), unknown extra keys
  (object form); an unknown key does too;
* known elements give known results, so ``[for c in concat(var.cidrs, ["10.0.0.0/8"]) : c]``
  keeps ``"10.0.0.0/8"``.
"""

from __future__ import annotations

from typing import Any

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl.access import items
from scanner.iac.hcl.ast import ForExpr
from scanner.iac.hcl.env import Env, Lazy
from scanner.iac.hcl.evaluator import evaluate, evaluate_lazy, object_key
from scanner.iac.hcl.ops import EvalError, lift, to_bool


def for_expression(expr: ForExpr, env: Env) -> Any:
    collection = evaluate_lazy(expr.collection, env)
    if isinstance(collection, Lazy):
        collection = collection.force(env)
    if isinstance(collection, Unknown):
        if collection.candidates:
            return lift(lambda c: _iterate(expr, c, env), [collection])
        return _unknown_result(expr, collection)
    return _iterate(expr, collection, env)


def _unknown_result(expr: ForExpr, cause: Unknown) -> Any:
    unknown = Unknown(f"for expression over an unknown collection: {cause.reason}", cause.origin, cause.error,
                      spread=expr.key is None)
    if expr.key is None:
        return [unknown]
    return PartialDict({}, unknown)


class _Result:
    def __init__(self, expr: ForExpr) -> None:
        self.expr = expr
        self.elements: list[Any] = []
        self.known: dict[str, Any] = {}
        self.rest: Unknown | None = None

    def uncertain(self, cause: Unknown) -> None:
        if self.expr.key is None:
            last = self.elements[-1] if self.elements else None
            if not (isinstance(last, Unknown) and last.spread):  # two "zero or more" in a row are one
                self.elements.append(Unknown(cause.reason, cause.origin, cause.error, spread=True))
        elif self.rest is None:
            self.rest = Unknown(cause.reason, cause.origin, cause.error)

    def add(self, key: Any, value: Any) -> None:
        if self.expr.key is None:
            self.elements.append(value)
            return
        if isinstance(key, Unknown):
            self.uncertain(key)
            return
        name = object_key(key)
        if self.expr.group:
            self.known.setdefault(name, []).append(value)
        elif name in self.known:
            raise EvalError(f"duplicate object key {name!r} in a for expression (use ... to group)")
        else:
            self.known[name] = value

    def value(self) -> Any:
        if self.expr.key is None:
            return self.elements
        ordered = {k: self.known[k] for k in sorted(self.known)}
        return PartialDict(ordered, self.rest) if self.rest is not None else ordered


def _iterate(expr: ForExpr, collection: Any, env: Env) -> Any:
    result = _Result(expr)
    after_spread: Unknown | None = None
    for key, value in items(collection):
        if isinstance(value, Unknown) and value.spread:
            result.uncertain(value)
            after_spread = value if after_spread is None else after_spread
            continue
        if after_spread is not None and isinstance(collection, list):
            key = Unknown(f"index after elements nobody could see: {after_spread.reason}", after_spread.origin)
        symbols = {expr.value_var: value}
        if expr.key_var:
            symbols[expr.key_var] = key
        child = env.child(**symbols)
        if expr.cond is not None:
            keep = evaluate(expr.cond, child)
            if isinstance(keep, Unknown):
                result.uncertain(keep)
                continue
            if keep is None:
                raise EvalError("the condition of a for expression is null")
            if not to_bool(keep):
                continue
        out_key = evaluate(expr.key, child) if expr.key is not None else None
        result.add(out_key, evaluate(expr.value, child))
    return result.value()
