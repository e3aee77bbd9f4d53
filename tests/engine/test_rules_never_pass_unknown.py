"""Meta-test over the whole catalog: for every rule and every fact it reads, an unknown value never
yields a verdict some possible value would contradict.

For random facts shaped by the kind's fact schema (with the literals and parameters the rule
compares against, so verdicts go both ways), the verdict with one value replaced by an unknown
must be ``unknown``/``error``, or what the known value gives: never ``pass`` where the value gives
``fail``, never ``fail`` where it gives ``pass``. Hypothesis varies the facts and which value is
hidden. A rule that judged an unknown value as false, empty or "not open" fails here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.catalog import Catalog, load_catalog
from scanner.engine.evaluate import judge
from scanner.engine.rules import Rule
from scanner.facts.resource import Resource
from scanner.facts.schema import KindSchema
from scanner.facts.values import Unknown
from scanner.models import Status

HIDDEN = Unknown("hidden by the test")
#: markers: the key is compared as network sources / as a port range, whatever its declared type
_AS_CIDR, _AS_PORTS = object(), object()


@cache
def catalog() -> Catalog:
    return load_catalog()


def _literals(predicate: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(key, compared value) for every leaf of a predicate."""
    if not isinstance(predicate, Mapping):
        return
    for combinator in ("all", "any"):
        for part in predicate.get(combinator, ()):
            yield from _literals(part, prefix)
    if "not" in predicate:
        yield from _literals(predicate["not"], prefix)
    if "key" in predicate:
        key = prefix + predicate["key"]
        if predicate.get("op") in ("any-item", "all-items", "no-item"):
            yield from _literals(predicate["value"], key + "[].")
        elif predicate.get("op") == "cidr-overlaps-world":
            yield key, _AS_CIDR
        elif predicate.get("op") == "port-in-range":
            yield key, _AS_PORTS
            yield from ((key, v) for v in _param(predicate["value"]))
        elif "value" in predicate:
            value = predicate["value"]
            if isinstance(value, Mapping) and "param" in value:
                value = catalog().defaults()[value["param"]]
            for item in value if isinstance(value, list) else [value]:
                yield key, item


def _param(value: Any) -> list[Any]:
    if isinstance(value, Mapping) and "param" in value:
        value = catalog().defaults()[value["param"]]
    return value if isinstance(value, list) else [value]


def _scalar(spec_type: str, seen: list[Any]) -> st.SearchStrategy[Any]:
    if _AS_CIDR in seen:
        spec_type = "cidr"
    elif _AS_PORTS in seen:
        spec_type = "port_range"
    seen = [v for v in seen if v is not _AS_CIDR and v is not _AS_PORTS]
    numbers = [v for v in seen if isinstance(v, int | float) and not isinstance(v, bool)]
    base: dict[str, st.SearchStrategy[Any]] = {
        "bool": st.booleans(),
        "int": st.sampled_from([0, 1, 7, 35, 90, 365, 2190, 3650, *numbers]) | st.integers(0, 9000),
        "number": st.sampled_from([0, 1.5, 35, 2190, 7776000, *numbers]),
        "cidr": st.sampled_from(["0.0.0.0/0", "::/0", "10.0.0.0/8", "0.0.0.0/1", "128.0.0.0/1", "192.0.2.7"]),
        "network_source": st.sampled_from(["*", "Internet", "VirtualNetwork", "10.0.0.0/8", "0.0.0.0/0"]),
        "port": st.sampled_from([22, 104, 443, 3389, 11112]),
        "port_range": st.sampled_from(["all", {"from": 22, "to": 22}, {"from": 100, "to": 200},
                                       {"from": 443, "to": 443}, {"from": 0, "to": 65535},
                                       {"from": 11112, "to": 11112}]),
        "protocol": st.sampled_from(["tcp", "udp", "all", "Tcp", "*", "6", "icmp"]),
        "version": st.sampled_from(["1.0", "1.2", "1.3", "TLSv1.1", "TLS1_2", "TLS_1_3"]),
        "aws_key_id": st.sampled_from(["alias/aws/s3", "alias/pacs", "arn:aws:kms:us-east-1:111122223333:key/"
                                       "0b5f0c8e-6a2f-4c3e-9e6a-1f2e3d4c5b6a"]),
        "arn": st.sampled_from(["arn:aws:s3:::pacs", "arn:aws:backup:us-east-1:111122223333:backup-vault:v"]),
    }
    strings = [v for v in seen if isinstance(v, str)] or ["x"]
    if spec_type in ("string", "any", "map"):
        return st.sampled_from([*strings, "other"])
    return base.get(spec_type, st.sampled_from(strings))


