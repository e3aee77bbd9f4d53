"""Import only the built-in Checkov checks the catalog maps, not all ~1,000 of them.

Importing ``checkov.terraform`` imports every built-in resource check module (about 0.75 s,
most of Checkov's start-up), although a pacscan scan runs a dozen of them. Before Checkov is
first imported, the provider check packages are registered as empty packages (their real
``__path__`` kept, so single modules still import), and the modules defining the mapped ids are
imported by name. An id not found that way makes everything load the ordinary way: a mapped
check is never silently missing.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import re
import sys
import types
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("pacscan.iac")

_RESOURCE_PACKAGE = "checkov.terraform.checks.resource"
_ID = re.compile(r"""\bid\s*=\s*["']([A-Z][A-Z0-9_]+)["']""")
_state: dict[str, bool] = {"stubbed": False}


def _checks_root() -> Path | None:
    spec = importlib.util.find_spec("checkov")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "terraform" / "checks" / "resource"


def stub_provider_packages() -> bool:
    """Register the provider check packages as empty; False when Checkov is already imported."""
    if _state["stubbed"]:
        return True
    if "checkov.terraform" in sys.modules:
        return False
    root = _checks_root()
    if root is None:
        return False
    for folder in sorted(p for p in root.iterdir() if (p / "__init__.py").is_file()):
        name = f"{_RESOURCE_PACKAGE}.{folder.name}"
        package = types.ModuleType(name, "provider checks: imported one by one by pacscan")
        package.__path__ = [str(folder)]
        package.__all__ = []  # type: ignore[attr-defined]
        package.__file__ = str(folder / "__init__.py")
        sys.modules[name] = package
    _state["stubbed"] = True
    return True


def load(check_ids: Iterable[str]) -> None:
    """Make sure every built-in Python check among ``check_ids`` is registered."""
    wanted = {c for c in check_ids if c.startswith("CKV")}
    root = _checks_root()
    if not wanted or root is None or not _state["stubbed"]:
        return
    found: set[str] = set()
    for path in sorted(root.glob("*/*.py")):
        if path.name == "__init__.py":
            continue
        ids = set(_ID.findall(path.read_text(encoding="utf-8", errors="replace"))) & wanted
        if ids:
            importlib.import_module(f"{_RESOURCE_PACKAGE}.{path.parent.name}.{path.stem}")
            found |= ids
    graph_ids = _graph_ids(root.parent / "graph_checks")
    missing = wanted - found - graph_ids
    if missing:
        log.debug("built-in checks %s not found by id; loading every check", sorted(missing))
        load_all()


_GRAPH_ID = re.compile(r'"id":\s*"([A-Z][A-Z0-9_]+)"|\bid:\s*([A-Z][A-Z0-9_]+)')


def _graph_ids(folder: Path) -> set[str]:
    ids: set[str] = set()
    for path in folder.rglob("*"):
        if path.suffix in (".json", ".yaml", ".yml"):
            for quoted, bare in _GRAPH_ID.findall(path.read_text(encoding="utf-8", errors="replace")):
                ids.add(quoted or bare)
    return ids


def load_all() -> None:
    """Import every built-in resource check (what ``import checkov.terraform`` normally does)."""
    root = _checks_root()
    if root is None:
        return
    for path in sorted(root.glob("*/*.py")):
        if path.name != "__init__.py":
            importlib.import_module(f"{_RESOURCE_PACKAGE}.{path.parent.name}.{path.stem}")
