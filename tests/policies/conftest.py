"""Shared helpers for the Checkov policy tests: run Checkov for real, in-process, on a fixture folder.

The Azure/GCP tests may import :func:`run_checkov`, :class:`CheckResults` and the path constants
from here. Checkov is imported lazily (once per session, through the ``checkov_scan`` fixture) with
the environment it needs set first.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from policies import parameters

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_ROOT = REPO_ROOT / "tests" / "fixtures" / "terraform"
POLICY_MODULES = REPO_ROOT / "policies" / "terraform"
GRAPH_CHECKS = REPO_ROOT / "policies" / "graph"

os.environ.setdefault("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true")
os.environ.setdefault("CHECKOV_PARALLELIZATION_TYPE", "none")


@dataclass(frozen=True)
class CheckResults:
    """What one check said about a folder: resource addresses that passed / failed, and details."""

    passed: frozenset[str]
    failed: frozenset[str]
    details: dict[str, tuple[str, ...]]


ScanFn = Callable[[Path, Iterable[str]], dict[str, CheckResults]]


def load_policy_modules(prefix: str) -> list[ModuleType]:
    """Import ``policies.terraform.<prefix>*`` modules (importing registers their checks with Checkov)."""
    names = sorted(p.stem for p in POLICY_MODULES.glob(f"{prefix}*.py"))
    return [importlib.import_module(f"policies.terraform.{name}") for name in names]


def run_checkov(folder: Path, check_ids: Iterable[str]) -> dict[str, CheckResults]:
    """Run Checkov's Terraform runner on ``folder`` restricted to ``check_ids``; results per check id."""
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform.runner import Runner

    ids = sorted(set(check_ids))
    report = Runner().run(
        root_folder=str(folder),
        external_checks_dir=[str(GRAPH_CHECKS)],
        runner_filter=RunnerFilter(framework=["terraform"], checks=ids),
    )
    if report.parsing_errors:
        raise AssertionError(f"Checkov could not parse {report.parsing_errors}")
    return {cid: _results_for(cid, report.passed_checks, report.failed_checks) for cid in ids}


def _results_for(check_id: str, passed: list[Any], failed: list[Any]) -> CheckResults:
    def pick(records: list[Any]) -> Iterator[Any]:
        return (r for r in records if r.check_id == check_id)

    details = {r.resource: tuple(r.details or ()) for r in [*pick(passed), *pick(failed)]}
    return CheckResults(
        passed=frozenset(r.resource for r in pick(passed)),
        failed=frozenset(r.resource for r in pick(failed)),
        details=details,
    )


@pytest.fixture(scope="session")
def checkov_scan() -> ScanFn:
    """Checkov imported once, with our AWS Python checks registered."""
    import checkov.terraform.runner  # noqa: F401  (import once for the session)

    load_policy_modules("aws_")
    return run_checkov


@pytest.fixture
def catalog_parameters() -> Iterator[Callable[[dict[str, Any]], None]]:
    """Override catalog parameters for one test, restoring the rules.yaml defaults afterwards."""
    defaults = parameters._defaults()

    def override(values: dict[str, Any]) -> None:
        parameters.configure({**defaults, **values})

    parameters.configure(defaults)
    yield override
    parameters.configure(defaults)


@dataclass(frozen=True)
class Expect:
    """The exact resource addresses one check must fail and pass in a fixture folder."""

    failed: set[str]
    passed: set[str]


def load_mapping(path: Path) -> dict[str, Any]:
    """A ``rules/terraform-<provider>.yaml`` mapping file as a document."""
    import yaml

    with path.open(encoding="utf-8") as fh:
        document: dict[str, Any] = yaml.safe_load(fh)
    return document


def assert_terraform_section_valid(terraform: dict[str, Any]) -> None:
    """The ``terraform`` section validates against the catalog schema's ``terraform`` definition."""
    import json

    import jsonschema

    with (REPO_ROOT / "scanner" / "schemas" / "catalog.schema.json").open(encoding="utf-8") as fh:
        schema = json.load(fh)
    jsonschema.validate(terraform, {**schema["$defs"]["terraform"], "$defs": schema["$defs"]})


def assert_mapping_matches_fixtures(checks: dict[str, Any], expected: dict[str, dict[str, Expect]],
                                    fixtures: Path) -> None:
    """Every mapped check has expectations (and no more), and every control has a fixture folder."""
    assert {c: sorted(ids) for c, ids in checks.items()} == {c: sorted(e) for c, e in expected.items()}
    for control in checks:
        assert any((fixtures / control).glob("*.tf")), control


def assert_no_pass_named_resource_fails(expected: dict[str, dict[str, Expect]]) -> None:
    """No check is expected to fail a ``pass_`` resource."""
    for control, checks in expected.items():
        failed = set().union(*(e.failed for e in checks.values()))
        assert not [a for a in failed if a.split(".")[-1].startswith("pass_")], control
