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
    graph_dirs = [Path(graph_pkg.__file__).parent, checkov_run.policies_dir() / "graph"]
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


def test_every_control_is_mapped_to_a_check_or_attested(catalog) -> None:  # type: ignore[no-untyped-def]
    from scanner.iac.judge import terraform_controls
    from scanner.models import Source

    judged = {c.id for c in terraform_controls(catalog, Source.TERRAFORM)}
    unmapped = [c.id for c in catalog.controls if c.evaluation is Evaluation.AUTOMATED and c.id not in judged]
    assert not unmapped, f"automated controls with no Terraform rule or check: {unmapped}"


def test_every_referenced_check_id_exists_in_installed_checkov(catalog, installed: set[str]) -> None:  # type: ignore[no-untyped-def]
    missing = sorted(set(catalog.terraform_check_ids()) - installed)
    assert not missing, f"catalog maps check ids Checkov does not have: {missing}"


def test_every_policy_of_ours_is_mapped(catalog, installed: set[str]) -> None:  # type: ignore[no-untyped-def]
    ours = {i for i in installed if i.startswith("PACS_")}
    assert ours, "no pacscan policies were loaded"
    orphans = sorted(ours - set(catalog.terraform_check_ids()))
    assert not orphans, f"policies no control maps (dead checks): {orphans}"


KNOWN_WRONG = {"CKV_AWS_19", "CKV_AWS_143", "CKV_AZURE_3", "CKV_AZURE_35", "CKV_AWS_133"}


def test_built_ins_known_to_be_wrong_are_not_inherited(catalog) -> None:  # type: ignore[no-untyped-def]
    assert not KNOWN_WRONG & set(catalog.terraform_check_ids())


def test_every_yaml_file_in_the_repo_validates() -> None:
    cat = load_catalog(REPO / "rules.yaml")  # the root and every include, against the schema
    assert cat.controls
    included = set(yaml.safe_load((REPO / "rules.yaml").read_text())["include"])
    on_disk = {str(p.relative_to(REPO)) for p in (REPO / "rules").rglob("*.yaml")}
    assert on_disk <= included, f"rule files the catalog does not include: {sorted(on_disk - included)}"
    for path in (REPO / "policies" / "graph").glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        assert {"metadata", "definition"} <= set(data), path
        assert data["metadata"]["id"].startswith("PACS_"), path


def test_parameters_flow_into_policies(catalog) -> None:  # type: ignore[no-untyped-def]
    import policies.parameters

    policies.parameters.configure({**catalog.defaults(), "dicom_ports": [5555]})
    try:
        assert policies.parameters.ports("dicom_ports") == frozenset({5555})
    finally:
        policies.parameters.configure(catalog.defaults())
