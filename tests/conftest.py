"""Shared fixtures: the real catalog, and pacscan's Terraform scan run in-process."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests run the same examples every time in CI (derandomized, no example database), so a
# run is reproducible; HYPOTHESIS_PROFILE=explore searches with fresh randomness and should be run
# when the evaluator, the engine or the normalisers change.
_QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True,
                          suppress_health_check=_QUIET)
settings.register_profile("explore", deadline=None, suppress_health_check=_QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

os.environ.setdefault("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true")
os.environ.setdefault("CHECKOV_PARALLELIZATION_TYPE", "none")
# every evidence document a test produces is validated against the shipped schema
os.environ["PACSCAN_VALIDATE_EVIDENCE"] = "1"
# the validation cache (scanner.vcache) of this run only: never the user's ~/.cache
os.environ["PACSCAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="pacscan-test-cache-")

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def catalog():  # type: ignore[no-untyped-def]
    from scanner.catalog import load_catalog

    return load_catalog(REPO / "rules.yaml")


@pytest.fixture(scope="session")
def scan_tf(catalog) -> Callable[..., list]:  # type: ignore[no-untyped-def]
    """Run the Terraform scan on folders / plans with the catalog defaults (or overrides)."""
    from scanner.iac import scan_terraform

    def run(*targets: Path, plans: tuple[Path, ...] = (), **overrides: object) -> list:  # type: ignore[type-arg]
        parameters = {**catalog.defaults(), **overrides}
        return scan_terraform(catalog, parameters, list(targets), list(plans)).findings

    return run


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
