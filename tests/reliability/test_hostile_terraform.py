"""Hostile Terraform folders: symlink loops, symlinks out of the folder, binary and non-UTF-8
files, invalid .tf.json, and an enormous file. Checkov runs for real. The scan must finish with
``error`` findings naming the bad files and the same findings as a clean scan for the good one.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from scanner.models import Finding, Status
from tests.conftest import FIXTURES, REPO

GOOD = FIXTURES / "terraform" / "aws" / "NET-ADMIN" / "main.tf"
BAD_FILES = ("binary.tf", "latin1.tf", "broken.tf.json", "truncated.tf")


def _outcomes(findings: list[Finding], file_name: str) -> set[tuple[str, str, str]]:
    return {(f.control_id, f.resource.address, f.status.value) for f in findings
            if f.resource.file and Path(f.resource.file).name == file_name}


def _hostile_tree(root: Path, outside: Path) -> Path:
    shutil.copy(GOOD, root / "good.tf")
    noise = random.Random(7).randbytes(4096)
    (root / "binary.tf").write_bytes(b"resource \"aws_s3_bucket\" \"b\" {\x00\x00" + noise)
    (root / "latin1.tf").write_bytes('resource "aws_s3_bucket" "caf\xe9" {\n  bucket = "caf\xe9"\n}\n'
                                     .encode("latin-1"))
    (root / "broken.tf.json").write_text('{"resource": {"aws_s3_bucket": {"x": {"bucket": "a",}}}', encoding="utf-8")
    (root / "truncated.tf").write_text('resource "aws_security_group" "t" {\n  ingress {\n', encoding="utf-8")
    (root / "self.tf").symlink_to(root / "self.tf")  # a file symlink loop
    (root / "sub").mkdir()
    (root / "sub" / "up").symlink_to(root, target_is_directory=True)  # a directory loop
    (root / "elsewhere").symlink_to(outside, target_is_directory=True)  # out of the scanned folder
    (root / "passwd.tf").symlink_to("/etc/passwd")
    (root / "dangling.tf").symlink_to(root / "nothing-here.tf")
    return root


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory: pytest.TempPathFactory, scan_tf: Callable[..., list[Finding]]) -> list[Finding]:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.tf").write_text('resource "aws_security_group" "outside" {\n}\n', encoding="utf-8")
    root = _hostile_tree(tmp_path_factory.mktemp("hostile"), outside)
    return scan_tf(root)


@pytest.fixture(scope="module")
def clean_scan(tmp_path_factory: pytest.TempPathFactory, scan_tf: Callable[..., list[Finding]]) -> list[Finding]:
    root = tmp_path_factory.mktemp("clean")
    shutil.copy(GOOD, root / "good.tf")
    return scan_tf(root)


def test_good_file_findings_are_unchanged_by_hostile_neighbours(hostile_scan: list[Finding],
                                                                clean_scan: list[Finding]) -> None:
    expected = _outcomes(clean_scan, "good.tf")
    assert {s for _, _, s in expected} >= {"pass", "fail"}  # the fixture has both: the comparison means something
    assert _outcomes(hostile_scan, "good.tf") == expected


@pytest.mark.parametrize("name", BAD_FILES)
def test_each_bad_file_is_an_error_finding(name: str, hostile_scan: list[Finding]) -> None:
    errors = [f for f in hostile_scan if f.status is Status.ERROR and f.resource.file
              and Path(f.resource.file).name == name]
    assert errors, f"{name}: no error finding; findings on files: {sorted({f.resource.file for f in hostile_scan})}"
    assert all(name in f.message and "not evaluated" in f.message for f in errors)
    assert not any(f.status is Status.PASS for f in hostile_scan
                   if f.resource.file and Path(f.resource.file).name == name)


def test_symlinks_do_not_loop_or_pass(hostile_scan: list[Finding]) -> None:
    """A file symlink is followed as Terraform follows it; one to a non-Terraform file (or to
    itself, or to nothing) is an unparseable file: `error`, never `pass`."""
    files = {f.resource.file or "" for f in hostile_scan}
    for name in ("passwd.tf", "self.tf", "dangling.tf"):
        statuses = {f.status for f in hostile_scan if Path(f.resource.file or "").name == name}
        assert statuses <= {Status.ERROR}, (name, statuses)
    # the directory loop sub/up -> .. must not multiply good.tf into sub/up/good.tf, sub/up/sub/up/good.tf...
    assert not any("/up/" in f for f in files), sorted(files)


def test_cli_completes_on_the_hostile_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "tree"
    root.mkdir()
    _hostile_tree(root, outside)
    code = main(["iac", str(root), "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == 1, err  # good.tf has failures
    document: dict[str, Any] = json.loads(out)
    text = json.dumps(document)
    for name in BAD_FILES:
        assert name in text


def test_a_single_binary_tf_file_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "only.tf"
    target.write_bytes(b"\x00\xff\xfe" * 1000)
    code = main(["iac", str(target), "--format", "json", "--fail-on-unknown"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (1, 3), (code, err)  # never 0: nothing in the file was evaluated
    assert "only.tf" in out


FIFTY_MB = 50 * 1024 * 1024


@pytest.mark.skipif(os.environ.get("PACSCAN_SKIP_HUGE") == "1", reason="PACSCAN_SKIP_HUGE=1")
def test_a_50_mb_tf_file_finishes_or_errors_within_120_s(tmp_path: Path) -> None:
    root = tmp_path / "huge"
    root.mkdir()
    with (root / "huge.tf").open("w", encoding="utf-8") as out:
        out.write('resource "aws_s3_bucket" "pacs" {\n  bucket = "pacs-images"\n}\n')
        block = 0
        while out.tell() < FIFTY_MB:
            out.write(f'locals {{\n  v{block} = "{"x" * 200}"\n}}\n')
            block += 1
    env = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "CHECKOV_PARALLELIZATION_TYPE": "none"}
    done = subprocess.run([sys.executable, "-m", "scanner", "iac", str(root), "--format", "json"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    if done.returncode == 2:
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "huge.tf" in lines[0], done.stderr[-2000:]
    else:
        # 3: the file was left unread (over the size limit), which makes the scan incomplete
        assert done.returncode in (0, 1, 3), done.stderr[-2000:]
        assert "huge.tf" in done.stdout
