"""What made a rule fail, and its digest: stable under what does not matter, changed by what does."""

from __future__ import annotations

from typing import Any

from scanner.engine.witness import digest, failed_parts, named_parts
from scanner.facts.values import Unknown

PARAMS = {"admin_ports": [22, 3389]}
OPEN_ADMIN = {"key": "ingress", "op": "no-item", "value": {"all": [
    {"key": "sources", "op": "cidr-overlaps-world", "value": True},
    {"key": "ports", "op": "port-in-range", "value": {"param": "admin_ports"}}]}}


def rule(port: int, description: str = "", cidr: str = "0.0.0.0/0") -> dict[str, Any]:
    return {"sources": [cidr], "ports": {"from": port, "to": port}, "protocol": "tcp", "description": description}


def of(*rules: dict[str, Any]) -> str:
    return digest(failed_parts(OPEN_ADMIN, {"ingress": list(rules)}, PARAMS))


def test_only_the_offending_items_and_only_the_keys_the_rule_reads() -> None:
    facts = {"ingress": [rule(22, "ssh"), rule(443, "web"), rule(3389, "rdp", "10.0.0.0/8")]}
    assert failed_parts(OPEN_ADMIN, facts, PARAMS) == [
        ("ingress[]", {"ports": {"from": 22, "to": 22}, "sources": ["0.0.0.0/0"]})]


def test_digest_ignores_descriptions_order_and_harmless_rules() -> None:
    base = of(rule(22, "ssh"))
    assert of(rule(22, "jump host")) == base
    assert of(rule(443), rule(22)) == base
    assert of(rule(22), rule(8080, cidr="10.0.0.0/8")) == base


def test_digest_changes_with_a_new_exposure() -> None:
    assert of(rule(22), rule(3389)) != of(rule(22))
    assert of(rule(3389)) != of(rule(22))


def test_leaves_and_combinators() -> None:
    check = {"all": [{"key": "versioning.status", "op": "eq", "value": "Enabled"},
                     {"not": {"key": "public", "op": "eq", "value": True}},
                     {"any": [{"key": "a", "op": "eq", "value": 1}, {"key": "b", "op": "eq", "value": 1}]}]}
    facts = {"versioning": {"status": "Suspended"}, "public": True, "a": 0, "b": 0}
    assert failed_parts(check, facts, {}) == [("versioning.status", "Suspended"), ("public", True), ("a", 0),
                                              ("b", 0)]


def test_unknowns_count_without_their_reasons_and_named_keys_override() -> None:
    one = named_parts(["versioning"], {"versioning": Unknown("known after apply", "main.tf:3")})
    two = named_parts(["versioning"], {"versioning": Unknown("known after apply", "main.tf:9")})
    assert one == two == [("versioning", "unknown")]
