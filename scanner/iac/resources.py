"""The Terraform resources Checkov parsed, and which resource each one configures.

A finding about a bucket belongs on the bucket (``aws_s3_bucket.pacs``) even when the setting
lives in a separate resource (``aws_s3_bucket_versioning``, ``aws_s3_bucket_policy``,
``azurerm_storage_account_network_rules``...). The catalog's ``terraform.parents`` table says
which attribute of the configuring resource names its parent; this module resolves it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.catalog import ParentLink

_ADDRESS = re.compile(r"^(?P<prefix>(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*)(?P<type>[\w-]+)\.(?P<name>[\w-]+)"
                      r"(?P<key>\[[^\]]*\])?$")
_REFERENCE = re.compile(r"^(?:\$\{)?(?P<type>[a-z][\w-]*)\.(?P<name>[\w-]+)(?P<key>\[[^\]]*\])?"
                        r"(?:\.[\w-]+)*\}?$")
_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")


@dataclass(frozen=True)
class TfResource:
    address: str
    type: str
    name: str
    file: str
    line_range: tuple[int, int] | None
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def module_prefix(self) -> str:
        match = _ADDRESS.match(self.address)
        return match.group("prefix") if match else ""


def unwrap(value: Any) -> Any:
    """Checkov wraps HCL attribute values in one-element lists; take them out."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def lookup(config: Mapping[str, Any], key: str) -> Any:
    """Value at a Checkov evaluated key (``a/b/0/c``, ``a/[0]/c``) in a resource config, or None."""
    node: Any = config
    for raw in key.split("/"):
        part = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw  # "[0]" is an index too
        if part.isdigit() and isinstance(node, list):
            index = int(part)
            if index >= len(node):
                return None
            node = node[index]
            continue
        node = unwrap(node)
        if isinstance(node, dict):
            node = node.get(part)
        elif not (part == "0" and node is not None):  # index 0 of a value Checkov had wrapped
            return None
        if node is None:
            return None
    return _clean(unwrap(node))


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(unwrap(v)) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [_clean(unwrap(v)) for v in value]
    return value


def address_type(address: str) -> str:
    """``module.a.aws_s3_bucket.x["k"]`` -> ``aws_s3_bucket``."""
    match = _ADDRESS.match(address)
    return match.group("type") if match else address


def strip_instance_keys(address: str) -> str:
    return _INSTANCE_KEY.sub("", address)


@dataclass
class ResourceIndex:
    """Resources by address, and the configuring resources attributed to each parent."""

    resources: dict[str, TfResource] = field(default_factory=dict)
    parent_of: dict[str, str] = field(default_factory=dict)

    _by_static: dict[str, list[str]] = field(default_factory=dict)

    def add(self, resource: TfResource) -> None:
        if resource.address not in self.resources:
            self.resources[resource.address] = resource
            self._by_static.setdefault(strip_instance_keys(resource.address), []).append(resource.address)

    _children: dict[str, list[str]] = field(default_factory=dict)

    def children(self, parent: str) -> tuple[TfResource, ...]:
        return tuple(self.resources[c] for c in self._children.get(parent, ()))

    def attribute(self, links: Mapping[str, ParentLink],
                  references: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None) -> None:
        """Resolve every configuring resource to the resource it configures (when it can)."""
        for resource in list(self.resources.values()):
            link = links.get(resource.type)
            if link is None:
                continue
            parent = self._resolve(resource, link, references or {})
            if parent is not None:
                self.parent_of[resource.address] = parent
                self._children.setdefault(parent, []).append(resource.address)

    def _resolve(self, child: TfResource, link: ParentLink,
                 references: Mapping[str, Mapping[str, tuple[str, ...]]]) -> str | None:
        planned = references.get(strip_instance_keys(child.address), {}).get(link.via, ())
        for ref in planned:
            found = self._by_reference(ref, child.module_prefix, link, absolute=True)
            if found:
                return found
        value = unwrap(child.config.get(link.via))
        if not isinstance(value, str):
            return None
        found = self._by_reference(value, child.module_prefix, link, absolute=False)
        if found:
            return found
        if link.match:
            return self._by_literal(value, child.module_prefix, link)
        return None

    def _by_reference(self, ref: str, prefix: str, link: ParentLink, *, absolute: bool) -> str | None:
        text = ref
        if absolute:
            match = _ADDRESS.match(ref.rsplit(".", 1)[0]) or _ADDRESS.match(ref)
            if match is None:
                return None
            prefix, text = match.group("prefix"), ref[len(match.group("prefix")):]
        ref_match = _REFERENCE.match(text)
        if ref_match is None or ref_match.group("type") not in link.parent_types:
            return None
        base = f"{prefix}{ref_match.group('type')}.{ref_match.group('name')}"
        candidates = [base + (ref_match.group("key") or "")]
        candidates += self._by_static.get(strip_instance_keys(base), [])
        for candidate in candidates:
            if candidate in self.resources:
                return candidate
        return None

    def _by_literal(self, value: str, prefix: str, link: ParentLink) -> str | None:
        for resource in self.resources.values():
            if (resource.type in link.parent_types and resource.module_prefix == prefix
                    and link.match is not None and unwrap(resource.config.get(link.match)) == value):
                return resource.address
        return None


def index_definitions(definitions: Mapping[Any, Mapping[str, Any]],
                      extra: Iterable[TfResource] = ()) -> ResourceIndex:
    """Build an index from Checkov's parsed definitions (HCL runner or plan runner)."""
    index = ResourceIndex()
    for key, body in definitions.items():
        file = str(getattr(key, "file_path", key))
        for block in body.get("resource") or []:
            for rtype, named in block.items():
                if not isinstance(named, dict):
                    continue
                for name, config in named.items():
                    if not isinstance(config, dict):
                        continue
                    address = str(config.get("__address__") or f"{rtype}.{name}")
                    start, end = config.get("__start_line__"), config.get("__end_line__")
                    lines = (int(start), int(end)) if start and end and int(start) >= 1 else None
                    index.add(TfResource(address, rtype, str(name), file, lines, config))
    for resource in extra:
        index.add(resource)
    return index
