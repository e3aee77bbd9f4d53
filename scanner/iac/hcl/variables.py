"""Input variable values of a module instance.

A root module's variable takes, in increasing precedence, its ``default``, ``TF_VAR_name``,
``terraform.tfvars``, ``terraform.tfvars.json``, ``*.auto.tfvars``/``*.auto.tfvars.json``
(lexical order), then ``--var-file`` and ``--var`` (see :mod:`scanner.iac.hcl.tfvars`). A child
module's variable takes the module call's argument (evaluated in the caller, with the call's
``count.index``/``each``), else its default. With no value and no default it is unknown (a
root variable Terraform would prompt for; a module call Terraform rejects). A null value takes
the default when the variable is ``nullable = false``. The value is then converted to the
declared ``type`` (:mod:`scanner.iac.hcl.types`); one that cannot convert is unknown, with why.
``--var``/``TF_VAR_`` text is a literal string for variables without a type or with a primitive
type, and an HCL expression otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.facts.values import Unknown
from scanner.iac.hcl.ast import Expr, Traversal
from scanner.iac.hcl.bindings import CountBinding, EachBinding, Evaluated
from scanner.iac.hcl.blocks import attribute_value
from scanner.iac.hcl.convert import TypeExprError, convert, parse_type
from scanner.iac.hcl.env import Deps, Env
from scanner.iac.hcl.evaluator import evaluate
from scanner.iac.hcl.module import ModuleCall, Variable
from scanner.iac.hcl.ops import EvalError, internal_error
from scanner.iac.hcl.show import show
from scanner.iac.hcl.syntax import parse_expression
from scanner.iac.hcl.types import ANY, Type, TypedUnknown, describe, is_primitive

if TYPE_CHECKING:
    from scanner.iac.hcl.scope import ModuleInstance


@dataclass(frozen=True)
class Assignment:
    """A root variable's value as given: an expression (tfvars), raw text (``--var``,
    ``TF_VAR_``) or an unknown (a tfvars file that could not be read)."""

    source: str  # "terraform.tfvars:3", "--var", "TF_VAR_x"
    expr: Expr | None = None
    raw: str | None = None
    file: str | None = None
    unknown: Unknown | None = None


@dataclass
class RootInputs:
    assignments: dict[str, Assignment] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # variable files read


@dataclass
class CallInputs:
    parent: ModuleInstance
    call: ModuleCall
    count: CountBinding | None = None
    each: EachBinding | None = None


Inputs = RootInputs | CallInputs


class ConstScope:
    """Where no reference is allowed (defaults, tfvars, ``--var``): only literals and functions."""

    def __init__(self, instance: ModuleInstance) -> None:
        self.instance = instance

    @property
    def base_dir(self) -> str:
        return self.instance.base_dir

    def display(self, path: str) -> str:
        return self.instance.display(path)

    def reference(self, expr: Traversal, env: Env) -> tuple[Any, int]:
        raise EvalError(f"{expr.text}: references are not allowed here (only literal values)")


def constant(instance: ModuleInstance, expr: Expr, file: str) -> Any:
    try:
        return evaluate(expr, Env(ConstScope(instance), file))
    except EvalError as err:
        return Unknown(f"Terraform would reject this value: {err}", instance.display(file))
    except RecursionError:
        return Unknown("value nested too deeply", instance.display(file))
    except Exception as err:  # a pacscan bug must not stop the scan
        return internal_error("value", err, instance.display(file))


def declared_type(instance: ModuleInstance, decl: Variable) -> Type | Unknown:
    if decl.type_expr is None:
        return ANY
    try:
        return parse_type(decl.type_expr, lambda e: constant(instance, e, decl.file))
    except (TypeExprError, EvalError) as err:
        return Unknown(f"variable {decl.name!r} has an invalid type: {err}", f"{instance.display(decl.file)}:"
                                                                            f"{decl.line}")


def variable_value(instance: ModuleInstance, name: str) -> Evaluated:
    decl = instance.definition.variables[name]
    target = declared_type(instance, decl)
    deps = Deps()
    value, label, source = _given(instance, decl, target, deps)
    if value is None and not decl.nullable and decl.default is not None:
        value = constant(instance, decl.default.expr, decl.file)
    if isinstance(target, Unknown):
        value = target
    elif isinstance(value, Unknown) and not isinstance(value, TypedUnknown) and target != ANY:
        value = TypedUnknown(value.reason, value.origin, value.error, value.candidates, value.spread, value.partial,
                             value.symbol, type=target)
    else:
        try:
            value = convert(value, target)
        except EvalError as err:
            value = Unknown(f"var.{name}: the value does not convert to {describe(target)}: {err}",
                            f"{instance.display(decl.file)}:{decl.line}")
    out = Deps()
    out.add_trace(f"{label} = {show(value, sensitive=decl.sensitive or deps.sensitive)} ({source})")
    out.merge(deps)
    out.sensitive = deps.sensitive or decl.sensitive
    return Evaluated(value, out)


def _given(instance: ModuleInstance, decl: Variable, target: Type | Unknown, deps: Deps) -> tuple[Any, str, str]:
    """The value before conversion, the trace label and where it was set."""
    inputs = instance.inputs
    if isinstance(inputs, RootInputs):
        assignment = inputs.assignments.get(decl.name)
        if assignment is not None:
            return _assigned(instance, decl, assignment, target), f"var.{decl.name}", assignment.source
        label = f"var.{decl.name}"
    else:
        arg = inputs.call.body.attributes.get(decl.name)
        if arg is not None:
            parent = inputs.parent
            env = Env(parent, inputs.call.file, deps, None, inputs.each, inputs.count)
            where = f"{parent.display(inputs.call.file)}:{arg.line}"
            return attribute_value(arg, env), f"{instance.address} input {decl.name}", where
        label = f"{instance.address} var.{decl.name}"
    if decl.default is not None:
        where = f"default, {instance.display(decl.file)}:{decl.default.line}"
        return constant(instance, decl.default.expr, decl.file), label, where
    return _no_value(instance, decl), label, "no value"


def _assigned(instance: ModuleInstance, decl: Variable, assignment: Assignment, target: Type | Unknown) -> Any:
    if assignment.unknown is not None:
        return assignment.unknown
    if assignment.raw is not None:
        if decl.type_expr is None or (not isinstance(target, Unknown) and is_primitive(target)):
            return assignment.raw
        expr = parse_expression(assignment.raw, 1)
        return constant(instance, expr, assignment.file or decl.file)
    assert assignment.expr is not None
    return constant(instance, assignment.expr, assignment.file or decl.file)


def _no_value(instance: ModuleInstance, decl: Variable) -> Unknown:
    where = f"{instance.display(decl.file)}:{decl.line}"
    if isinstance(instance.inputs, RootInputs):
        return Unknown(f'variable "{decl.name}" has no value: declared without a default at {where}; '
                       "give it with --var or --var-file", where)
    return Unknown(f'variable "{decl.name}" of {instance.address} is not set by the module call and has no default '
                   "(Terraform rejects this configuration)", where)
