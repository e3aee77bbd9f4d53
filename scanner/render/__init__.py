"""Renderers: turn a :class:`~scanner.models.ScanResult` into a report string.

One file per format; each implements the :class:`Renderer` protocol from :mod:`.base`.
"""

from scanner.render.base import Renderer, RenderError, ToolMeta
from scanner.render.console import ConsoleRenderer
from scanner.render.json_evidence import (
    SCHEMA_VERSION,
    JsonEvidenceRenderer,
    to_document,
    validate_document,
)
from scanner.render.junit import JunitRenderer
from scanner.render.markdown import MarkdownRenderer
from scanner.render.sarif import SarifRenderer

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
