"""Shared helpers for the normaliser and rule tests: the Terraform mapping files (the Checkov
built-ins the catalog still maps), read and checked against the catalog schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_ROOT = REPO_ROOT / "tests" / "fixtures" / "terraform"


def load_mapping(path: Path) -> dict[str, Any]:
    """A ``rules/terraform-<provider>.yaml`` mapping file as a document."""
    with path.open(encoding="utf-8") as fh:
        document: dict[str, Any] = yaml.safe_load(fh)
    return document


def assert_terraform_section_valid(terraform: dict[str, Any]) -> None:
    """The ``terraform`` section validates against the catalog schema's ``terraform`` definition."""
    with (REPO_ROOT / "scanner" / "schemas" / "catalog.schema.json").open(encoding="utf-8") as fh:
        schema = json.load(fh)
    jsonschema.validate(terraform, {**schema["$defs"]["terraform"], "$defs": schema["$defs"]})
