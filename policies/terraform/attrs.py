"""Reading evaluated Terraform arguments the way the provider does, and building facts from them.

Terraform treats an argument set to ``null`` as not set, and a provider fills an unset argument
with its default: :func:`arg` does both, so a normaliser writes the provider's default as a known
value (``versioning`` absent on ``aws_s3_bucket`` is "never enabled"). Nested blocks are lists of
dicts (:mod:`scanner.iac.tfmodel`); an :class:`~scanner.facts.values.Unknown` element in them
stands for blocks nobody could see (a ``dynamic`` block over an unknown collection).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance
from scanner.source_paths import display_path


def arg(attrs: Mapping[str, Any], name: str, default: Any = None) -> Any:
    """The argument's value; ``default`` (the provider's) when it is absent or null."""
    value = attrs.get(name)
    return default if value is None else value


def blocks(attrs: Mapping[str, Any], name: str) -> list[Any]:
    """The nested blocks ``name`` (dicts, or Unknowns standing for unseen blocks); [] when absent.
    A block written as an attribute holding one object counts as a one-element list."""
    value = attrs.get(name)
    if value is None:
        return []
    if isinstance(value, Unknown):
        return [Unknown(value.reason, value.origin, value.error, value.candidates, True)]
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return [item if isinstance(item, Mapping | Unknown) else Unknown(f"{name} is not a block: {item!r}")
                for item in value]
    return [Unknown(f"{name} is not a block: {value!r}")]


def block(attrs: Mapping[str, Any], name: str) -> Mapping[str, Any] | Unknown | None:
    """A nested block that may appear at most once: the block, None when absent, Unknown when it
    cannot be seen (or appears more than once, which the provider would refuse)."""
    found = blocks(attrs, name)
    if not found:
        return None
    if len(found) == 1 and not (isinstance(found[0], Unknown) and found[0].spread):
        only = found[0]
        return only if isinstance(only, Mapping | Unknown) else Unknown(f"{name} is not a block: {only!r}")
    unseen = [b for b in found if isinstance(b, Unknown)]
    if unseen:
        return Unknown(f"{name}: {unseen[0].reason}", unseen[0].origin, unseen[0].error)
    return Unknown(f"{name} is declared {len(found)} times")


def path(attrs: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    """The value under nested single blocks, e.g. ``path(a, "rule", "apply_server_side_encryption_by_default",
    "sse_algorithm")``; ``default`` when any step is absent; an Unknown step makes it Unknown."""
    node: Any = attrs
    for name in names[:-1]:
        node = block(node, name)
        if node is None:
            return default
        if isinstance(node, Unknown):
            return node
    return arg(node, names[-1], default)


def where(instance: TfInstance) -> str:
    """``file:line`` of an instance, the file relative to the scan's repository root
    (:func:`scanner.source_paths.display_path`)."""
    line = instance.line_range[0] if instance.line_range else "?"
    return f"{display_path(instance.file)}:{line}"


def resource(kind: str, instance: TfInstance, facts: Mapping[str, Any], *, name: Any = None,
             tags: Any = None, configured_by: Iterable[TfInstance] = (), origins: Mapping[str, str] | None = None,
             traced: Mapping[str, Iterable[str]] | None = None) -> Resource:
    """A Resource of ``kind`` for a Terraform instance. ``name`` is the provider-side name (a bucket
    name), used with the Terraform name for the imaging-data scope; ``traced`` maps a fact key to
    the arguments (of ``instance`` or of a sub-resource in ``configured_by``) it was computed from,
    so the evidence can say how each value was arrived at."""
    subs = tuple(configured_by)
    trace: dict[str, tuple[str, ...]] = {}
    for fact, arguments in (traced or {}).items():
        lines: list[str] = []
        for source in (instance, *subs):
            for argument in arguments:
                lines += [line for line in source.trace.get(argument, ()) if line not in lines]
        if lines:
            trace[fact] = tuple(lines)
    names = tuple(n for n in (name, instance.name) if n is not None)
    return Resource(
        provider=kind.split(".", 1)[0], type=kind, id=instance.address, name=str(instance.name),
        tags=tags if tags is not None else {}, facts=dict(facts), origins=dict(origins or {}),
        source=instance.input, native_type=instance.type, file=instance.file, line_range=instance.line_range,
        configured_by=tuple((s.address, where(s)) for s in subs), trace=trace, exists=instance.exists,
        names=names,
    )
