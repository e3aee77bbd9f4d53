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
