"""The dental-practice demo estate, scanned in-process as `make demo` scans it, for the report tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from scanner.render.json_evidence import JsonEvidenceRenderer
from scanner.scan import IacRequest, ScanInputs, run_iac
from tests.conftest import REPO

from . import META

DEMO = REPO / "examples" / "dental-practice"
CONFIG = DEMO / "pacscan.yaml"
ATTESTATIONS = DEMO / "attestations.yaml"

#: the fix the trend test applies to a copy of the estate: legacy_exports gets versioning, so
#: INT-VERSION (which fails only there) passes
VERSIONING_FIX = """
resource "aws_s3_bucket_versioning" "legacy_exports" {
  bucket = aws_s3_bucket.legacy_exports.id

  versioning_configuration {
    status = "Enabled"
  }
}
"""


def scan_demo(target: Path, output: Path, *, month: str | None = None) -> dict[str, Any]:
    """Scan ``target`` with the demo's config and attestations and write the evidence to ``output``;
    with ``month`` (``2026-10``), the scan window is moved to the first of that month, so several
    scans of one afternoon read as a monthly series."""
    result = run_iac(IacRequest(targets=(target,), inputs=ScanInputs(config=CONFIG, attestations=ATTESTATIONS)))
    doc: dict[str, Any] = json.loads(JsonEvidenceRenderer(validate=True).render(result, META))
    if month is not None:
        doc["scan"]["started_at"] = f"{month}-01T09:00:00Z"
        doc["scan"]["finished_at"] = f"{month}-01T09:00:05Z"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return doc


def copy_estate(into: Path) -> Path:
    return Path(shutil.copytree(DEMO, into / "dental-practice"))
