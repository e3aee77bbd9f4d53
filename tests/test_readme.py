"""The README's documented commands run as written (the compliance officer's evidence flow)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def _readme_commands(prefix: str) -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    lines = [line.split("  #", 1)[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith(prefix)]


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(shlex.split(command), cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_compliance_officer_evidence_commands_run_as_documented(tmp_path: Path) -> None:
    commands = _readme_commands("pacscan evidence")
    assert [c.split()[2] for c in commands] == ["keygen", "bundle", "verify", "diff", "html", "trend"]
    example = tmp_path / "estate"
    shutil.copytree(REPO / "examples" / "dental-practice", example)
    for month in ("2026-10-msp", "2026-11-msp"):
        done = _run(f"pacscan iac {example} --soft-fail --format json --output reports/{month}/clinic.json", tmp_path)
        assert done.returncode == 0, done.stderr
        (example / "zz_new.tf").write_text('resource "aws_s3_bucket" "shadow_exports" {\n  bucket = "exports"\n}\n')
    (tmp_path / "keys").mkdir()
    for command in commands:
        done = _run(command, tmp_path)
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        if " diff " in command:
            assert "aws_s3_bucket.shadow_exports" in done.stdout
    report = (tmp_path / "reports" / "2026-11.html").read_text()
    assert report.startswith("<!DOCTYPE html>") and "Verified: " in report  # bundled, signed, key given
    assert "What changed since the previous scan" in report and "aws_s3_bucket.shadow_exports" in report
    assert "<polyline" in (tmp_path / "reports" / "trend.html").read_text()
    (tmp_path / "reports" / "2026-11-msp" / "clinic.json").write_text("{}")
    tampered = _run(next(c for c in commands if " verify " in c), tmp_path)
    assert tampered.returncode == 1 and "clinic.json" in tampered.stdout + tampered.stderr
