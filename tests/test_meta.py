"""Meta-tests that keep the catalog honest (no control silently drops out, as in Prowler's maps)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scanner.catalog import load_catalog
from scanner.iac import checkov_run
from scanner.models import Evaluation
from tests.conftest import REPO

TECHNICAL_IDS = [
    "ENC-REST", "ENC-KEYS", "TLS-STORAGE", "TLS-ENDPOINT", "NET-DICOM", "NET-ADMIN", "NET-STORAGE",
    "ACC-PUBLIC", "ACC-UNIFORM", "AUD-TRAIL", "AUD-ACCESS", "AUD-FLOW", "INT-VERSION", "INT-IMMUTABLE",
    "BAK-PLAN", "BAK-VAULT", "RET-LIFECYCLE", "IAM-MFA",
]


def _installed_check_ids() -> set[str]:
    """Every Terraform check id Checkov knows after loading our policies."""
    checkov_run.load_policies()
    import checkov.terraform.checks.graph_checks as graph_pkg
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.module.registry import module_registry
    from checkov.terraform.checks.provider.registry import provider_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    ids: set[str] = set()
    for registry in (resource_registry, data_registry, module_registry, provider_registry):
        for checks in registry.checks.values():
            ids |= {c.id for c in checks}
        for checks in getattr(registry, "wildcard_checks", {}).values():
            ids |= {c.id for c in checks}
    graph_dirs = [Path(graph_pkg.__file__).parent]
    for folder in graph_dirs:
        for path in folder.rglob("*"):
            if path.suffix == ".json":
                ids.add(json.loads(path.read_text())["metadata"]["id"])
            elif path.suffix in (".yaml", ".yml"):
                ids.add(yaml.safe_load(path.read_text())["metadata"]["id"])
    return ids


@pytest.fixture(scope="module")
def installed() -> set[str]:
    return _installed_check_ids()


def test_the_technical_control_ids_evidence_consumers_depend_on(catalog) -> None:  # type: ignore[no-untyped-def]
    automated = [c.id for c in catalog.controls if c.evaluation is Evaluation.AUTOMATED]
    assert automated == TECHNICAL_IDS


@pytest.mark.parametrize("source", ["terraform", "aws", "azure", "gcp"])
def test_every_automated_control_is_judged_by_a_rule_on_each_input(catalog, source: str) -> None:  # type: ignore[no-untyped-def]
    """Every technical control has a rule over a kind the input produces (or, for Terraform, a
    mapped Checkov check): none silently drops out of a scan. Where a provider cannot express a
    control, the gap is listed here on purpose."""
    not_expressible = {
        "azure": {"IAM-MFA"},  # Entra ID MFA is not an azurerm/ARM setting
        "gcp": {"NET-STORAGE", "BAK-VAULT", "IAM-MFA"},  # no bucket firewall, no vault, MFA is Workspace's
    }
    judged = {c for rule in catalog.rules if source in catalog.kinds[rule.resource].produced_by
              and (not rule.inputs or source in rule.inputs) for c in rule.controls}
    if source == "terraform":
        judged |= {c.id for c in catalog.controls if c.terraform_checks}
    automated = {c.id for c in catalog.controls if c.evaluation is Evaluation.AUTOMATED}
    missing = sorted(automated - judged - not_expressible.get(source, set()))
    assert not missing, f"{source}: automated controls no rule judges: {missing}"


def test_every_kind_a_rule_judges_is_produced_by_the_inputs_it_names(catalog) -> None:  # type: ignore[no-untyped-def]
    """A kind's `produced_by` is true: live kinds are named by their collector, Terraform kinds come
    out of the normalisers on the fixtures (a kind nothing produces would judge nothing)."""
    from policies.terraform.normalise import normalise
    from scanner.iac.hcl import load_configuration

    produced: set[str] = set()
    for folder in sorted((REPO / "tests" / "fixtures" / "terraform").glob("*/*")):
        produced |= {r.type for r in normalise(load_configuration(folder))}
    sources = {name: "\n".join(p.read_text() for p in (REPO / "scanner" / "collectors" / name).rglob("*.py"))
               for name in ("aws", "azure", "gcp")}
    for kind in sorted({rule.resource for rule in catalog.rules}):
        schema = catalog.kinds[kind]
        if "terraform" in schema.produced_by:
            assert kind in produced, f"{kind}: no Terraform fixture produces it"
        for provider in set(schema.produced_by) & set(sources):
            assert f'"{kind}"' in sources[provider], f"{kind}: the {provider} collector never names it"


def test_every_referenced_check_id_exists_in_installed_checkov(catalog, installed: set[str]) -> None:  # type: ignore[no-untyped-def]
    missing = sorted(set(catalog.terraform_check_ids()) - installed)
    assert not missing, f"catalog maps check ids Checkov does not have: {missing}"


KNOWN_WRONG = {"CKV_AWS_19", "CKV_AWS_143", "CKV_AZURE_3", "CKV_AZURE_35", "CKV_AWS_133"}


def test_built_ins_known_to_be_wrong_are_not_inherited(catalog) -> None:  # type: ignore[no-untyped-def]
    assert not KNOWN_WRONG & set(catalog.terraform_check_ids())


def test_every_yaml_file_in_the_repo_validates() -> None:
    cat = load_catalog(REPO / "rules.yaml")  # the root and every include, against the schema
    assert cat.controls
    included = set(yaml.safe_load((REPO / "rules.yaml").read_text())["include"])
    on_disk = {str(p.relative_to(REPO)) for p in (REPO / "rules").rglob("*.yaml")}
    assert on_disk <= included, f"rule files the catalog does not include: {sorted(on_disk - included)}"
