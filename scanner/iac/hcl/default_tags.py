"""``tags_all`` of an AWS resource in a folder scan: its provider configuration's ``default_tags``
merged under its own ``tags`` (the resource's win), as the AWS provider computes it at plan time.

The provider configuration is the one the resource names (``provider = aws.west``), else the
default ``aws`` one, looked up in the resource's module, then, for a child module, through the
module call: its ``providers`` map when it has one (which then lists every provider the module
gets), else the parent's configuration of the same name (implicit inheritance of default
configurations). No configuration found means no default tags: they can only be set in a
provider block. What cannot be resolved (a ``providers`` map without the entry, default tags
that are not known) makes ``tags_all`` unknown, never "no tags".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl.ast import Attr, Lit, ObjectCons, Traversal
from scanner.iac.hcl.bindings import Evaluated
from scanner.iac.hcl.env import Deps, Env
from scanner.iac.hcl.module import Provider
from scanner.iac.hcl.ops import EvalError

if TYPE_CHECKING:
    from scanner.iac.hcl.resources import ResourceInstance
    from scanner.iac.hcl.scope import ModuleInstance

__all__ = ["tags_all"]

Found = tuple["ModuleInstance", Provider] | Unknown | None


def _reference(expr: object) -> str | None:
    """``aws`` or ``aws.west`` from a provider reference (a traversal, or a string in old syntax)."""
    if isinstance(expr, Traversal) and all(isinstance(s, Attr) for s in expr.steps) and len(expr.steps) <= 1:
        return ".".join([expr.root, *(s.name for s in expr.steps if isinstance(s, Attr))])
    if isinstance(expr, Lit) and isinstance(expr.value, str):
        return expr.value
    return None


def _alias(provider: Provider) -> str:
    attr = provider.body.attributes.get("alias")
    if attr is None:
        return ""
    return str(attr.expr.value) if isinstance(attr.expr, Lit) else "?"


def _configuration(module: ModuleInstance, reference: str, depth: int = 0) -> Found:
    from scanner.iac.hcl.variables import CallInputs

    name, _, alias = reference.partition(".")
    for provider in module.definition.providers:
        if provider.name == name and _alias(provider) == alias:
            return module, provider
    inputs = module.inputs
    if not isinstance(inputs, CallInputs) or depth > 50:
        return None
    passed = inputs.call.body.attributes.get("providers")
    if passed is None:
        return _configuration(inputs.parent, reference, depth + 1) if not alias else None
    if isinstance(passed.expr, ObjectCons):
        for key, value in passed.expr.items:
            if _reference(key) == reference:
                target = _reference(value)
                if target is not None:
                    return _configuration(inputs.parent, target, depth + 1)
    where = module.config.display(inputs.call.file)
    return Unknown(f"the {reference} provider configuration of {module.address} is not resolved from the "
                   f"providers map of its module call ({where}:{inputs.call.line})", f"{where}:{inputs.call.line}")


def _default_tags(module: ModuleInstance, provider: Provider) -> Any:
    """The provider's ``default_tags { tags = ... }``, {} without them."""
    blocks = provider.body.blocks_of("default_tags")
    attr = blocks[0].body.attributes.get("tags") if blocks else None
    if attr is None:
        return {}
    where = f"{module.config.display(provider.file)}:{attr.line}"
    try:
        value = _evaluate(module, attr, provider)
    except EvalError as err:
        return Unknown(f"the provider's default_tags at {where} are invalid: {err}", where, error=True)
    if isinstance(value, Unknown):
        return Unknown(f"the provider's default_tags at {where} are not known: {value.reason}", where)
    return {} if value is None else value


def _evaluate(module: ModuleInstance, attr: Any, provider: Provider) -> Any:
    from scanner.iac.hcl.evaluator import evaluate

    return evaluate(attr.expr, Env(module, provider.file))


def tags_all(instance: ResourceInstance) -> Evaluated | None:
    """``tags_all`` where a provider configuration's default tags apply to ``instance``; None where
    none do (the resource's own ``tags`` are then all its tags)."""
    attr = instance.resource.body.attributes.get("provider")
    reference = _reference(attr.expr) if attr is not None else "aws"
    symbol = f"{instance.address}.tags_all"
    if reference is None:
        return Evaluated(Unknown(f"{symbol}: the resource's provider reference is not a literal one",
                                 instance.origin(), symbol=symbol), Deps())
    found = _configuration(instance.group.module, reference)
    if found is None:
        return None
    if isinstance(found, Unknown):
        return Evaluated(Unknown(f"{symbol}: {found.reason}", found.origin, symbol=symbol), Deps())
    defaults = _default_tags(*found)
    if defaults == {}:
        return None
    own = instance.value("tags") if "tags" in instance.resource.body.attributes else Evaluated({}, Deps())
    tags = {} if own.value is None else own.value
    for part in (defaults, tags):
        if isinstance(part, Unknown):
            return Evaluated(Unknown(f"{symbol}: {part.reason}", part.origin, part.error, symbol=symbol), own.deps)
        if not isinstance(part, Mapping):
            return Evaluated(Unknown(f"{symbol}: tags that are not a map", instance.origin(), symbol=symbol),
                             own.deps)
    merged = {**defaults, **tags}
    partial = [p.rest for p in (tags, defaults) if isinstance(p, PartialDict)]  # a key nobody could see
    return Evaluated(PartialDict(merged, partial[0]) if partial else merged, own.deps)
