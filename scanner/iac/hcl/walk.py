"""The references an expression makes (HCL's ``Variables()``), for ``try``/``can`` and for
finding which names a block depends on."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.iac.hcl.ast import (
    Binary,
    Call,
    Cond,
    Expr,
    ForExpr,
    Idx,
    Lit,
    ObjectCons,
    Relative,
    Splat,
    Template,
    TemplateFor,
    TemplateIf,
    TemplatePart,
    Traversal,
    TupleCons,
    Unary,
)


def traversals(expr: Expr, bound: frozenset[str] = frozenset()) -> Iterator[Traversal]:
    """Every reference in ``expr`` to a name not bound by an enclosing ``for``, cut at the first
    index whose key is not a literal (that key's own references are listed separately)."""
    if isinstance(expr, Traversal):
        if expr.root in bound:
            return
        yield _static_prefix(expr)
        for step in expr.steps:
            if isinstance(step, Idx):
                yield from traversals(step.key, bound)
    elif isinstance(expr, Relative | Splat):
        yield from traversals(expr.source, bound)
        for step in expr.steps:
            if isinstance(step, Idx):
                yield from traversals(step.key, bound)
    elif isinstance(expr, ForExpr):
        yield from traversals(expr.collection, bound)
        inner = bound | {expr.value_var} | ({expr.key_var} if expr.key_var else set())
        for part in (expr.key, expr.value, expr.cond):
            if part is not None:
                yield from traversals(part, inner)
    elif isinstance(expr, Template):
        yield from _parts(expr.parts, bound)
    else:
        for child in _children(expr):
            yield from traversals(child, bound)


def _children(expr: Expr) -> tuple[Expr, ...]:
    if isinstance(expr, Call):
        return expr.args
    if isinstance(expr, Binary):
        return (expr.left, expr.right)
    if isinstance(expr, Unary):
        return (expr.operand,)
    if isinstance(expr, Cond):
        return (expr.cond, expr.then, expr.other)
    if isinstance(expr, TupleCons):
        return expr.items
    if isinstance(expr, ObjectCons):
        return tuple(e for pair in expr.items for e in pair)
    return ()


def _parts(parts: tuple[TemplatePart, ...], bound: frozenset[str]) -> Iterator[Traversal]:
    for part in parts:
        if isinstance(part, str):
            continue
        if isinstance(part, TemplateIf):
            yield from traversals(part.cond, bound)
            yield from _parts(part.then, bound)
            yield from _parts(part.other, bound)
        elif isinstance(part, TemplateFor):
            yield from traversals(part.collection, bound)
            inner = bound | {part.value_var} | ({part.key_var} if part.key_var else set())
            yield from _parts(part.body, inner)
        else:
            yield from traversals(part, bound)


def _static_prefix(expr: Traversal) -> Traversal:
    for i, step in enumerate(expr.steps):
        if isinstance(step, Idx) and not isinstance(step.key, Lit):
            return Traversal(expr.root, expr.steps[:i], expr.text, expr.line)
    return expr
