"""Rendering string templates (interpolations and ``%{ if }``/``%{ for }`` directives).

An interpolated value must be a string, number or bool (numbers print without exponent, bools
as ``true``/``false``); null and collections are errors. A template with an unknown part is
unknown, but keeps what it is when that part is one symbolic value known only after apply:
``"${aws_s3_bucket.x.arn}/*"`` is ``Unknown(symbol="${aws_s3_bucket.x.arn}/*")``. Parts with
candidates are rendered per combination.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from scanner.facts.values import Unknown
from scanner.iac.hcl.access import items
from scanner.iac.hcl.ast import Template, TemplateFor, TemplateIf, TemplatePart
from scanner.iac.hcl.env import Env, Lazy
from scanner.iac.hcl.evaluator import evaluate, evaluate_lazy
from scanner.iac.hcl.ops import CANDIDATE_CAP, EvalError, collapse, derived, to_bool, to_str


def render(expr: Template, env: Env) -> Any:
    pieces: list[str | Unknown] = []
    _render_parts(expr.parts, env, pieces)
    return join(pieces)


def _render_parts(parts: tuple[TemplatePart, ...], env: Env, out: list[str | Unknown]) -> None:
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, TemplateIf):
            _render_if(part, env, out)
        elif isinstance(part, TemplateFor):
            _render_for(part, env, out)
        else:
            value = evaluate(part, env)
            out.append(value if isinstance(value, Unknown) else to_str(value))


def _render_if(part: TemplateIf, env: Env, out: list[str | Unknown]) -> None:
    cond = evaluate(part.cond, env)
    if isinstance(cond, Unknown):
        out.append(derived(cond, f"template condition is unknown: {cond.reason}"))
        return
    if cond is None:
        raise EvalError("the condition of a template if directive is null")
    _render_parts(part.then if to_bool(cond) else part.other, env, out)


def _render_for(part: TemplateFor, env: Env, out: list[str | Unknown]) -> None:
    collection = evaluate_lazy(part.collection, env)
    if isinstance(collection, Lazy):
        collection = collection.force(env)
    if isinstance(collection, Unknown):
        out.append(derived(collection, f"template for over an unknown collection: {collection.reason}"))
        return
    for key, value in items(collection):
        if isinstance(value, Unknown) and value.spread:
            out.append(derived(value))
            continue
        symbols = {part.value_var: value}
        if part.key_var:
            symbols[part.key_var] = key
        _render_parts(part.body, env.child(**symbols), out)


def join(pieces: list[str | Unknown]) -> Any:
    """Concatenated pieces; unknown if any piece is (symbolic or per candidate when possible)."""
    unknown = [p for p in pieces if isinstance(p, Unknown)]
    if not unknown:
        return "".join(p for p in pieces if isinstance(p, str))
    if all(u.candidates for u in unknown):
        options = [p.candidates if isinstance(p, Unknown) else (p,) for p in pieces]
        if math.prod(len(o) for o in options) <= CANDIDATE_CAP:
            try:
                return collapse(["".join(to_str(v) for v in combo) for combo in itertools.product(*options)],
                                unknown[0])
            except EvalError:
                return derived(unknown[0])
    if len(unknown) == 1 and unknown[0].symbol and not unknown[0].candidates:
        symbol = unknown[0].symbol
        inner = symbol if "${" in symbol else "${" + symbol + "}"
        text = "".join(inner if isinstance(p, Unknown) else p for p in pieces)
        return Unknown(unknown[0].reason, unknown[0].origin, unknown[0].error, symbol=text)
    return derived(unknown[0])
