"""Import only the built-in Checkov checks the catalog maps, not all ~1,000 of them.

Importing ``checkov.terraform`` imports every built-in resource check module (about 0.75 s,
most of Checkov's start-up), although a pacscan scan runs a dozen of them. Before Checkov is
first imported, the provider check packages are registered as empty packages (their real
``__path__`` kept, so single modules still import), and the modules defining the mapped ids are
imported by name. An id not found that way makes everything load the ordinary way: a mapped
check is never silently missing.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import re
import sys
import types
from collections.abc import Iterable
from pathlib import Path

from scanner import lazymod

log = logging.getLogger("pacscan.iac")

_CHECK_PACKAGES = ("resource", "data")
#: third-party modules Checkov imports (``import name``) at start-up but a Terraform scan does
#: not use (its async HTTP client, boto3 for platform uploads, docker for image scans): they run on
#: first use instead
_DEFERRED_MODULES = ("aiohttp", "boto3", "docker")
_ID = re.compile(r"""\bid\s*=\s*["']([A-Z][A-Z0-9_]+)["']""")
_state: dict[str, bool] = {"stubbed": False}


def _checks_root(kind: str = "resource") -> Path | None:
    spec = importlib.util.find_spec("checkov")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "terraform" / "checks" / kind


def stub_provider_packages() -> bool:
    """Register the provider check packages as empty; False when Checkov is already imported."""
    if _state["stubbed"]:
        return True
    if "checkov.terraform" in sys.modules:
        return False
    for kind in _CHECK_PACKAGES:
        root = _checks_root(kind)
        if root is None:
            return False
        for folder in sorted(p for p in root.iterdir() if (p / "__init__.py").is_file()):
            name = f"checkov.terraform.checks.{kind}.{folder.name}"
            package = types.ModuleType(name, "provider checks: imported one by one by pacscan")
            package.__path__ = [str(folder)]
            package.__all__ = []  # type: ignore[attr-defined]
            package.__file__ = str(folder / "__init__.py")
            sys.modules[name] = package
    for name in _DEFERRED_MODULES:
        lazymod.defer(name)
    _state["stubbed"] = True
    return True


def _module_files() -> Iterable[tuple[str, Path]]:
    for kind in _CHECK_PACKAGES:
        root = _checks_root(kind)
        if root is not None:
            for path in sorted(root.glob("*/*.py")):
                if path.name != "__init__.py":
                    yield f"checkov.terraform.checks.{kind}.{path.parent.name}.{path.stem}", path


def load(check_ids: Iterable[str]) -> None:
    """Make sure every built-in Python check among ``check_ids`` is registered."""
    wanted = {c for c in check_ids if c.startswith("CKV")}
    root = _checks_root()
    if not wanted or root is None or not _state["stubbed"]:
        return
    modules = _modules_by_id()
    for module in sorted({modules[c] for c in wanted if c in modules}):
        importlib.import_module(module)
    missing = wanted - set(modules) - _graph_ids(root.parent / "graph_checks")
    if missing:
        log.debug("built-in checks %s not found by id; loading every check", sorted(missing))
        load_all()


@functools.cache
def _modules_by_id() -> dict[str, str]:
    """Built-in check id -> the module defining it, read once per process (a scan of every
    target and plan asks again)."""
    modules: dict[str, str] = {}
    for module, path in _module_files():
        for check_id in _ID.findall(path.read_text(encoding="utf-8", errors="replace")):
            modules.setdefault(check_id, module)
    return modules


_GRAPH_ID = re.compile(r'"id":\s*"([A-Z][A-Z0-9_]+)"|\bid:\s*([A-Z][A-Z0-9_]+)')


@functools.cache
def _graph_ids(folder: Path) -> frozenset[str]:
    ids: set[str] = set()
    for path in folder.rglob("*"):
        if path.suffix in (".json", ".yaml", ".yml"):
            for quoted, bare in _GRAPH_ID.findall(path.read_text(encoding="utf-8", errors="replace")):
                ids.add(quoted or bare)
    return frozenset(ids)


def load_all() -> None:
    """Import every built-in check (what ``import checkov.terraform`` normally does)."""
    for module, _path in _module_files():
        importlib.import_module(module)



def graph_check_types(check_ids: Iterable[str]) -> frozenset[str]:
    """Resource types named by Checkov's YAML/JSON graph checks with these ids. An id whose
    definition cannot be found counts for every type (``*``)."""
    import json

    import yaml

    wanted = set(check_ids)
    root = _checks_root()
    folders = [root.parent / "graph_checks"] if root is not None else []
    types: set[str] = set()
    found: set[str] = set()
    for folder in folders:
        for path in folder.rglob("*"):
            if path.suffix not in (".json", ".yaml", ".yml"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if not any(check in text for check in wanted):
                continue
            try:
                doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
            except (ValueError, yaml.YAMLError):
                continue
            check = (doc or {}).get("metadata", {}).get("id") if isinstance(doc, dict) else None
            if check in wanted:
                found.add(check)
                types |= set(_resource_types(doc))
    if wanted - found:
        types.add("*")
    return frozenset(types)


def _resource_types(node: object) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "resource_types" and isinstance(value, list):
                yield from (str(v) for v in value)
            else:
                yield from _resource_types(value)
    elif isinstance(node, list):
        for item in node:
            yield from _resource_types(item)


def known_check_ids() -> frozenset[str]:
    """Every Terraform check id the installed Checkov defines (Python and graph checks), read from
    the files without importing them."""
    root = _checks_root()
    ids = set(_modules_by_id())
    if root is not None:
        ids |= _graph_ids(root.parent / "graph_checks")
    return frozenset(ids)

