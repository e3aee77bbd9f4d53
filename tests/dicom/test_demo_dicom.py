"""``make demo``'s DICOM half runs as the Makefile runs it and writes both evidence documents."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_demo_dicom_script() -> None:
    done = subprocess.run([sys.executable, "scripts/demo_dicom.py"], cwd=REPO, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    probe = json.loads((REPO / "reports" / "demo-probe-evidence.json").read_text())
    deid = json.loads((REPO / "reports" / "demo-deid-evidence.json").read_text())
    assert {c["id"]: c["status"] for c in probe["controls"] if c.get("judged_by")} == {
        "TEC-DICOM-TLS": "fail", "TEC-DICOM-PEER-AUTH": "fail"}
    assert {c["id"]: c["status"] for c in deid["controls"] if c.get("judged_by")} == {
        "PRV-DEIDENTIFY": "fail", "TEC-EXIF-PURGE": "fail"}
    assert "DICOM-ANONYMOUS-FIND" in done.stdout and "DEID-PHOTO-GPS" in done.stdout
