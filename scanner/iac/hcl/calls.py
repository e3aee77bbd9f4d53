"""Function calls: ``try``, ``can`` and ``templatefile`` here (they need the evaluator), the rest
through the built-in function library (:mod:`scanner.iac.hcl.functions`), lifted over unknown
candidates.

* ``try(a, b, ...)``: as Terraform decides it, if any reference an argument makes is not
  wholly known the result is unknown; otherwise the first argument that evaluates without an
  error is the result;
* ``can(x)``: unknown when ``x`` refers to anything not wholly known, else whether it evaluates
  without an error;
* ``templatefile(path, vars)``: the file (relative paths from the root module folder, as
  Terraform resolves them from its working directory) rendered as a template that sees only
  ``vars``;
* ``jsonencode`` of a value with unknown parts is ``Unknown(partial=value)``; ``jsondecode`` of
  such an unknown is the partial value back;
* ``f(args...)`` expands the last argument (a list) into arguments.
"""

from __future__ import annotations

import itertools
import math
import os
from typing import Any

from scanner.facts.values import Unknown, first_unknown, is_known
from scanner.iac.hcl.ast import Call
from scanner.iac.hcl.env import Deps, Env
from scanner.iac.hcl.evaluator import evaluate, evaluate_lazy
from scanner.iac.hcl.ops import CANDIDATE_CAP, EvalError, collapse, derived, internal_error
from scanner.iac.hcl.walk import traversals


def call(expr: Call, env: Env) -> Any:
    origin = env.origin(expr.line)
    if expr.name == "try":
        return _try(expr, env, origin)
    if expr.name == "can":
        return _can(expr, env, origin)
    if "::" in expr.name:
        return Unknown(f"provider-defined function {expr.name} not supported", origin)
    args = [evaluate(a, env) for a in expr.args]
    if expr.expand:
        if not args:
            raise EvalError(f"{expr.name}(...) expands nothing")
        last = args.pop()
        if isinstance(last, Unknown) or not is_known_length(last):
            return Unknown(f"{expr.name}(...): the expanded argument list is unknown", origin)
        if not isinstance(last, list):
            raise EvalError(f"{expr.name}(...): only a list can be expanded into arguments")
        args += last
    if expr.name == "templatefile":
        return _templatefile(args, env, origin)
    if expr.name == "jsonencode" and len(args) == 1 and not isinstance(args[0], Unknown) and not is_known(args[0]):
        cause = first_unknown(args[0])
        assert cause is not None
        return Unknown(f"jsonencode of a value with unknown parts: {cause.reason}", cause.origin, cause.error,
                       partial=args[0])
    if expr.name == "jsondecode" and len(args) == 1 and isinstance(args[0], Unknown) and args[0].partial is not None:
        return args[0].partial
    return library(expr.name, args, env, origin)


def is_known_length(value: Any) -> bool:
    return not (isinstance(value, list) and any(isinstance(v, Unknown) and v.spread for v in value))


def library(name: str, args: list[Any], env: Env, origin: str) -> Any:
    try:
        from scanner.iac.hcl import functions
    except ImportError:
        return Unknown(f"function {name} not supported (no function library)", origin)
    lifted = [i for i, a in enumerate(args) if isinstance(a, Unknown) and a.candidates]
    if not lifted:
        return _invoke(functions, name, args, env, origin)
    options = [a.candidates if i in lifted else (a,) for i, a in enumerate(args)]
    first = args[lifted[0]]
    assert isinstance(first, Unknown)
    if math.prod(len(o) for o in options) > CANDIDATE_CAP:
        return derived(first)
    results = []
    for combo in itertools.product(*options):
        try:
            results.append(_invoke(functions, name, list(combo), env, origin))
        except EvalError:
            return derived(first)
    return collapse(results, first)


def _invoke(functions: Any, name: str, args: list[Any], env: Env, origin: str) -> Any:
    from pathlib import Path

    try:
        return functions.call(name, args, base_dir=Path(env.scope.base_dir))
    except KeyError:
        return Unknown(f"function {name} not supported", origin)
    except functions.FunctionError as err:
        raise EvalError(f"{name}(): {err}") from None
    except (EvalError, RecursionError):
        raise
    except Exception as err:  # a failure of the function library: this call's value is unknown
        return internal_error(f"{name}()", err, origin)


def _unknown_reference(expr: Call, env: Env, index: int) -> Unknown | None:
    """HCL's ``try``/``can`` rule: an argument referring to anything not wholly known cannot be
    decided yet."""
    scratch = env.with_deps(Deps())
    for ref in traversals(expr.args[index]):
        try:
            value = evaluate(ref, scratch)
        except EvalError:
            continue
        unknown = first_unknown(value)
        if unknown is not None:
            return Unknown(f"{expr.name}(): {ref.text} is not known yet: {unknown.reason}", unknown.origin,
                           unknown.error)
    return None


def _try(expr: Call, env: Env, origin: str) -> Any:
    if not expr.args:
        raise EvalError("try() needs at least one argument")
    for index, arg in enumerate(expr.args):
        unknown = _unknown_reference(expr, env, index)
        if unknown is not None:
            return unknown
        deps = Deps()
        try:
            value = evaluate(arg, env.with_deps(deps))
        except EvalError:
            continue
        env.deps.merge(deps)
        return value
    raise EvalError("no argument of try() evaluated without an error")


def _can(expr: Call, env: Env, origin: str) -> Any:
    if len(expr.args) != 1:
        raise EvalError("can() takes exactly one argument")
    unknown = _unknown_reference(expr, env, 0)
    if unknown is not None:
        return unknown
    try:
        evaluate_lazy(expr.args[0], env.with_deps(Deps()))
    except EvalError:
        return False
    return True


def _templatefile(args: list[Any], env: Env, origin: str) -> Any:
    from scanner.iac.hcl.tplfile import render_file

    if len(args) != 2:
        raise EvalError("templatefile() takes a path and an object of variables")
    path, variables = args
    if isinstance(path, Unknown):
        return derived(path, f"templatefile(): the path is unknown: {path.reason}")
    if not isinstance(path, str):
        raise EvalError("templatefile(): the path must be a string")
    if isinstance(variables, Unknown) or not isinstance(variables, dict):
        if isinstance(variables, Unknown):
            return derived(variables, f"templatefile(): the variables are unknown: {variables.reason}")
        raise EvalError("templatefile(): the variables must be an object")
    full = path if os.path.isabs(path) else os.path.join(env.scope.base_dir, path)
    return render_file(full, variables, env)
