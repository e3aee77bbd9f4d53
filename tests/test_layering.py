"""Imports go one way: inputs -> facts -> engine -> findings -> reports.

Read from the source (every import statement, deferred ones included): facts import nothing above
them; the engine judges facts and knows no input; the Terraform normalisers and the collectors are
inputs and do not know each other, the engine's judge or the renderers; renderers only render. And
no import cycle is closed at import time."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

#: package -> packages it must never import (prefix match on dotted names)
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "scanner.facts": ("scanner.engine", "scanner.collectors", "scanner.iac", "policies", "scanner.render",
                      "scanner.evidence", "scanner.scan", "scanner.cli", "scanner.msp"),
    "scanner.engine": ("scanner.collectors", "scanner.iac", "policies", "scanner.render", "scanner.evidence",
                       "scanner.scan", "scanner.cli", "scanner.msp"),
    "policies": ("scanner.collectors", "scanner.engine", "scanner.render", "scanner.scan", "scanner.cli",
                 "scanner.msp"),
    "scanner.collectors": ("scanner.iac", "policies", "scanner.render", "scanner.scan", "scanner.cli",
                           "scanner.msp"),
    "scanner.iac": ("scanner.collectors", "scanner.render", "scanner.scan", "scanner.cli", "scanner.msp"),
    "scanner.render": ("scanner.collectors", "scanner.iac", "policies", "scanner.engine", "scanner.scan",
                       "scanner.cli", "scanner.msp"),
}


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in ("scanner", "policies"):
        for path in (REPO / package).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, *, top_level: bool) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from a.b import c`: the module a.b.c when there is one, else what a.b defines
            yield from (f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module
                        for alias in node.names)


MODULES = _modules()


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_go_one_way(package: str) -> None:
    wrong = sorted({f"{module} imports {name}" for module, path in MODULES.items() if _within(module, package)
                    for name in _imports(path, top_level=False)
                    for banned in FORBIDDEN[package] if _within(name, banned)})
    assert not wrong, "\n".join(wrong)


def _owner(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def test_no_import_cycle_at_import_time() -> None:
    # a module's own packages are initialised before it whatever it imports: not an edge of a cycle
    graph = {module: {owner for name in _imports(path, top_level=True)
                      if (owner := _owner(name)) is not None and not _within(module, owner)}
             for module, path in MODULES.items()}
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module)
            assert cycle is None, " -> ".join(cycle)