def _value(schema: KindSchema, path: str, hints: Mapping[str, list[Any]], depth: int = 0) -> st.SearchStrategy[Any]:
    spec = schema.facts[path]
    children = [k for k in schema.facts if k.startswith(path + ".") and "." not in k[len(path) + 1:]
                and "[" not in k[len(path) + 1:]]
    item = f"{path}[]"
    if spec.type == "list" and depth < 3:
        if item in schema.facts:
            element = _value(schema, item, {**hints, item: [*hints.get(item, []), *hints.get(path, [])]}, depth + 1)
        else:
            element = st.sampled_from([*hints.get(item, []), *hints.get(path, []), "x"])
        strategy: st.SearchStrategy[Any] = st.lists(element, max_size=3)
    elif spec.type == "object" and children:
        strategy = st.fixed_dictionaries({c.rsplit(".", 1)[1]: _value(schema, c, hints, depth + 1) for c in children})
    elif spec.type in ("object", "map"):
        strategy = st.just({})
    else:
        strategy = _scalar(spec.type, hints.get(path, []))
    return st.none() | strategy if spec.null else strategy


def _facts(rule: Rule) -> st.SearchStrategy[dict[str, Any]]:
    schema = catalog().kinds[rule.resource]
    hints: dict[str, list[Any]] = {}
    for predicate in (rule.when, rule.check):
        for key, value in _literals(predicate):
            hints.setdefault(key, []).append(value)
    roots = sorted({key.split(".", 1)[0].split("[", 1)[0] for key in rule.reads()})
    return st.fixed_dictionaries({root: _value(schema, root, hints) for root in roots})


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _hide(value: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return HIDDEN
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _hide(value[head], rest)}
    return [_hide(item, rest) if index == head else item for index, item in enumerate(value)]


def _verdict(rule: Rule, facts: dict[str, Any]) -> Status:
    # the input producing the kind: the provider itself for clouds, e.g. dicom-probe for dicom.endpoint
    source = catalog().kinds[rule.resource].produced_by[-1]
    resource = Resource(provider=rule.provider, type=rule.resource, id="r", name="r", facts=facts, source=source)
    found = judge(catalog(), catalog().defaults(), [resource], rules=[rule])
    return found[0].status


_SOUND = {
    Status.PASS: {Status.PASS, Status.NOT_APPLICABLE},
    Status.FAIL: {Status.FAIL},
    Status.NOT_APPLICABLE: {Status.NOT_APPLICABLE},
}


@pytest.mark.parametrize("rule", catalog().rules, ids=lambda r: r.id)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hiding_a_value_never_gives_a_verdict_the_value_contradicts(rule: Rule, data: st.DataObject) -> None:
    facts = data.draw(_facts(rule), label="facts")
    known = _verdict(rule, facts)
    for path in _paths(facts):
        if not path:
            continue
        hidden = _verdict(rule, _hide(facts, path))
        if hidden in _SOUND:
            assert known in _SOUND[hidden], f"{rule.id}: hiding {path} gives {hidden.value}, the value {known.value}"


@pytest.mark.parametrize("rule", catalog().rules, ids=lambda r: r.id)
def test_with_every_fact_unknown_no_rule_passes(rule: Rule) -> None:
    """A rule that reads nothing it can see says unknown (a by-design rule passes on provider
    guarantees, so it too must not pass blind)."""
    roots = {key.split(".", 1)[0].split("[", 1)[0] for key in rule.reads()}
    assert _verdict(rule, dict.fromkeys(roots, HIDDEN)) is Status.UNKNOWN
