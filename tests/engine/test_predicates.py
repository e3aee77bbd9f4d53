"""The predicate language: every operator, combinators, items, parameters (pure), on known facts.
Unknown values are in test_unknowns.py."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.engine.predicates import LEAF_OPS, OPS, PredicateError, evaluate, is_world, keys
from scanner.facts.values import Unknown

PARAMS = {"dicom_ports": [104, 11112, 4242], "min_tls_version": "1.2", "min_retention_days": 2190}
FACTS: dict[str, Any] = {
    "versioning": {"status": "Enabled", "mfa_delete": None},
    "tls": "TLSv1.2",
    "retention_days": 3650,
    "name": "pacs-images-prod",
    "tags": ["phi", "pacs"],
    "ingress": [
        {"protocol": "tcp", "ports": {"from": 443, "to": 443}, "sources": ["0.0.0.0/0"]},
        {"protocol": "tcp", "ports": {"from": 100, "to": 200}, "sources": ["10.0.0.0/8"]},
    ],
}

CASES = [
    ({"key": "versioning.status", "op": "eq", "value": "Enabled"}, True),
    ({"key": "versioning.status", "op": "ne", "value": "Enabled"}, False),
    ({"key": "versioning.status", "op": "in", "value": ["Enabled", "Suspended"]}, True),
    ({"key": "versioning.status", "op": "not-in", "value": ["Suspended"]}, True),
    ({"key": "versioning.mfa_delete", "op": "absent"}, True),
    ({"key": "versioning.mfa_delete", "op": "present"}, False),
    ({"key": "versioning.nothing", "op": "absent"}, None),  # a fact nobody collected is unknown
    ({"key": "retention_days", "op": "gt", "value": 3650}, False),
    ({"key": "retention_days", "op": "ge", "value": {"param": "min_retention_days"}}, True),
    ({"key": "retention_days", "op": "lt", "value": 10}, False),
    ({"key": "retention_days", "op": "le", "value": 3650}, True),
    ({"key": "versioning.mfa_delete", "op": "ge", "value": 1}, False),  # not configured is not >= 1
    ({"key": "nothing", "op": "ge", "value": 1}, None),
    ({"key": "tags", "op": "contains", "value": "phi"}, True),
    ({"key": "name", "op": "regex", "value": "^pacs-"}, True),
    ({"key": "tls", "op": "version-ge", "value": {"param": "min_tls_version"}}, True),
    ({"key": "tls", "op": "version-ge", "value": "1.3"}, False),
    ({"key": "ingress.0.sources", "op": "cidr-overlaps-world"}, True),
    ({"key": "ingress.1.sources", "op": "cidr-overlaps-world"}, False),
    ({"key": "ingress.1.sources", "op": "cidr-overlaps-world", "value": False}, True),
    ({"key": "ingress.1.ports", "op": "port-in-range", "value": {"param": "dicom_ports"}}, True),
    ({"key": "ingress.0.ports", "op": "port-in-range", "value": {"param": "dicom_ports"}}, False),
    # a world-open 443 rule does not taint the private DICOM rule: judged per item
    ({"key": "ingress", "op": "no-item", "value": {"all": [
        {"key": "sources", "op": "cidr-overlaps-world"},
        {"key": "ports", "op": "port-in-range", "value": {"param": "dicom_ports"}}]}}, True),
    ({"key": "ingress", "op": "any-item", "value": {"key": "protocol", "op": "eq", "value": "tcp"}}, True),
    ({"key": "ingress", "op": "all-items", "value": {"key": "sources", "op": "cidr-overlaps-world"}}, False),
    ({"key": "versioning.mfa_delete", "op": "all-items", "value": {"key": "x", "op": "present"}}, True),
    ({"key": "missing_list", "op": "all-items", "value": {"key": "x", "op": "present"}}, None),
    ({"all": [{"key": "tls", "op": "present"}, {"key": "name", "op": "regex", "value": "prod$"}]}, True),
    ({"any": [{"key": "tls", "op": "absent"}, {"key": "name", "op": "eq", "value": "x"}]}, False),
    ({"not": {"key": "tls", "op": "absent"}}, True),
]


@pytest.mark.parametrize(("predicate", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_operator_cases(predicate: dict[str, Any], expected: bool | None) -> None:
    got = evaluate(predicate, FACTS, PARAMS)
    if expected is None:
        assert isinstance(got, Unknown), got
    else:
        assert got is expected


def test_every_operator_has_a_case() -> None:
    used: set[str] = set()

    def walk(p: Any) -> None:
        if isinstance(p, dict):
            if "op" in p:
                used.add(p["op"])
            for v in p.values():
                walk(v)
        elif isinstance(p, list):
            for v in p:
                walk(v)

    walk([c for c, _ in CASES])
    assert used == set(OPS)


@pytest.mark.parametrize(("source", "world"), [
    ("0.0.0.0/0", True), ("::/0", True), ("Internet", True), ("*", True), ("Any", True), ("0.0.0.0/1", False),
    ("10.0.0.0/8", False), ("192.168.1.0/24", False), ("2001:db8::/32", False), ("sg-123", False), ("", False),
])
def test_world_sources(source: str, world: bool) -> None:
    assert is_world(source) is world


@pytest.mark.parametrize(("ports", "hit"), [
    ({"from": 100, "to": 200}, True), ({"from": 11112, "to": 11112}, True), ("all", True),
    ({"from": 443, "to": 443}, False), (None, False), (104, True),
    ({"from": None, "to": None}, None), ({"from": 200, "to": 100}, None),  # not a range; reversed
])
def test_port_ranges(ports: Any, hit: bool | None) -> None:
    got = LEAF_OPS["port-in-range"](ports, [104, 11112])
    assert isinstance(got, Unknown) if hit is None else got is hit


def test_keys_lists_every_fact_read() -> None:
    predicate = {"all": [{"key": "a.b", "op": "present"},
                         {"key": "ingress", "op": "no-item", "value": {"key": "ports", "op": "port-in-range",
                                                                       "value": [104]}}]}
    assert list(keys(predicate)) == ["a.b", "ingress", "ingress[].ports"]


def test_bad_predicates_raise_a_typed_error() -> None:
    with pytest.raises(PredicateError):
        evaluate({"key": "name", "op": "regex", "value": "("}, FACTS, PARAMS)
    with pytest.raises(PredicateError):
        evaluate({"key": "name", "op": "eq", "value": {"param": "nope"}}, FACTS, PARAMS)
    with pytest.raises(PredicateError):
        evaluate({"key": "name", "op": "in", "value": "pacs"}, FACTS, PARAMS)
