"""Catalog parameters as seen by our Checkov checks.

The values are declared once, in ``rules.yaml``. pacscan calls :func:`configure` with the
effective values (defaults merged with the user's ``--config``) before every scan; when the
checks run under bare Checkov, the defaults are read from ``rules.yaml`` on first use.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

_values: dict[str, Any] | None = None


def _catalog_path() -> Path:
    here = Path(__file__).resolve().parent.parent / "rules.yaml"
    if here.is_file():
        return here
    return Path(sys.prefix) / "share" / "pacscan" / "rules.yaml"


def _defaults() -> dict[str, Any]:
    with _catalog_path().open(encoding="utf-8") as fh:
        catalog = yaml.safe_load(fh)
    return {name: spec["default"] for name, spec in catalog["parameters"].items()}


def configure(values: dict[str, Any]) -> None:
    """Set the effective parameter values (pacscan calls this before each scan)."""
    global _values
    _values = dict(values)


def get(name: str) -> Any:
    global _values
    if _values is None:
        _values = _defaults()
    return _values[name]


def ports(name: str) -> frozenset[int]:
    return frozenset(int(p) for p in get(name))
