"""scanner.vcache: catalog files validated once per content, failures never remembered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner import catalog as catalog_module
from scanner import vcache, yamlfile
from scanner.catalog import load_catalog
from scanner.errors import CatalogError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("PACSCAN_CACHE_DIR", str(folder))
    monkeypatch.delenv("PACSCAN_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of the bundled catalog (rules.yaml + rules/), free to edit."""
    root = tmp_path / "catalog"
    root.mkdir()
    shutil.copy(REPO / "rules.yaml", root / "rules.yaml")
    shutil.copytree(REPO / "rules", root / "rules")
    return root / "rules.yaml"


class _Counter:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        real = yamlfile.validate

        def counting(doc: yamlfile.Document, *args: object, **kwargs: object) -> None:
            self.paths.append(doc.path.name)
            real(doc, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(yamlfile, "validate", counting)


def test_validated_once_then_remembered(cache: Path, copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _Counter(monkeypatch)
    first = load_catalog(copy)
    files = len(counter.paths)
    assert files == 1 + len(list((copy.parent / "rules").rglob("*.yaml")))  # the root and every include
    second = load_catalog(copy)
    assert len(counter.paths) == files  # nothing validated again
    assert second.sha256 == first.sha256
    assert len(list((cache / "validated").iterdir())) == files


def test_a_changed_file_is_validated_again(cache: Path, copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_catalog(copy)
    counter = _Counter(monkeypatch)
    part = next(iter(sorted((copy.parent / "rules" / "controls").glob("*.yaml"))))
    part.write_text(part.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    load_catalog(copy)
    assert counter.paths == [part.name]


def test_an_invalid_file_is_reported_every_time(cache: Path, copy: Path) -> None:
    text = copy.read_text(encoding="utf-8").replace("schema_version:", "schema_versoin:", 1)
    copy.write_text(text, encoding="utf-8")
    for _ in range(2):
        with pytest.raises(CatalogError, match=r"rules\.yaml"):
            load_catalog(copy)
    assert not (cache / "validated").exists() or not any(
        m.name == vcache.key("catalog-root", catalog_module._schema_bytes(), copy.read_bytes())
        for m in (cache / "validated").iterdir())


def test_a_parameter_default_that_breaks_its_schema_is_never_remembered(cache: Path, copy: Path) -> None:
    text = copy.read_text(encoding="utf-8")
    assert "min_tls_version" in text
    catalog = load_catalog(copy)
    default = catalog.parameters["min_tls_version"].default
    broken = text.replace(f'default: "{default}"', "default: 7", 1)
    assert broken != text
    copy.write_text(broken, encoding="utf-8")
    for _ in range(2):
        with pytest.raises(CatalogError, match=r"parameters\.min_tls_version"):
            load_catalog(copy)


def test_off_switch_and_unwritable_cache(tmp_path: Path, copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACSCAN_NO_CACHE", "1")
    assert vcache.cache_dir() is None
    counter = _Counter(monkeypatch)
    load_catalog(copy)
    load_catalog(copy)
    assert len(counter.paths) == 2 * (1 + len(list((copy.parent / "rules").rglob("*.yaml"))))
    monkeypatch.delenv("PACSCAN_NO_CACHE")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("PACSCAN_CACHE_DIR", str(blocker))  # mkdir under a file fails: ignored
    load_catalog(copy)
    assert not vcache.seen(vcache.key("catalog-root", catalog_module._schema_bytes(), copy.read_bytes()))


def test_the_key_depends_on_kind_schema_and_content() -> None:
    base = vcache.key("catalog-part", b"schema", b"content")
    assert base != vcache.key("catalog-root", b"schema", b"content")
    assert base != vcache.key("catalog-part", b"schema2", b"content")
    assert base != vcache.key("catalog-part", b"schema", b"content2")
    assert vcache.key("catalog-part", b"ab", b"c") != vcache.key("catalog-part", b"a", b"bc")
