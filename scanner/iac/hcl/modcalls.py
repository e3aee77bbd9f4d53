"""Module calls: the child module instances a ``module`` block makes, and ``module.m`` values.

``module.m`` is an object of the child's outputs; with ``count`` a list of them, with
``for_each`` a map by key (``module.m[0].out``, ``module.m["k"].out``, ``module.m[*].out``).
Instances are addressed as Terraform does: ``module.a["k"].module.b``. A call whose source is
not on disk is reported once (:class:`~scanner.iac.tfmodel.UnreadModule`) and its outputs are
unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl.bindings import Computing, instance_key
from scanner.iac.hcl.env import Env, Lazy
from scanner.iac.hcl.expansion import Expansion, Key, expand
from scanner.iac.hcl.module import ModuleCall, ModuleDef
from scanner.iac.hcl.variables import CallInputs

if TYPE_CHECKING:
    from scanner.iac.hcl.scope import ModuleInstance


class ModuleGroup:
    def __init__(self, parent: ModuleInstance, call: ModuleCall) -> None:
        self.parent = parent
        self.call = call
        self.address = parent.qualify(f"module.{call.name}")
        self._definition: tuple[ModuleDef | None, str] | None = None
        self._expansion: Expansion | Computing | None = None
        self._instances: list[ModuleInstance] | None = None

    def definition(self) -> tuple[ModuleDef | None, str]:
        if self._definition is None:
            self._definition = self.parent.config.module_definition(self.parent, self.call)
        return self._definition

    def expansion(self) -> Expansion:
        if isinstance(self._expansion, Computing):
            cause = self._expansion.cycle(self.parent.origin_in(self.call.file, self.call.line)).value
            return Expansion("single", [Key(None, exists=cause)], cause)
        if self._expansion is None:
            self._expansion = Computing(f"count/for_each of {self.address}")
            self._expansion = expand(self.call.body, Env(self.parent, self.call.file), self.address)
        return self._expansion

    def instances(self) -> list[ModuleInstance]:
        from scanner.iac.hcl.scope import ModuleInstance

        if self._instances is None:
            definition, _reason = self.definition()
            self._instances = []
            if definition is not None:
                for key in self.expansion().keys:
                    address = self.address + instance_key(key.key)
                    inputs = CallInputs(self.parent, self.call, key.count, key.each)
                    exists = self.parent.exists if self.parent.exists is not None else key.exists
                    self._instances.append(ModuleInstance(self.parent.config, definition, address,
                                                          (*self.parent.key_path, self.call.name), inputs, exists,
                                                          self.parent.depth + 1))
        return self._instances

    def reference_value(self, env: Env) -> Any:
        definition, reason = self.definition()
        if definition is None:
            return Unknown(f"{self.address} was not read: {reason}", env.origin(self.call.line))
        expansion = self.expansion()
        objects = [ModuleObject(i, k) for i, k in zip(self.instances(), expansion.keys, strict=True)]
        if expansion.kind == "single":
            return objects[0]
        if expansion.unknown is not None and len(objects) == 1:
            return Unknown(f"{self.address}: {expansion.unknown.reason}", expansion.unknown.origin,
                           expansion.unknown.error)
        if expansion.kind == "count":
            return objects
        known = {o.key.key: o for o in objects if o.key.exists is None}
        return PartialDict(known, expansion.unknown) if expansion.unknown is not None else known


class ModuleObject(Lazy):
    """``module.m`` (one instance): its outputs, read on demand."""

    __slots__ = ("instance", "key")

    def __init__(self, instance: ModuleInstance, key: Key) -> None:
        self.instance = instance
        self.key = key

    def get(self, name: str, env: Env, line: int) -> Any:
        evaluated = self.instance.output(name)
        env.deps.merge(evaluated.deps)
        return evaluated.value

    def force(self, env: Env) -> Any:
        return {name: self.get(name, env, 0) for name in sorted(self.instance.definition.outputs)}
