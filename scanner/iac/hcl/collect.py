"""Evaluated module trees as :class:`~scanner.iac.tfmodel.TfInstance` records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.facts.values import Unknown
from scanner.iac.hcl.resources import ResourceInstance
from scanner.iac.hcl.scope import ModuleInstance
from scanner.iac.hcl.types import plain
from scanner.iac.tfmodel import TfInstance

#: provider-computed attributes reported with the arguments (the rendered policy document)
_REPORTED_DERIVED = {("data", "aws_iam_policy_document")}


def module_instances(root: ModuleInstance) -> Iterator[ModuleInstance]:
    yield root
    for group in root.calls():
        for child in group.instances():
            yield from module_instances(child)


def instances(root: ModuleInstance, root_module: str = "") -> list[TfInstance]:
    out = [to_tf_instance(inst, root_module) for module in module_instances(root)
           for group in module.resources.values() for inst in group.instances()]
    out.sort(key=_order)  # stable: module instances and keys stay in evaluation order
    return out


def _order(inst: TfInstance) -> tuple[Any, ...]:
    return (inst.file, inst.line_range[0] if inst.line_range else 0)


def to_tf_instance(inst: ResourceInstance, root_module: str = "") -> TfInstance:
    resource = inst.resource
    attrs: dict[str, Any] = {}
    refs: dict[str, tuple[str, ...]] = {}
    trace: dict[str, tuple[str, ...]] = {}
    evaluated = {name: inst.value(name) for name in inst.names()}
    if (resource.mode, resource.type) in _REPORTED_DERIVED:
        evaluated.update(inst.derived_values())
    elif resource.mode == "managed" and resource.type == "aws_s3_bucket" and "tags_all" not in evaluated:
        tags_all = inst.derived("tags_all")  # the provider's default_tags merged in, where any apply
        if tags_all is not None:
            evaluated["tags_all"] = tags_all
    for name, value in evaluated.items():
        attrs[name] = plain(value.value)
        refs[name] = tuple(value.deps.refs)
        trace[name] = tuple(value.deps.trace)
    module = inst.group.module
    exists: Unknown | None = module.exists if module.exists is not None else inst.key.exists
    return TfInstance(address=inst.address, mode="managed" if resource.mode == "managed" else "data",
                      type=resource.type, name=resource.name, module=module.address, file=resource.file,
                      line_range=(resource.line, resource.end_line), attrs=attrs, refs=refs, trace=trace,
                      exists=exists, root_module=root_module)
