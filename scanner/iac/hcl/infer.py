"""The type an expression has whatever its value, when that follows from its form.

A conditional's result takes the type both branches unify to, so an unknown branch matters by
its type only. Many unknowns still have a known type: arithmetic is a number, a comparison a
bool, a template a string, ``length()`` a number, a typed variable its type, a local the type of
its expression. This reads that off the syntax tree (``None`` when it does not follow), the way
Terraform knows the type of an unknown value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.iac.hcl.ast import Binary, Call, Cond, Expr, Lit, Template, Traversal, Unary
from scanner.iac.hcl.ops import EvalError
from scanner.iac.hcl.types import ANY, BOOL, NUMBER, STRING, Type, type_of, unify

if TYPE_CHECKING:
    from scanner.iac.hcl.env import Env
    from scanner.iac.hcl.scope import ModuleInstance

_NUMBER_FUNCTIONS = frozenset({"length", "max", "min", "sum", "abs", "ceil", "floor", "log", "pow", "signum",
                               "parseint", "tonumber", "index"})
_STRING_FUNCTIONS = frozenset({"tostring", "join", "format", "upper", "lower", "title", "trimspace", "trim",
                               "trimprefix", "trimsuffix", "replace", "substr", "chomp", "indent", "jsonencode",
                               "yamlencode", "base64encode", "base64decode", "md5", "sha1", "sha256", "sha512",
                               "uuid", "timestamp", "cidrsubnet", "cidrhost", "cidrnetmask", "file", "templatefile",
                               "urlencode", "abspath", "basename", "dirname", "pathexpand", "strrev", "formatdate",
                               "textencodebase64", "base64sha256", "filebase64", "filemd5"})
_BOOL_FUNCTIONS = frozenset({"tobool", "contains", "can", "startswith", "endswith", "anytrue", "alltrue",
                             "fileexists", "issensitive"})
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%"})


def static_type(expr: Expr, env: Env, seen: frozenset[str] = frozenset()) -> Type | None:
    """The type of ``expr`` in ``env`` as far as its form decides it."""
    if isinstance(expr, Lit):
        return type_of(expr.value) if expr.value is not None else None
    if isinstance(expr, Template):
        return STRING
    if isinstance(expr, Binary):
        return NUMBER if expr.op in _ARITHMETIC else BOOL
    if isinstance(expr, Unary):
        return BOOL if expr.op == "!" else NUMBER
    if isinstance(expr, Call):
        return _call_type(expr.name)
    if isinstance(expr, Cond):
        return _unified(static_type(expr.then, env, seen), static_type(expr.other, env, seen))
    if isinstance(expr, Traversal):
        return _reference_type(expr, env, seen)
    return None


def _call_type(name: str) -> Type | None:
    if name in _NUMBER_FUNCTIONS:
        return NUMBER
    if name in _STRING_FUNCTIONS:
        return STRING
    if name in _BOOL_FUNCTIONS:
        return BOOL
    return None


def _unified(a: Type | None, b: Type | None) -> Type | None:
    if a is None or b is None:
        return None
    try:
        return unify([a, b])
    except EvalError:
        return None


def _reference_type(expr: Traversal, env: Env, seen: frozenset[str]) -> Type | None:
    if expr.root == "count" and expr.text == "count.index":
        return NUMBER
    if expr.root == "each" and expr.text == "each.key":
        return STRING
    if len(expr.steps) != 1 or expr.text in seen:
        return None
    from scanner.iac.hcl.scope import ModuleInstance

    module = env.scope
    if not isinstance(module, ModuleInstance):
        return None
    name = expr.text.split(".", 1)[1]
    if expr.root == "local" and name in module.definition.locals:
        return static_type(module.definition.locals[name].expr, env, seen | {expr.text})
    if expr.root == "var" and name in module.definition.variables:
        return _declared(module, name)
    return None


def _declared(module: ModuleInstance, name: str) -> Type | None:
    from scanner.facts.values import Unknown
    from scanner.iac.hcl.variables import declared_type

    declared = declared_type(module, module.definition.variables[name])
    return None if isinstance(declared, Unknown) or declared == ANY else declared
