"""The library never guesses: for every function and random known arguments, replacing an argument, a list
element (by one unseen element or by any number of them) or a mapping's unseen keys with an unknown gives a result
that every concrete value in its place agrees with. A known part of the result is what Terraform computes
whatever the unknown turns out to be; a call rejected with the unknown is rejected for every substitute."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.facts.values import PartialDict, Unknown
from tests.hcl.functions_support import _Error, conforms, outcome

WORD = st.sampled_from(["", "a", "b", "ab", "1", "true", " x ", "a,b", "10"])
TEXT = st.text(alphabet="ab1 ,\n-.é", max_size=5)
NUM = st.integers(-3, 12) | st.sampled_from([0.5, 1.5, 2.0, -0.25])
SCALAR = WORD | NUM | st.booleans() | st.none()
KEY = st.sampled_from(["a", "b", "c", "d"])
STRS = st.lists(WORD, max_size=4)
NUMS = st.lists(NUM, min_size=1, max_size=4)
ANYS = st.lists(SCALAR, max_size=4)
LISTS = STRS | ANYS | st.lists(STRS, max_size=3)
STRMAP = st.dictionaries(KEY, WORD, max_size=3)
ANYMAP = st.dictionaries(KEY, SCALAR | STRS, max_size=3)
NESTED = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEY, inner, max_size=3),
                      max_leaves=8)
CIDR = st.sampled_from(["10.0.0.0/8", "192.168.0.0/16", "10.1.2.0/24", "fd00::/8", "2001:db8::/32", "10.0.0.0/30"])
FORMATS = st.sampled_from(["%s", "%s-%s", "%d", "%v", "%q", "%5.1f", "%t", "x%[2]s%[1]s", "%#v", "%x"])
PATTERNS = st.sampled_from(["a", "/a+/", "/(a)b/", "", "/[0-9]/", "/^a/", "/(?P<x>b)/"])
REGEXES = st.sampled_from(["a+", "(a)(b)?", "[0-9]", "^a", "(?P<x>b)", "a*"])
JSON = st.sampled_from(['{"a": [1, "x"]}', "[true, null]", '"s"', "1.5", "{", "[1, 2]"])
YAML = st.sampled_from(["a: 1", "[y, n, 017]", "a: &x [1]\nb: *x", "- a\n- b", "{a: [1"])
B64 = st.sampled_from(["aGVsbG8=", "YQ==", "", "!!"])
PATHS = st.sampled_from(["a/b/c.txt", "/x/../y", "", "a/", "/", "~/z", "./q"])


def _call(*parts: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.tuples(*parts).map(list)


def _varargs(part: st.SearchStrategy[Any], low: int = 0, high: int = 3) -> st.SearchStrategy[list[Any]]:
    return st.lists(part, min_size=low, max_size=high)


def _format_call(fmt: str) -> st.SearchStrategy[list[Any]]:
    count = 2 if "%[2]" in fmt else fmt.count("%")
    return st.lists(SCALAR | STRS, min_size=count, max_size=count).map(lambda args: [fmt, *args])


def _formatlist_call(fmt: str) -> st.SearchStrategy[list[Any]]:
    return st.lists(SCALAR | st.lists(WORD, min_size=2, max_size=2), min_size=fmt.count("%"),
                    max_size=fmt.count("%")).map(lambda args: [fmt, *args])


STRING_1 = ("lower", "upper", "trimspace", "title", "strrev", "chomp", "base64encode", "urlencode", "md5", "sha1",
            "sha256", "sha512", "base64sha256", "base64sha512", "tostring", "tonumber", "tobool")
STRING_2 = ("trim", "trimprefix", "trimsuffix", "startswith", "endswith", "strcontains", "split", "uuidv5")
ARGUMENTS: dict[str, st.SearchStrategy[list[Any]]] = {
    **{name: _call(TEXT | WORD) for name in STRING_1},
    **{name: _call(WORD, TEXT | WORD) for name in STRING_2},
    "concat": _varargs(LISTS, 1), "merge": _varargs(ANYMAP | st.none()), "flatten": _call(NESTED.filter(
        lambda v: isinstance(v, list))), "lookup": _call(ANYMAP, KEY) | _call(ANYMAP, KEY, SCALAR),
    "coalesce": _varargs(SCALAR, 1, 4), "coalescelist": _varargs(ANYS | st.none(), 1),
    "compact": _call(st.lists(WORD | st.none(), max_size=4)), "distinct": _call(LISTS),
    "element": _call(st.lists(SCALAR, min_size=1, max_size=4), st.integers(-4, 8)), "contains": _call(LISTS, SCALAR),
    "index": _call(ANYS, SCALAR), "keys": _call(ANYMAP), "values": _call(ANYMAP),
    "length": _call(LISTS | ANYMAP | TEXT), "tolist": _call(LISTS), "toset": _call(LISTS),
    "tomap": _call(ANYMAP), "format": FORMATS.flatmap(_format_call), "formatlist": FORMATS.flatmap(_formatlist_call),
    "join": st.tuples(WORD, _varargs(STRS | ANYS, 1)).map(lambda t: [t[0], *t[1]]),
    "replace": _call(TEXT, PATTERNS, WORD),
    "jsonencode": _call(NESTED), "yamlencode": _call(NESTED), "jsondecode": _call(JSON), "yamldecode": _call(YAML),
    "csvdecode": _call(st.sampled_from(["a,b\n1,2", "a\n\"x,y\"\n", "a,b\n1", ""])),
    "cidrsubnet": _call(CIDR, st.integers(0, 9), st.integers(-1, 20)), "cidrhost": _call(CIDR, st.integers(-5, 300)),
    "cidrnetmask": _call(CIDR), "cidrsubnets": st.tuples(CIDR, _varargs(st.integers(1, 9))).map(
        lambda t: [t[0], *t[1]]),
    "regex": _call(REGEXES, TEXT), "regexall": _call(REGEXES, TEXT),
    "substr": _call(TEXT, st.integers(-4, 6), st.integers(-2, 6)), "indent": _call(st.integers(0, 3), TEXT),
    "min": NUMS, "max": NUMS, "abs": _call(NUM), "ceil": _call(NUM), "floor": _call(NUM), "signum": _call(NUM),
    "pow": _call(NUM, st.integers(-2, 3)), "log": _call(NUM, NUM),
    "parseint": _call(st.sampled_from(["10", "-ff", "z", "101", ""]), st.integers(2, 40)),
    "range": _varargs(st.integers(-5, 10), 1, 3), "reverse": _call(LISTS), "sort": _call(STRS),
    "slice": _call(ANYS, st.integers(0, 4), st.integers(0, 5)), "chunklist": _call(ANYS, st.integers(0, 3)),
    "one": _call(st.lists(SCALAR, max_size=2)), "sum": _call(NUMS), "alltrue": _call(st.lists(
        st.booleans() | st.none(), max_size=4)), "anytrue": _call(st.lists(st.booleans() | st.none(), max_size=4)),
    "setproduct": _varargs(STRS, 2, 3), "setunion": _varargs(STRS, 1), "setintersection": _varargs(STRS, 1),
    "setsubtract": _call(STRS, STRS), "zipmap": _call(st.lists(KEY, max_size=3), ANYS),
    "transpose": _call(st.dictionaries(KEY, st.lists(KEY, max_size=3), max_size=3)),
    "matchkeys": _call(ANYS, ANYS, STRS), "base64decode": _call(B64),
    "basename": _call(PATHS), "dirname": _call(PATHS), "abspath": _call(PATHS), "pathexpand": _call(PATHS),
}
#: functions whose result is a set (or, for distinct, whose known elements are exact but not their order)
UNORDERED = {"toset", "setunion", "setintersection", "setsubtract", "distinct"}


def like(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same kind (and, sometimes, of any kind: an unknown's type is unknown too)."""
    if isinstance(value, bool):
        kind: st.SearchStrategy[Any] = st.booleans()
    elif isinstance(value, int | float):
        kind = NUM
    elif isinstance(value, str):
        kind = WORD | TEXT
    elif isinstance(value, list):
        kind = st.lists(like(value[0]) if value else SCALAR, max_size=3)
    elif isinstance(value, dict):
        kind = st.dictionaries(KEY, like(next(iter(value.values()))) if value else SCALAR, max_size=3)
    else:
        kind = SCALAR
    return kind | SCALAR | STRS


