"""``templatefile``: a template file rendered with only the variables passed to it."""

from __future__ import annotations

import os
from typing import Any

from scanner.iac.hcl.ast import Traversal
from scanner.iac.hcl.env import Env
from scanner.iac.hcl.evaluator import evaluate
from scanner.iac.hcl.ops import EvalError
from scanner.iac.hcl.syntax import parse_expression
from scanner.iac.hcl.template import parse_template

_MAX_BYTES = 4 * 1024 * 1024


class _TemplateScope:
    """A template file sees its variables and functions, nothing of the module."""

    def __init__(self, path: str, base_dir: str, display: str) -> None:
        self.path = path
        self._base_dir = base_dir
        self.shown = display

    @property
    def base_dir(self) -> str:
        return self._base_dir

    def reference(self, expr: Traversal, env: Env) -> tuple[Any, int]:
        raise EvalError(f"templatefile {self.shown}: {expr.root!r} is not one of the template's variables")

    def display(self, path: str) -> str:
        return self.shown


def render_file(path: str, variables: dict[str, Any], env: Env) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(_MAX_BYTES + 1)
    except (OSError, UnicodeDecodeError) as err:
        raise EvalError(f"templatefile(): cannot read {path}: {err}") from None
    if len(text) > _MAX_BYTES:
        raise EvalError(f"templatefile(): {path} is larger than {_MAX_BYTES} bytes")
    display = os.path.relpath(path, env.scope.base_dir)
    expr = parse_template(text, 1, parse_expression, escapes=False)
    scope = _TemplateScope(path, env.scope.base_dir, display)
    return evaluate(expr, Env(scope, path, env.deps, dict(variables)))
