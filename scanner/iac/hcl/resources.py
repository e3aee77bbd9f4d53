"""Resources and data sources of one module instance: their instances and attributes.

A reference to an attribute set in configuration is that attribute's value; an attribute set
to null, or not set, is computed by the provider: unknown (``known only after apply`` for
managed resources, ``read at plan time`` for data sources, with the module-qualified address as
its ``symbol``), except the few attributes :mod:`scanner.iac.hcl.computed` derives from
configuration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl.bindings import Computing, Evaluated, instance_key
from scanner.iac.hcl.blocks import META, attribute_value, block_types, blocks_value
from scanner.iac.hcl.env import Deps, Env, Lazy
from scanner.iac.hcl.expansion import Expansion, Key, expand
from scanner.iac.hcl.module import Resource

if TYPE_CHECKING:
    from scanner.iac.hcl.scope import ModuleInstance


class ResourceGroup:
    """One ``resource``/``data`` block in one module instance, and its instances."""

    def __init__(self, module: ModuleInstance, resource: Resource) -> None:
        self.module = module
        self.resource = resource
        self._expansion: Expansion | Computing | None = None
        self._instances: list[ResourceInstance] | None = None

    @property
    def local_address(self) -> str:
        return self.resource.key

    def expansion(self) -> Expansion:
        if isinstance(self._expansion, Computing):
            cause = self._expansion.cycle(self.module.origin_in(self.resource.file, self.resource.line)).value
            return Expansion("single", [Key(None, exists=cause)], cause)
        if self._expansion is None:
            self._expansion = Computing(f"count/for_each of {self.local_address}")
            self._expansion = expand(self.resource.body, Env(self.module, self.resource.file),
                                     self.module.qualify(self.local_address))
        return self._expansion

    def instances(self) -> list[ResourceInstance]:
        if self._instances is None:
            self._instances = [ResourceInstance(self, key) for key in self.expansion().keys]
        return self._instances

    def reference_value(self) -> Any:
        """What ``aws_s3_bucket.x`` stands for: the instance, a list (count) or a map (for_each)
        of instances; unknown where the instances cannot be known."""
        expansion = self.expansion()
        instances = self.instances()
        if expansion.kind == "single":
            return instances[0]
        if expansion.unknown is not None and len(instances) == 1:
            return Unknown(f"{self.module.qualify(self.local_address)}: {expansion.unknown.reason}",
                           expansion.unknown.origin, expansion.unknown.error)
        if expansion.kind == "count":
            return list(instances)
        known = {i.key.key: i for i in instances if i.key.exists is None}
        if expansion.unknown is not None:
            return PartialDict(known, expansion.unknown)
        return known

    def instance_addresses(self, key: Any = None) -> list[str]:
        """Addresses a reference records: the keyed instance when ``key`` is given and exists,
        else every instance (the block's address when they cannot be known)."""
        instances = self.instances()
        if key is not None:
            for inst in instances:
                if inst.key.key == key or (isinstance(key, int | str) and str(inst.key.key) == str(key)):
                    return [inst.address]
        if self.expansion().unknown is not None:
            return [self.module.qualify(self.local_address)]
        return [i.address for i in instances]


class ResourceInstance(Lazy):
    """One instance: attributes evaluated on demand (with ``count.index``/``each`` bound)."""

    __slots__ = ("_extra", "_values", "address", "group", "key", "local_address")

    def __init__(self, group: ResourceGroup, key: Key) -> None:
        self.group = group
        self.key = key
        self.local_address = group.local_address + instance_key(key.key)
        self.address = group.module.qualify(self.local_address)
        self._values: dict[str, Evaluated | Computing] = {}
        self._extra: dict[str, Evaluated] = {}

    @property
    def resource(self) -> Resource:
        return self.group.resource

    def env(self, deps: Deps) -> Env:
        return Env(self.group.module, self.resource.file, deps, None, self.key.each, self.key.count)

    def names(self) -> list[str]:
        """Configured argument names, then nested block types (meta-arguments excluded)."""
        body = self.resource.body
        return [n for n in body.attributes if n not in META] + block_types(body, skip=META)

    def value(self, name: str) -> Evaluated:
        cached = self._values.get(name)
        if isinstance(cached, Computing):
            return cached.cycle(self.origin())
        if cached is None:
            self._values[name] = Computing(f"{self.address}.{name}")
            deps = Deps()
            body = self.resource.body
            attr = body.attributes.get(name)
            env = self.env(deps)
            value = attribute_value(attr, env) if attr is not None else blocks_value(body, name, env)
            cached = self._values[name] = Evaluated(value, deps)
        return cached

    def derived(self, name: str) -> Evaluated | None:
        from scanner.iac.hcl.computed import derived_attribute

        return derived_attribute(self, name)

    def cached_extra(self, name: str) -> Evaluated | None:
        return self._extra.get(name)

    def cache_extra(self, name: str, evaluated: Evaluated) -> None:
        self._extra[name] = evaluated

    def derived_values(self) -> dict[str, Evaluated]:
        """Provider-computed attributes configuration decides (not set in configuration)."""
        from scanner.iac.hcl.computed import derived_names

        configured = set(self.resource.body.attributes)
        out = {}
        for name in derived_names(self):
            if name not in configured:
                evaluated = self.derived(name)
                if evaluated is not None:
                    out[name] = evaluated
        return out

    def get(self, name: str, env: Env, line: int) -> Any:
        body = self.resource.body
        if name not in META and (name in body.attributes or name in block_types(body)):
            value = self.value(name).value
            if value is not None:
                return value
        derived = self.derived(name)
        if derived is not None:
            return derived.value
        return self.unknown_attribute(name)

    def unknown_attribute(self, name: str) -> Unknown:
        why = "is read from the provider at plan time" if self.resource.mode == "data" else \
            "is known only after apply"
        return Unknown(f"{self.address}.{name} {why}", self.origin(), symbol=f"{self.address}.{name}")

    def origin(self) -> str:
        return self.group.module.origin_in(self.resource.file, self.resource.line)

    def force(self, env: Env) -> Any:
        known: dict[str, Any] = {}
        for name in self.names():
            value = self.value(name).value
            if value is not None:
                known[name] = value
        for name, evaluated in self.derived_values().items():
            known[name] = evaluated.value
        why = "read from the provider at plan time" if self.resource.mode == "data" else "known only after apply"
        rest = Unknown(f"other attributes of {self.address} are {why}", self.origin(), symbol=self.address)
        return PartialDict(known, rest)
