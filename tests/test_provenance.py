"""Who and what: the git commit and author of a scanned Terraform folder, and which provider owns a resource."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scanner.models import provider_of
from scanner.provenance import file_revision, git_revision, recorded_at

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(folder: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Dr. A. Rivera", "GIT_AUTHOR_EMAIL": "rivera@clinic.example",
           "GIT_COMMITTER_NAME": "CI", "GIT_COMMITTER_EMAIL": "ci@clinic.example",
           "GIT_AUTHOR_DATE": "2026-11-02T09:00:00+00:00", "GIT_COMMITTER_DATE": "2026-11-02T09:00:00+00:00",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, env=env)


@needs_git
def test_a_folder_in_a_checkout_records_commit_author_and_whether_it_was_clean(tmp_path: Path) -> None:
    infra = tmp_path / "repo" / "infra"
    infra.mkdir(parents=True)
    (infra / "main.tf").write_text('resource "aws_s3_bucket" "pacs" {}\n')
    _git(tmp_path / "repo", "init", "-q")
    _git(tmp_path / "repo", "add", ".")
    _git(tmp_path / "repo", "commit", "-q", "-m", "pacs bucket")
    clean = git_revision(infra)
    assert clean is not None and len(clean.commit) == 40
    assert clean.author == "Dr. A. Rivera <rivera@clinic.example>"
    assert clean.committed_at == "2026-11-02T09:00:00+00:00" and clean.dirty is False
    assert git_revision(infra / "main.tf") == clean  # a file: its folder's checkout
    (infra / "extra.tf").write_text("# not committed\n")
    dirty = git_revision(infra)
    assert dirty is not None and dirty.dirty is True and dirty.commit == clean.commit


def test_a_plain_folder_has_no_revision(tmp_path: Path) -> None:
    assert git_revision(tmp_path) is None


@pytest.mark.parametrize(("source", "resource_type", "provider"), [
    ("terraform", "aws_s3_bucket", "aws"),
    ("terraform-plan", "azurerm_storage_account", "azure"),
    ("terraform", "google_storage_bucket", "gcp"),
    ("aws", "s3 bucket", "aws"),
    ("terraform", "aws.s3.bucket", "aws"),
    ("attestation", "attestation", None),
    ("terraform", "awesome_thing", None),
])
def test_provider_of_a_finding(source: str, resource_type: str, provider: str | None) -> None:
    assert provider_of(source, resource_type) == provider


@needs_git
def test_a_baseline_file_records_who_committed_it_and_when_it_was_created(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"pacscan_baseline": 1, "created_at": "2026-10-01T08:00:00Z", "failures": []}\n')
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "accept the known gaps")
    revision = file_revision(baseline)
    assert revision is not None and revision.author == "Dr. A. Rivera <rivera@clinic.example>"
    assert revision.dirty is False
    assert recorded_at(baseline) == "2026-10-01T08:00:00Z"
    (tmp_path / "elsewhere.txt").write_text("untracked, but not the baseline\n")
    assert file_revision(baseline) == revision


def test_an_uncommitted_or_unreadable_baseline_has_no_record(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text("not json")
    assert file_revision(baseline) is None and recorded_at(baseline) is None