#: examples per function (``PACSCAN_FN_EXAMPLES=400`` for a deeper search)
EXAMPLES = int(os.environ.get("PACSCAN_FN_EXAMPLES", "40"))
HOLE = Unknown("the hole")
SPREAD = Unknown("the spread", spread=True)


def _sites(args: list[Any]) -> list[tuple[int, str, Any]]:
    """Where an unknown can go: (argument, what, key)."""
    sites: list[tuple[int, str, Any]] = [(i, "whole", None) for i in range(len(args))]
    for i, arg in enumerate(args):
        if isinstance(arg, list):
            sites += [(i, kind, j) for j in range(len(arg)) for kind in ("element", "spread")]
            sites.append((i, "spread", len(arg)))
        if isinstance(arg, dict):
            sites += [(i, "value", k) for k in arg] + [(i, "keys", None)]
    return sites


def _fill(args: list[Any], site: tuple[int, str, Any], filler: Any) -> list[Any]:
    """``args`` with ``filler`` at ``site`` (for a spread: a list of elements)."""
    i, kind, key = site
    out = list(args)
    if kind == "whole":
        out[i] = filler
    elif kind == "element":
        out[i] = [*args[i][:key], filler, *args[i][key + 1:]]
    elif kind == "spread":
        out[i] = [*args[i][:key], *filler, *args[i][key + 1:]] if key < len(args[i]) else [*args[i], *filler]
    elif kind == "value":
        out[i] = {**args[i], key: filler}
    else:
        out[i] = {**filler, **args[i]} if not isinstance(filler, Unknown) else PartialDict(args[i], filler)
    return out


