"""Indexes over Checkov's resource graph, built once per scan and shared by the checks that look
for a related resource (a bucket's policy or logging resource, an account's diagnostic setting).

Scanning every graph node for every checked resource made those checks quadratic: at 5,000
resources they cost more than all of Checkov's parsing. The graph of one scan never changes while
its checks run, so the index is rebuilt only when a different graph object comes in.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from typing import Any

_lock = threading.Lock()
_cache: dict[str, Any] = {"graph": None, "by_type": {}, "by_target": {}, "position": {}}


def _nodes(graph: Any) -> dict[str, list[dict[str, Any]]]:
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for node in graph.nodes():
        attrs = node[1] if isinstance(node, tuple) and len(node) == 2 else None
        if isinstance(attrs, dict) and attrs.get("block_type_") == "resource":
            by_type[str(attrs.get("resource_type"))].append(attrs)
    return dict(by_type)


def _current(graph: Any) -> dict[str, Any]:
    with _lock:
        if _cache["graph"] is not graph:
            by_type = _nodes(graph)
            position = {id(attrs): n for group in by_type.values() for n, attrs in enumerate(group)}
            _cache.update(graph=graph, by_type=by_type, by_target={}, position=position)
        return _cache


def in_graph_order(graph: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``found`` without duplicates, in the order the graph lists them."""
    position = _current(graph)["position"]
    unique = {id(attrs): attrs for attrs in found}
    return sorted(unique.values(), key=lambda attrs: position.get(id(attrs), 0))


def resources_of_type(graph: Any, resource_type: str) -> list[dict[str, Any]]:
    """Attributes of every resource of ``resource_type`` in the graph (graph order)."""
    return list(_current(graph)["by_type"].get(resource_type, ()))


def _module_prefix(attrs: dict[str, Any]) -> str:
    """``module.a.module.b.`` of a vertex's address ("" at the root)."""
    address, local = str(attrs.get("__address__", "")), str(attrs.get("block_name_", ""))
    if local and address.endswith(local):
        return address[: len(address) - len(local)]
    return address[: len(address) - len(".".join(address.split(".")[-2:]))]


_MODULE_STEP = re.compile(r'module\.[^.\[]+(?:\[[^\]]*\])?\.')


def _enclosing(prefix: str) -> list[str]:
    """``prefix`` and every module prefix enclosing it, outermost ("" the root) first."""
    return ["", *(prefix[: step.end()] for step in _MODULE_STEP.finditer(prefix))]


def _scope(attrs: dict[str, Any], via: str) -> str:
    """The module prefix a reference in ``via`` resolves in: the vertex's own module, or, for a
    value Checkov rendered from module variables, the module that many calls up (its rendering
    breadcrumbs name one ``module`` per call crossed)."""
    crumbs = (attrs.get("rendering_breadcrumbs_") or {}).get(via) or []
    hops = sum(1 for crumb in crumbs if isinstance(crumb, dict) and crumb.get("type") == "module")
    scopes = _enclosing(_module_prefix(attrs))
    return scopes[max(0, len(scopes) - 1 - hops)]


def by_target(graph: Any, resource_type: str, via: str) -> tuple[dict[str, list[dict[str, Any]]],
                                                                   dict[str, list[dict[str, Any]]]]:
    """For resources of ``resource_type``: (literal value of ``via`` -> resources, address of the
    resource a reference in ``via`` names -> resources). ``aws_s3_bucket.x.id`` written in
    ``module.m`` names ``module.m.aws_s3_bucket.x``; passed in as ``var.bucket_id`` from the
    root, it names the root's ``aws_s3_bucket.x``."""
    cache = _current(graph)
    key = f"{resource_type}\0{via}"
    with _lock:
        if key not in cache["by_target"]:
            literal: dict[str, list[dict[str, Any]]] = defaultdict(list)
            referenced: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for attrs in cache["by_type"].get(resource_type, ()):
                target = attrs.get(via)
                if isinstance(target, str):
                    literal[target].append(attrs)
                    parts = target.split(".")
                    if len(parts) >= 2:
                        referenced[_scope(attrs, via) + ".".join(parts[:2])].append(attrs)
            cache["by_target"][key] = (dict(literal), dict(referenced))
        found: tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]] = cache["by_target"][key]
        return found
