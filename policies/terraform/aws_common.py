"""Helpers shared by the AWS checks: reading Checkov's rendered config, spotting unresolved values,
finding connected resources in Checkov's graph, and reading IAM policy documents.

Checkov hands a check the resource as ``{attribute: [value]}``; nested blocks are lists of dicts in
the same shape. Anything Checkov could not render (``var.x``, ``${...}``, ``data.x.json``, a
reference to another resource) stays a string, and our checks must answer UNKNOWN for it.
"""

from __future__ import annotations

import re
from typing import Any

from policies.terraform import graph_index
from policies.terraform.common import first, list_blocks

_REFERENCE = re.compile(r"^(var|local|data|module|each|count|path|terraform)\.|\$\{|^aws_[a-z0-9_]+\.")


def blocks(conf: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The nested blocks named ``key`` (``[]`` when absent; a bare dict is not read as a block)."""
    return list_blocks(conf.get(key))


def is_unresolved(value: Any) -> bool:
    """True for a value Checkov could not render (a variable, data source or resource reference)."""
    return isinstance(value, str) and bool(_REFERENCE.search(value.strip()))


def connected_resources(
    graph: Any, conf: dict[str, Any], resource_type: str, via: str
) -> list[dict[str, Any]] | None:
    """Resources of ``resource_type`` whose ``via`` attribute points at the resource ``conf``.

    A reference (``aws_s3_bucket.x.id``) matches the resource it names: in the referrer's own
    module, or in the calling module when it arrived through a module variable; a literal string
    matches the resource's own ``bucket``/``name`` attribute (names are global). Returns None
    when Checkov gave the check no graph.
    """
    if graph is None:
        return None
    address = str(conf.get("__address__", ""))
    own_names = {first(conf, k) for k in ("bucket", "name") if isinstance(first(conf, k), str)}
    literal, referenced = graph_index.by_target(graph, resource_type, via)
    candidates = list(referenced.get(address, ()))
    for name in own_names:
        candidates += literal.get(name, ())
    return graph_index.in_graph_order(graph, candidates)


def statements(policy: Any) -> list[dict[str, Any]] | None:
    """The statements of a rendered IAM policy document, or None when it is not a literal document."""
    if isinstance(policy, list) and len(policy) == 1:
        policy = policy[0]
    if not isinstance(policy, dict):
        return None
    raw = policy.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        return None
    return [s for s in raw if isinstance(s, dict)]
