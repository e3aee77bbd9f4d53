"""Hypothesis strategies for hostile input: random documents, malformed YAML/JSON, predicate trees.

Every property test runs the same examples every time (the ``ci`` profile of tests/conftest.py;
set ``HYPOTHESIS_PROFILE=explore`` to search with fresh randomness locally).
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import strategies as st

#: Tags that would construct Python objects or run code under an unsafe loader. Each one is
#: written so that, were it executed, it would create the file named by ``{marker}``.
EXECUTING_TAGS = (
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.check_call [['touch', '{marker}']]",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "!!python/object/apply:builtins.exec [\"open('{marker}', 'w').close()\"]",
    "!!python/object/apply:builtins.eval [\"open('{marker}', 'w').close()\"]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!!python/object:pathlib.PosixPath {{}}",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
    "!!binary aGVsbG8=",
    "!!set {{a, b}}",
    "!!omap [a: 1, b: 2]",
    "!custom {{x: 1}}",
)

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "0.0.0.0/0", "::/0", "2026-02-30", "2026-01-01", "yes", "~", "\u0000", "a\nb",
                     "ADM-RISK-ANALYSIS", "NET-ADMIN", "*", "[", "\ud7ff\ue000"]),
)


def json_values(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """JSON-like values of every type, nested a few levels."""
    return st.recursive(
        _SCALARS,
        lambda children: st.one_of(
            st.lists(children, max_size=5),
            st.dictionaries(st.text(max_size=12), children, max_size=5),
        ),
        max_leaves=max_leaves,
    )


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=None)


#: YAML fragments that break the grammar, the encoding conventions, or the tag system.
_BROKEN = st.sampled_from([
    "a: [1, 2", "a: {b", "- a\nb: c", "a: b: c", "\t- x", "? [a]\n: b\n", "&a [*a]", "*undefined",
    "a: &x 1\nb: *y", "%YAML 9.9\n---\na: 1", "--- a\n--- b", "a: 1\na: 2", "'unterminated",
    "\"\\x\"", "a: !!int abc", "a: !!float x", "a: !!bool maybe", "a: !!timestamp 2026-13-45",
    "a: !!null x", "a: !!map [1]", "a: !!seq {b: 1}", "\ufeffa: 1", "\x00", "a: \x07",
    "{a: 1, a: 1}", "<<: *a", "<<: [1, 2]", "a: !!merge x",
])


def yaml_texts() -> st.SearchStrategy[str]:
    """Valid YAML of random shape, broken YAML, and arbitrary text."""
    return st.one_of(
        json_values().map(_dump),
        _BROKEN,
        st.text(max_size=200),
        st.tuples(json_values().map(_dump), _BROKEN).map(lambda pair: pair[0] + "\n" + pair[1]),
    )


def mutated(document: Any) -> st.SearchStrategy[Any]:
    """``document`` with one value somewhere inside replaced by a random value (or removed)."""
    paths = list(_paths(document, ()))

    def apply(path: tuple[Any, ...], replacement: Any, remove: bool) -> Any:
        copy = json.loads(json.dumps(document))
        if not path:
            return replacement
        parent = copy
        for step in path[:-1]:
            parent = parent[step]
        if remove:
            del parent[path[-1]]
        else:
            parent[path[-1]] = replacement
        return copy

    return st.builds(apply, st.sampled_from(paths), json_values(max_leaves=8), st.booleans())


def _paths(value: Any, prefix: tuple[Any, ...]) -> Any:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


# ---------------------------------------------------------------- predicate trees
_LEAF_OPS = ("eq", "ne", "in", "not-in", "absent", "present", "gt", "ge", "lt", "le", "contains", "regex",
             "version-ge", "cidr-overlaps-world", "port-in-range")
_ITEM_OPS = ("any-item", "all-items", "no-item")
_KEYS = st.sampled_from(["a", "b", "a.b", "a.0", "ports", "cidr", "tls", "items", "a.b.c", "0", "", ".", "x..y"])
_PARAMS = {"dicom_ports": [104, 11112], "min_days": 30, "name": "pacs"}


def _leaf_value(op: str) -> st.SearchStrategy[Any]:
    param = st.sampled_from(sorted(_PARAMS)).map(lambda name: {"param": name})
    if op in ("in", "not-in"):
        return st.one_of(st.lists(_SCALARS, max_size=4), param)
    if op == "regex":
        return st.sampled_from(["^a", "b$", "[0-9]+", "TLS.*1\\.2", "^$", "a|b"])
    return st.one_of(json_values(max_leaves=4), param)


def _leaves() -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(_LEAF_OPS).flatmap(
        lambda op: st.fixed_dictionaries({"key": _KEYS, "op": st.just(op), "value": _leaf_value(op)}))


def predicates() -> st.SearchStrategy[dict[str, Any]]:
    """Predicate trees of the rule language (as the catalog schema admits them)."""
    return st.recursive(
        _leaves(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(lambda ps: {"all": ps}),
            st.lists(inner, max_size=3).map(lambda ps: {"any": ps}),
            inner.map(lambda p: {"not": p}),
            st.tuples(_KEYS, st.sampled_from(_ITEM_OPS), inner).map(
                lambda t: {"key": t[0], "op": t[1], "value": t[2]}),
        ),
        max_leaves=12,
    )


def facts() -> st.SearchStrategy[Any]:
    """Resource facts as a collector might normalise them, and nonsense."""
    port_range = st.one_of(
        st.fixed_dictionaries({"from": _SCALARS, "to": _SCALARS}),
        st.lists(st.integers(-5, 70000), min_size=2, max_size=2), st.just("all"), _SCALARS)
    structured = st.fixed_dictionaries({}, optional={
        "a": json_values(10), "b": _SCALARS, "ports": port_range, "cidr": st.one_of(_SCALARS, st.lists(_SCALARS)),
        "tls": st.sampled_from(["TLSv1.2", "TLS1_0", "1.3", "none", ""]),
        "items": st.lists(json_values(6), max_size=4),
    })
    return st.one_of(structured, json_values(20))


PREDICATE_PARAMETERS = _PARAMS


# ---------------------------------------------------------------- Terraform plan JSON
_PLAN_PARTS = {
    "configuration": json_values(10),
    "resource_changes": json_values(10),
    "planned_values": json_values(6),
    "values": json_values(4),
}


def plan_documents() -> st.SearchStrategy[Any]:
    """Plan-shaped JSON with every section of a random type, plus plans that are almost right."""
    almost = st.fixed_dictionaries({"format_version": st.one_of(st.just("1.2"), _SCALARS)}, optional={
        **_PLAN_PARTS,
        "resource_changes": st.lists(st.one_of(
            json_values(6),
            st.fixed_dictionaries({"address": _SCALARS}, optional={
                "change": st.one_of(_SCALARS, st.fixed_dictionaries({}, optional={"after_unknown": json_values(8)})),
            })), max_size=3),
        "configuration": st.one_of(_SCALARS, st.fixed_dictionaries({}, optional={
            "root_module": st.one_of(_SCALARS, st.fixed_dictionaries({}, optional={
                "resources": st.one_of(_SCALARS, st.lists(st.one_of(_SCALARS, st.fixed_dictionaries(
                    {}, optional={"address": _SCALARS, "expressions": json_values(8)})), max_size=3)),
                "module_calls": json_values(8),
            })),
        })),
    })
    return st.one_of(almost, json_values(15))
