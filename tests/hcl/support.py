"""Helpers for the evaluator tests: write a configuration, load it, read instances and values."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.facts.values import Unknown
from scanner.iac.hcl import load_configuration
from scanner.iac.tfmodel import TfConfiguration, TfInstance
from tests.conftest import write_tree


def load(root: Path, files: Mapping[str, str] | None = None, **options: Any) -> TfConfiguration:
    if files:
        write_tree(root, dict(files))
    options.setdefault("environ", {})
    return load_configuration(root, **options)


def instance(config: TfConfiguration, address: str) -> TfInstance:
    found = config.by_address()
    assert address in found, f"{address} not in {sorted(found)}"
    return found[address]


def value_of(tmp_path: Path, expr: str, preamble: str = "", **options: Any) -> Any:
    """The value of ``expr`` as an argument of a resource (with ``preamble`` declarations)."""
    config = load(tmp_path, {"main.tf": f'{preamble}\nresource "test_thing" "t" {{\n  v = {expr}\n}}\n'}, **options)
    return instance(config, "test_thing.t").attrs["v"]


def is_unknown(value: Any, *, containing: str = "") -> bool:
    return isinstance(value, Unknown) and containing in value.reason