def _substitutes(args: list[Any], site: tuple[int, str, Any], data: st.DataObject) -> list[Any]:
    i, kind, key = site
    if kind == "whole":
        original = args[i]
    elif kind in ("element", "value"):
        original = args[i][key]
    elif kind == "spread":
        element = args[i][key] if key < len(args[i]) else (args[i][0] if args[i] else "a")
        original = [element] if key < len(args[i]) else []
        return [original] + [data.draw(st.lists(like(element), max_size=3)) for _ in range(3)]
    else:
        return [{}] + [data.draw(st.dictionaries(st.sampled_from(["a", "e", "f"]), SCALAR | STRS, max_size=2))
                       for _ in range(3)]
    return [original] + [data.draw(like(original)) for _ in range(3)]


@pytest.mark.parametrize("name", sorted(ARGUMENTS))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_an_unknown_never_yields_a_known_part_a_concrete_value_would_change(name: str, data: st.DataObject) -> None:
    args = data.draw(ARGUMENTS[name], label="arguments")
    site = data.draw(st.sampled_from(_sites(args)), label="site") if args else None
    if site is None:
        return
    hole: Any = [SPREAD] if site[1] == "spread" else HOLE
    partial = outcome(name, *_fill(args, site, hole))
    for filler in _substitutes(args, site, data):
        concrete = outcome(name, *_fill(args, site, filler))
        if isinstance(partial, _Error):
            assert isinstance(concrete, _Error), f"rejected with an unknown, but {concrete!r} with {filler!r}"
        elif not isinstance(concrete, _Error):
            assert conforms(partial, concrete, unordered=name in UNORDERED), (
                f"{partial!r} claims more than {concrete!r} (with {filler!r}) confirms")
