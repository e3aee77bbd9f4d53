"""Renderers: turn a :class:`~scanner.models.ScanResult` into a report string.

One file per format; each implements the :class:`Renderer` protocol from :mod:`.base`. The
formats are imported on first use (PEP 562), so a command pays only for the formats it writes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scanner.render.base import Renderer, RenderError, ToolMeta

if TYPE_CHECKING:
    from scanner.render.console import ConsoleRenderer
    from scanner.render.json_evidence import SCHEMA_VERSION, JsonEvidenceRenderer, to_document, validate_document
    from scanner.render.junit import JunitRenderer
    from scanner.render.markdown import MarkdownRenderer
    from scanner.render.sarif import SarifRenderer

_LAZY = {
    "ConsoleRenderer": "console",
    "JsonEvidenceRenderer": "json_evidence",
    "SCHEMA_VERSION": "json_evidence",
    "to_document": "json_evidence",
    "validate_document": "json_evidence",
    "JunitRenderer": "junit",
    "MarkdownRenderer": "markdown",
    "SarifRenderer": "sarif",
}

__all__ = [
    "SCHEMA_VERSION",
    "ConsoleRenderer",
    "JsonEvidenceRenderer",
    "JunitRenderer",
    "MarkdownRenderer",
    "RenderError",
    "Renderer",
    "SarifRenderer",
    "ToolMeta",
    "to_document",
    "validate_document",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"scanner.render.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'scanner.render' has no attribute {name!r}")
