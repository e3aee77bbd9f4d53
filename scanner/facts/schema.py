"""Fact schemas: per resource kind, every fact key, its type, and what ``null`` means (``unset``).

Declared once, as data, in ``rules/facts/<provider>.yaml`` (loaded and validated by the catalog
loader). Keys are dotted paths; ``[]`` steps into the items of a list (``ingress[].sources[]``).
Every input's facts pass through :meth:`KindSchema.coerce` before any rule reads them, so the
same typing decides what is known for Terraform and for every cloud.

``null`` is allowed only where the schema says what it means ("not configured": no lifecycle
rule, no bucket policy); anywhere else a ``None`` is unknown, never "off".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.facts.types import TYPES
from scanner.facts.values import PartialDict, Unknown

#: the inputs that can produce a kind (``produced_by`` in a kind's declaration)
SOURCES = ("terraform", "terraform-plan", "aws", "azure", "gcp", "dicom-probe", "deid")


@dataclass(frozen=True)
class FactSpec:
    type: str
    null: str | None = None  # what null means (`unset:` in YAML); None: null is not allowed (unknown)
    values: tuple[Any, ...] = ()  # the allowed values, where the set is closed
    description: str = ""


@dataclass(frozen=True)
class KindSchema:
    kind: str
    description: str
    produced_by: tuple[str, ...]
    facts: Mapping[str, FactSpec] = field(default_factory=dict)
    #: holds imaging data: the `imaging_data` scope parameter selects among resources of the kind
    storage: bool = False
    #: always imaging data whatever `imaging_data` says (managed DICOM stores)
    always_imaging: bool = False

    def declares(self, path: str) -> bool:
        return path in self.facts

    def coerce(self, facts: Mapping[str, Any], errors: Mapping[str, str] | None = None,
               origins: Mapping[str, str] | None = None) -> dict[str, Any]:
        """``facts`` typed: invalid literals and disallowed nulls become Unknown; a top-level key
        in ``errors`` (it could not be read) becomes ``Unknown(error=True)``."""
        out = {key: self._value(key, value) for key, value in facts.items()}
        for key, reason in (errors or {}).items():
            out[key] = Unknown(reason, (origins or {}).get(key), error=True)
        return out

    def _value(self, path: str, value: Any) -> Any:
        if isinstance(value, Unknown):
            if value.candidates:
                return Unknown(value.reason, value.origin, value.error,
                               tuple(self._value(path, c) for c in value.candidates), value.spread, value.partial,
                               value.symbol)
            return value
        spec = self.facts.get(path)
        if value is None:
            if spec is None or spec.null is not None:
                return None
            return Unknown(f"{path} has no value")
        if spec is not None:
            value = TYPES[spec.type](value)
            if isinstance(value, Unknown):
                return Unknown(f"{path}: {value.reason}", value.origin)
            if spec.values and value not in spec.values:
                return Unknown(f"{path}: {value!r} is not one of {list(spec.values)}")
        if isinstance(value, PartialDict):
            return PartialDict({k: self._value(f"{path}.{k}", v) for k, v in value.items()}, value.rest)
        if isinstance(value, Mapping):
            return {k: self._value(f"{path}.{k}", v) for k, v in value.items()}
        if isinstance(value, list):
            item = f"{path}[]"
            return [self._value(item, v) for v in value]
        return value


def parse_kind(kind: str, raw: Mapping[str, Any]) -> KindSchema:
    facts = {key: FactSpec(type=spec["type"], null=spec.get("unset"), values=tuple(spec.get("values", ())),
                           description=spec.get("description", ""))
             for key, spec in raw.get("facts", {}).items()}
    return KindSchema(kind=kind, description=raw["description"], produced_by=tuple(raw["produced_by"]),
                      facts=facts, storage=bool(raw.get("storage", False)),
                      always_imaging=bool(raw.get("always_imaging", False)))


def undeclared_parents(schema: KindSchema) -> list[str]:
    """Declared keys whose parent path is not declared (``a.b`` without ``a``): schema typos."""
    missing = []
    for key in schema.facts:
        parent = _parent(key)
        if parent and parent not in schema.facts:
            missing.append(key)
    return missing


def _parent(key: str) -> str:
    if key.endswith("[]"):
        return key[:-2]
    head, _, _ = key.rpartition(".")
    return head
