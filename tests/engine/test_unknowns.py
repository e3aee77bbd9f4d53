"""Three values: an unknown never reads as false, empty or "not open"; Kleene logic decides only what
every possible value would decide."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.engine.predicates import covers_world, evaluate
from scanner.facts.logic import all_of, any_of, negate
from scanner.facts.values import PartialDict, Unknown

U = Unknown("var.cidrs has no value")
SPREAD = Unknown("var.extra has no value", spread=True)
PARAMS = {"dicom_ports": [104, 11112], "min_retention_days": 2190}


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


@pytest.mark.parametrize(("parts", "all_", "any_"), [
    ([True, True], True, True),
    ([True, False], False, True),
    ([True, U], U, True),
    ([False, U], False, U),
    ([U, U], U, U),
])
def test_kleene_tables(parts: list[Any], all_: Any, any_: Any) -> None:
    assert all_of(parts) == all_ and any_of(parts) == any_
    assert negate(U) is U and negate(True) is False


def test_an_unknown_has_no_truth_value() -> None:
    with pytest.raises(TypeError):
        bool(U)


@pytest.mark.parametrize("op", ["eq", "ne", "in", "not-in", "gt", "ge", "lt", "le", "regex", "version-ge",
                                "port-in-range", "cidr-overlaps-world", "contains", "absent", "present"])
def test_every_leaf_operator_is_unknown_on_an_unknown_value(op: str) -> None:
    value: Any = {"in": ["a"], "not-in": ["a"], "port-in-range": [104], "version-ge": "1.2", "regex": "x"}.get(op, 1)
    assert is_unknown(evaluate({"key": "x", "op": op, "value": value}, {"x": U}, PARAMS))


@pytest.mark.parametrize("op", ["any-item", "all-items", "no-item"])
def test_every_item_operator_is_unknown_on_an_unknown_list(op: str) -> None:
    predicate = {"key": "rules", "op": op, "value": {"key": "open", "op": "eq", "value": True}}
    assert is_unknown(evaluate(predicate, {"rules": U}, PARAMS))


def test_a_missing_fact_is_unknown_not_absent() -> None:
    assert is_unknown(evaluate({"key": "versioning.status", "op": "absent"}, {}, PARAMS))
    assert is_unknown(evaluate({"key": "versioning.status", "op": "ne", "value": "Enabled"}, {}, PARAMS))


def test_not_configured_is_known() -> None:
    assert evaluate({"key": "versioning.status", "op": "absent"}, {"versioning": None}, PARAMS) is True


# --- the world: CIDR unions, unknown sources ------------------------------------------------------


@pytest.mark.parametrize(("sources", "expected"), [
    (["0.0.0.0/1", "128.0.0.0/1"], True),  # two halves make the world
    (["::/1", "8000::/1"], True),
    (["0.0.0.0/1"], False),
    (["0.0.0.0/1", "10.0.0.0/8"], False),
    ([U, "10.0.0.0/8"], U),  # an unseen source may be the world
    ([U, "0.0.0.0/0"], True),  # a known world source decides
    ([SPREAD, "0.0.0.0/1", "128.0.0.0/1"], True),
    ([], False),
])
def test_covers_world(sources: list[Any], expected: Any) -> None:
    got = covers_world(sources)
    assert is_unknown(got) if is_unknown(expected) else got is expected


def test_ingress_rules_with_unknown_parts() -> None:
    no_open_dicom = {"key": "ingress", "op": "no-item", "value": {"all": [
        {"key": "sources", "op": "cidr-overlaps-world"},
        {"key": "ports", "op": "port-in-range", "value": {"param": "dicom_ports"}}]}}
    world_104 = {"sources": ["0.0.0.0/0"], "ports": {"from": 104, "to": 104}}
    private_104 = {"sources": ["10.0.0.0/8"], "ports": {"from": 104, "to": 104}}
    world_unknown_port = {"sources": ["0.0.0.0/0"], "ports": U}
    unknown_sources_443 = {"sources": U, "ports": {"from": 443, "to": 443}}
    assert evaluate(no_open_dicom, {"ingress": [private_104, world_104, U]}, PARAMS) is False
    assert is_unknown(evaluate(no_open_dicom, {"ingress": [private_104, U]}, PARAMS))
    assert is_unknown(evaluate(no_open_dicom, {"ingress": [world_unknown_port]}, PARAMS))
    assert evaluate(no_open_dicom, {"ingress": [unknown_sources_443]}, PARAMS) is True  # 443 decides
    assert is_unknown(evaluate(no_open_dicom, {"ingress": [private_104, SPREAD]}, PARAMS))
    reversed_range = {"sources": ["0.0.0.0/0"], "ports": {"from": 200, "to": 100}}
    assert is_unknown(evaluate(no_open_dicom, {"ingress": [reversed_range]}, PARAMS))


def test_candidates_decide_when_they_agree() -> None:
    both_open = Unknown("var.public is unknown", candidates=(["0.0.0.0/0"], ["0.0.0.0/0", "::/0"]))
    one_open = Unknown("var.public is unknown", candidates=(["0.0.0.0/0"], ["10.0.0.0/8"]))
    world = {"key": "sources", "op": "cidr-overlaps-world"}
    assert evaluate(world, {"sources": both_open}, PARAMS) is True
    assert is_unknown(evaluate(world, {"sources": one_open}, PARAMS))
    nested = Unknown("var.x", candidates=({"status": "Enabled"}, {"status": "Enabled"}))
    assert evaluate({"key": "versioning.status", "op": "eq", "value": "Enabled"}, {"versioning": nested}, {}) is True


def test_spread_and_partial_collections() -> None:
    assert is_unknown(evaluate({"key": "xs", "op": "absent"}, {"xs": [SPREAD]}, {}))
    assert evaluate({"key": "xs", "op": "present"}, {"xs": [SPREAD, "a"]}, {}) is True
    assert evaluate({"key": "xs", "op": "present"}, {"xs": [U]}, {}) is True  # exactly one unseen element
    assert evaluate({"key": "xs", "op": "contains", "value": "a"}, {"xs": [SPREAD, "a"]}, {}) is True
    assert is_unknown(evaluate({"key": "xs", "op": "contains", "value": "b"}, {"xs": [SPREAD, "a"]}, {}))
    tags = PartialDict({"team": "pacs"}, Unknown("var.tags has no value"))
    assert evaluate({"key": "tags.team", "op": "eq", "value": "pacs"}, {"tags": tags}, {}) is True
    assert is_unknown(evaluate({"key": "tags.owner", "op": "eq", "value": "x"}, {"tags": tags}, {}))


def test_an_error_unknown_explains_a_result_before_a_plain_one() -> None:
    denied = Unknown("AccessDenied", error=True)
    got = all_of([U, denied])
    assert isinstance(got, Unknown) and got.error
