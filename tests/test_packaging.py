"""The wheel carries everything the catalog includes, so an installed pacscan (pip, pre-commit)
finds its rules: every include of rules.yaml is matched by a data-files entry."""

from __future__ import annotations

import fnmatch
import tomllib

import yaml

from tests.conftest import REPO


def test_every_catalog_include_ships_in_the_wheel() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    data_files = project["tool"]["setuptools"]["data-files"]
    patterns = [p for globs in data_files.values() for p in globs]
    includes = yaml.safe_load((REPO / "rules.yaml").read_text())["include"]
    missing = [rel for rel in ["rules.yaml", *includes] if not any(fnmatch.fnmatch(rel, p) for p in patterns)]
    assert not missing, f"catalog files not packaged (pyproject [tool.setuptools.data-files]): {missing}"
    for target, globs in data_files.items():
        for pattern in globs:
            folder = pattern.rsplit("/", 1)[0] if "/" in pattern else ""
            assert target == "share/pacscan" + (f"/{folder}" if folder else ""), (target, pattern)


def test_every_report_template_ships_as_package_data() -> None:
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["scanner"]
    templates = sorted((REPO / "scanner" / "render" / "templates").iterdir())
    assert templates
    unpackaged = [p.name for p in templates
                  if not any(fnmatch.fnmatch(p.relative_to(REPO / "scanner").as_posix(), g) for g in globs)]
    assert unpackaged == [], "templates not in pyproject [tool.setuptools.package-data] scanner"
