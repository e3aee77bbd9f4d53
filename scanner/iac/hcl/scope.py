"""One module instance: what its expressions can refer to.

``var.x`` (input variables, see :mod:`scanner.iac.hcl.variables`), ``local.x`` (evaluated
lazily, once per module instance; a local that refers back to itself is unknown),
``module.m`` (child module instances and their outputs), resources and ``data`` sources,
``path.module`` (``.`` for the root module, else the module folder relative to the root, as
Terraform gives it), ``path.root`` (``.``), ``path.cwd`` (the root folder), ``terraform.workspace``
(``default``), and, inside a block with ``count``/``for_each``, ``count.index`` and ``each``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from scanner.facts.values import Unknown
from scanner.iac.hcl.ast import Attr, Idx, Lit, Traversal
from scanner.iac.hcl.bindings import Computing, EachBinding, Evaluated
from scanner.iac.hcl.blocks import attribute_value
from scanner.iac.hcl.env import Deps, Env
from scanner.iac.hcl.evaluator import evaluate
from scanner.iac.hcl.module import ModuleCall, ModuleDef, Named
from scanner.iac.hcl.ops import EvalError
from scanner.iac.hcl.resources import ResourceGroup
from scanner.iac.hcl.show import show

if TYPE_CHECKING:
    from scanner.iac.hcl.config import Configuration
    from scanner.iac.hcl.modcalls import ModuleGroup
    from scanner.iac.hcl.variables import Inputs


class ModuleInstance:
    """A module folder evaluated at one address (``""`` for a root module)."""

    def __init__(self, config: Configuration, definition: ModuleDef, address: str, key_path: tuple[str, ...],
                 inputs: Inputs, exists: Unknown | None = None, depth: int = 0) -> None:
        self.config = config
        self.definition = definition
        self.address = address
        self.key_path = key_path  # call names from the root: the modules.json key
        self.inputs = inputs
        self.exists = exists
        self.depth = depth
        self._variables: dict[str, Evaluated | Computing] = {}
        self._locals: dict[str, Evaluated | Computing] = {}
        self._outputs: dict[str, Evaluated | Computing] = {}
        self.resources = {key: ResourceGroup(self, r) for key, r in definition.resources.items()}
        self._calls: dict[str, ModuleGroup] = {}
        self._types = definition.resource_types()

    # ------------------------------------------------------------ Scope protocol

    @property
    def base_dir(self) -> str:
        return self.config.root_dir

    def display(self, path: str) -> str:
        return self.config.display(path)

    def origin_in(self, path: str, line: int) -> str:
        return f"{self.config.display(path)}:{line}"

    def qualify(self, local_address: str) -> str:
        return f"{self.address}.{local_address}" if self.address else local_address

    def label(self, what: str) -> str:
        """How a trace line names something of this module: ``var.x`` at the root,
        ``module.pacs var.x`` inside a module."""
        return f"{self.address} {what}" if self.address else what

    def reference(self, expr: Traversal, env: Env) -> tuple[Any, int]:
        root, steps = expr.root, expr.steps
        if root in _NAMED:
            if not steps or not isinstance(steps[0], Attr):
                raise EvalError(f"{root} must be followed by an attribute name")
            return self._named_reference(root, steps[0].name, expr, env), 1
        if root == "data":
            return self._resource(expr, 1, env), 2
        if root in self._types:
            return self._resource(expr, 0, env), 1
        if root == "self":
            raise EvalError("self is only available in provisioner and connection blocks")
        raise EvalError(f"reference to undeclared {root!r} (not a variable, local, module, resource or data source)")

    def _named_reference(self, root: str, name: str, expr: Traversal, env: Env) -> Any:
        if root == "var":
            return self._merge(self.variable(name), env)
        if root == "local":
            return self._merge(self.local(name), env)
        if root == "module":
            return self.module_call(name).reference_value(env)
        if root == "each":
            return self._each(name, env)
        if root == "count":
            return self._count(name, env)
        if root == "path":
            return self._path(name)
        if name != "workspace":
            raise EvalError(f"terraform.{name} is not a Terraform value")
        return "default"

    # ------------------------------------------------------------ values

    def _merge(self, evaluated: Evaluated, env: Env) -> Any:
        env.deps.merge(evaluated.deps)
        return evaluated.value

    def variable(self, name: str) -> Evaluated:
        from scanner.iac.hcl.variables import variable_value

        if name not in self.definition.variables:
            raise EvalError(f"reference to undeclared input variable {name!r}")
        return self._cached(self._variables, name, f"var.{name}", lambda: variable_value(self, name))

    def local(self, name: str) -> Evaluated:
        decl = self.definition.locals.get(name)
        if decl is None:
            raise EvalError(f"reference to undeclared local value {name!r}")
        return self._cached(self._locals, name, f"local.{name}", lambda: self._named(decl, "local"))

    def output(self, name: str) -> Evaluated:
        decl = self.definition.outputs.get(name)
        if decl is None:
            raise EvalError(f"{self.address} has no output {name!r}")
        return self._cached(self._outputs, name, f"{self.address}.{name}", lambda: self._named(decl, "output"))

    def _cached(self, cache: dict[str, Evaluated | Computing], name: str, what: str, compute: Any) -> Evaluated:
        cached = cache.get(name)
        if isinstance(cached, Computing):
            return cached.cycle(None)
        if cached is None:
            cache[name] = Computing(what)
            cached = cache[name] = compute()
        return cached

    def _named(self, decl: Named, kind: str) -> Evaluated:
        deps = Deps()
        value = attribute_value(_as_attribute(decl), Env(self, decl.file, deps))
        sensitive = deps.sensitive or decl.sensitive
        where = f"{self.config.display(decl.file)}:{decl.line}"
        if kind == "local":
            line = f"{self.label('local.' + decl.name)} = {show(value, sensitive=sensitive)} ({where})"
        else:
            line = f"{self.address}.{decl.name} = {show(value, sensitive=sensitive)} (output, {where})"
        out = Deps()
        out.add_trace(line)
        out.merge(deps)
        out.sensitive = sensitive
        return Evaluated(value, out)

    def _each(self, name: str, env: Env) -> Any:
        each = env.each
        if not isinstance(each, EachBinding):
            raise EvalError("each.key and each.value are only available in blocks with for_each")
        env.deps.merge(each.deps)
        if name == "key":
            return each.key
        if name == "value":
            return each.value
        raise EvalError(f"each.{name} does not exist (only each.key and each.value)")

    def _count(self, name: str, env: Env) -> Any:
        if env.count is None:
            raise EvalError("count.index is only available in blocks with count")
        if name != "index":
            raise EvalError(f"count.{name} does not exist (only count.index)")
        return env.count.index

    def _path(self, name: str) -> str:
        if name == "module":
            rel = os.path.relpath(self.definition.dir, self.config.root_dir)
            return "." if rel == "." else rel.replace(os.sep, "/")
        if name == "root":
            return "."
        if name == "cwd":
            return self.config.root_dir
        raise EvalError(f"path.{name} does not exist (path.module, path.root, path.cwd)")

    # ------------------------------------------------------------ resources and modules

    def _resource(self, expr: Traversal, offset: int, env: Env) -> Any:
        steps = expr.steps
        names = [s.name for s in steps[:offset + 1] if isinstance(s, Attr)]
        if len(names) != offset + 1:
            raise EvalError(f"invalid reference {expr.text}")
        key = f"data.{names[0]}.{names[1]}" if offset else f"{expr.root}.{names[0]}"
        group = self.resources.get(key)
        if group is None:
            raise EvalError(f"reference to undeclared resource {key}")
        next_step = steps[offset + 1] if len(steps) > offset + 1 else None
        index_key = None
        if isinstance(next_step, Idx) and group.expansion().kind != "single":
            index_key = next_step.key.value if isinstance(next_step.key, Lit) else \
                _known_key(evaluate(next_step.key, env.with_deps(Deps())))
        for address in group.instance_addresses(index_key):
            env.deps.add_ref(address)
        return group.reference_value()

    def module_call(self, name: str) -> ModuleGroup:
        from scanner.iac.hcl.modcalls import ModuleGroup

        group = self._calls.get(name)
        if group is None:
            call: ModuleCall | None = self.definition.calls.get(name)
            if call is None:
                raise EvalError(f"reference to undeclared module call {name!r}")
            group = self._calls[name] = ModuleGroup(self, call)
        return group

    def calls(self) -> list[ModuleGroup]:
        return [self.module_call(name) for name in self.definition.calls]


_NAMED = frozenset({"var", "local", "module", "path", "terraform", "count", "each"})


def _known_key(value: Any) -> Any:
    return None if isinstance(value, Unknown) else value


def _as_attribute(decl: Named) -> Any:
    from scanner.iac.hcl.ast import Attribute

    return Attribute(decl.name, decl.expr, decl.line, decl.line)
