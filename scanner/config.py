"""The user's ``--config`` file: overrides of catalog parameters.

    parameters:
      dicom_ports: [104, 11112, 4242]
      min_retention_days: 3650

Unknown keys and parameters, and values that do not fit the parameter's schema (declared in
``rules.yaml``), are errors naming file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner import yamlfile
from scanner.catalog import Catalog
from scanner.errors import ConfigError

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"parameters": {"type": "object"}},
}


def effective_parameters(catalog: Catalog, config_path: Path | None) -> dict[str, Any]:
    """Catalog defaults, overridden by the config file's ``parameters``."""
    values = catalog.defaults()
    if config_path is None:
        return values
    import jsonschema
    doc = yamlfile.load(config_path, ConfigError)
    if doc.data is None:
        return values
    yamlfile.validate(doc, _SCHEMA, ConfigError)
    for name, value in (doc.data.get("parameters") or {}).items():
        where = ("parameters", name)
        if name not in catalog.parameters:
            known = ", ".join(sorted(catalog.parameters))
            raise doc.error(f"parameters.{name}: unknown parameter (known: {known})", where, ConfigError)
        try:
            jsonschema.validate(value, dict(catalog.parameters[name].schema))
        except jsonschema.ValidationError as err:
            raise doc.error(f"parameters.{name}: {err.message}", where, ConfigError) from None
        values[name] = value
    return values
