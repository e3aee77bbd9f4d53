"""Meta-tests of the collectors' read tables (``scanner/collectors/<provider>/reads.py``): every fact a
live rule reads has a call that produces it, every entry names a declared fact of a kind the provider
produces, and every AWS operation is allowed by the shipped read-only policy."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from scanner.catalog import load_catalog
from scanner.collectors.aws.collector import FAMILIES, FAMILY_KINDS
from scanner.collectors.aws.iam_actions import required_actions, uncovered
from scanner.collectors.aws.reads import READS as AWS_READS
from scanner.collectors.azure.reads import READS as AZURE_READS
from scanner.collectors.gcp.credentials import PERMISSIONS
from scanner.collectors.gcp.reads import READS as GCP_READS
from scanner.collectors.planned import Read
from scanner.engine.plan import covers
from tests.conftest import REPO

TABLES: Mapping[str, Mapping[str, Mapping[str, Read]]] = {"aws": AWS_READS, "azure": AZURE_READS, "gcp": GCP_READS}


@pytest.mark.parametrize("provider", sorted(TABLES))
def test_every_fact_a_live_rule_reads_has_a_producing_call(provider: str) -> None:
    catalog = load_catalog()
    table = TABLES[provider]
    missing = []
    for rule in catalog.rules_for(provider):
        if provider not in catalog.kinds[rule.resource].produced_by or (rule.inputs and provider not in rule.inputs):
            continue
        for key in rule.reads():
            if not any(covers(path, key) for path in table.get(rule.resource, {})):
                missing.append(f"{rule.id}: {rule.resource} {key}")
    assert missing == []


@pytest.mark.parametrize("provider", sorted(TABLES))
def test_the_table_names_declared_facts_of_every_kind_the_provider_produces(provider: str) -> None:
    catalog = load_catalog()
    table = TABLES[provider]
    produced = {kind for kind, schema in catalog.kinds.items() if provider in schema.produced_by}
    assert set(table) == produced
    undeclared = [f"{kind} {path}" for kind, reads in table.items() for path in reads
                  if not catalog.kinds[kind].declares(path)]
    assert undeclared == []
    for reads in table.values():  # what a fact is read after comes before it
        order = list(reads)
        assert all(order.index(dep) < order.index(path) for path, read in reads.items() for dep in read.after)


def test_every_aws_operation_in_the_table_is_allowed_by_the_readonly_policy() -> None:
    policy = json.loads((REPO / "policies" / "iam" / "pacscan-aws-readonly.json").read_text())
    operations = {op for reads in AWS_READS.values() for read in reads.values() for op in read.operations}
    assert uncovered(required_actions(operations), policy) == set()


def test_every_gcp_operation_in_the_table_is_a_known_permission() -> None:
    operations = {op for reads in GCP_READS.values() for read in reads.values() for op in read.operations}
    assert operations <= set(PERMISSIONS)


def test_every_aws_family_says_which_kinds_it_produces() -> None:
    assert [label for label, _ in FAMILIES] == list(FAMILY_KINDS)
    assert {kind for kinds in FAMILY_KINDS.values() for kind in kinds} == set(AWS_READS)
