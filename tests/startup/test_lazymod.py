"""scanner.lazymod: a deferred module runs on first use, and not before."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner import lazymod


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A throwaway package whose __init__ counts its executions in a module-level list."""
    name = f"lazypkg_{tmp_path.name.replace('-', '_')}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text(
        "import builtins\n"
        "builtins.__dict__.setdefault('_lazymod_runs', []).append(__name__)\n"
        "ANSWER = 42\n"
        "from .sub import VALUE\n", encoding="utf-8")
    (root / "sub.py").write_text("VALUE = 'sub'\n", encoding="utf-8")
    (root / "broken.py").write_text("raise RuntimeError('boom at import')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import builtins

    builtins.__dict__["_lazymod_runs"] = []
    yield name
    for key in [k for k in sys.modules if k == name or k.startswith(name + ".")]:
        del sys.modules[key]
    del builtins.__dict__["_lazymod_runs"]


def _runs() -> list[str]:
    import builtins

    return list(builtins.__dict__["_lazymod_runs"])


def test_import_statements_do_not_run_a_deferred_module(package: str) -> None:
    assert lazymod.defer(package)
    module = importlib.import_module(package)  # what `import name` does: reads __spec__
    exec(f"import {package}", {})
    assert _runs() == []
    assert lazymod.is_deferred(package)
    assert module.__name__ == package and module.__spec__ is not None


def test_first_attribute_read_runs_it_once(package: str) -> None:
    lazymod.defer(package)
    module = importlib.import_module(package)
    assert module.ANSWER == 42
    assert module.VALUE == "sub"
    assert module.ANSWER == 42
    assert _runs() == [package]
    assert not lazymod.is_deferred(package)
    assert sys.modules[package] is module


def test_from_import_runs_it(package: str) -> None:
    lazymod.defer(package)
    namespace: dict[str, object] = {}
    exec(f"from {package} import ANSWER", namespace)
    assert namespace["ANSWER"] == 42
    assert _runs() == [package]


def test_a_submodule_import_runs_the_package_first_as_an_import_would(package: str) -> None:
    lazymod.defer(package)
    sub = importlib.import_module(f"{package}.sub")
    assert sub.VALUE == "sub"
    assert _runs() == [package]
    assert importlib.import_module(package).ANSWER == 42
    assert _runs() == [package]


def test_a_failing_module_fails_on_use_like_an_import(package: str, tmp_path: Path) -> None:
    (tmp_path / package / "__init__.py").write_text("raise RuntimeError('boom at import')\n", encoding="utf-8")
    lazymod.defer(package)
    module = importlib.import_module(package)
    with pytest.raises(RuntimeError, match="boom at import"):
        _ = module.ANSWER
    assert package not in sys.modules  # not left half-initialised


def test_nothing_to_defer(package: str) -> None:
    assert not lazymod.defer("no_such_module_anywhere_xyz")
    importlib.import_module(package).ANSWER  # noqa: B018 - imported for real
    assert not lazymod.defer(package)  # already imported
