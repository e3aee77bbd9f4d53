"""Issue 14, "Identity depends on the working directory" and "The baseline hides new failures", as a CI
engineer hits them: the same repository scanned from another folder, a renamed file, a new port opened
on a baselined security group, and --since run from outside the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scanner.cli import main
from tests.conftest import write_tree

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

SG = """\
resource "aws_security_group" "bastion" {{
  name = "bastion"
{rules}}}
"""
RULE = """\
  ingress {{
    from_port   = {port}
    to_port     = {port}
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
"""
BUCKET = 'resource "aws_s3_bucket" "images" {\n  bucket = "clinic-images"\n}\n'


def sg(*ports: int) -> str:
    return SG.format(rules="".join(RULE.format(port=p) for p in ports))


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})
    return done.stdout


def repository(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = write_tree(tmp_path / "repo", files)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def scan(capsys: pytest.CaptureFixture[str], out: Path, *args: str, fmt: str = "json") -> tuple[int, Any, str]:
    code = main(["iac", *args, "--format", fmt, "--output", str(out), "--no-color"])
    _, err = capsys.readouterr()
    return code, json.loads(out.read_text()) if out.exists() else None, err


def failing(doc: dict[str, Any], control: str) -> dict[str, bool]:
    """address -> baselined, of the failing findings of ``control``."""
    return {f["resource"]["address"]: f["baselined"] for f in doc["findings"]
            if f["control_id"] == control and f["status"] == "fail"}


def test_a_baseline_made_at_the_root_matches_from_inside_the_folder(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = repository(tmp_path, {"infra/network.tf": sg(22), "infra/storage.tf": BUCKET})
    monkeypatch.chdir(repo)
    assert main(["iac", "infra", "--create-baseline", "baseline.json"]) == 0
    capsys.readouterr()
    files = {e["file"] for e in json.loads((repo / "baseline.json").read_text())["failures"]}
    assert files == {"infra/network.tf", "infra/storage.tf"}, "paths are relative to the repository root"
    monkeypatch.chdir(repo / "infra")
    code, doc, _ = scan(capsys, tmp_path / "e.json", ".", "--baseline", "../baseline.json")
    assert code == 0, "cd infra && pacscan iac . --baseline ../baseline.json: nothing is new"
    assert all(f["baselined"] for f in doc["findings"] if f["status"] == "fail")
    assert doc["gate"]["fixed"] == [] and doc["gate"]["baseline"] == "baseline.json"
    assert {f["resource"]["file"] for f in doc["findings"] if f["resource"]["file"]} == {
        "infra/network.tf", "infra/storage.tf"}


def test_a_new_port_on_a_baselined_security_group_is_new(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = repository(tmp_path, {"infra/network.tf": sg(22)})
    monkeypatch.chdir(repo)
    assert main(["iac", "infra", "--create-baseline", "baseline.json"]) == 0
    capsys.readouterr()
    (repo / "infra" / "network.tf").write_text("# a comment moves the lines\n" + sg(22).replace(
        'name = "bastion"', 'name = "bastion"\n  description = "jump host"'))
    code, doc, _ = scan(capsys, tmp_path / "e.json", "infra", "--baseline", "baseline.json")
    assert code == 0 and failing(doc, "NET-ADMIN") == {"aws_security_group.bastion": True}
    (repo / "infra" / "network.tf").write_text(sg(22, 3389))
    code, doc, _ = scan(capsys, tmp_path / "e.json", "infra", "--baseline", "baseline.json")
    assert code == 1, "RDP opened beside a baselined SSH rule fails the gate"
    assert failing(doc, "NET-ADMIN") == {"aws_security_group.bastion": False}
    assert doc["gate"]["fixed"] == [], "the SSH failure is still there: not fixed"
    digests = {f["digest"] for f in doc["findings"] if f["status"] == "fail"}
    assert all(isinstance(d, str) and len(d) == 16 for d in digests)


def test_a_renamed_file_keeps_its_baselined_failures(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = repository(tmp_path, {"infra/network.tf": sg(22)})
    monkeypatch.chdir(repo)
    assert main(["iac", "infra", "--create-baseline", "baseline.json"]) == 0
    git(repo, "add", "baseline.json")
    git(repo, "commit", "-qm", "baseline")
    git(repo, "mv", "infra/network.tf", "infra/firewall.tf")
    capsys.readouterr()
    code, doc, _ = scan(capsys, tmp_path / "e.json", "infra", "--baseline", "baseline.json")
    assert code == 0, "git knows network.tf became firewall.tf"
    assert failing(doc, "NET-ADMIN") == {"aws_security_group.bastion": True}
    assert doc["gate"]["fixed"] == []
    git(repo, "commit", "-qm", "rename")
    code, doc, _ = scan(capsys, tmp_path / "e.json", "infra", "--baseline", "baseline.json")
    assert code == 0 and doc["gate"]["fixed"] == [], "the rename is followed from the commit the baseline names"


def test_sarif_uris_do_not_depend_on_the_working_directory(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = repository(tmp_path, {"infra/network.tf": sg(22)})
    logs = []
    for cwd, target in ((repo, "infra"), (repo / "infra", "."), (tmp_path, str(repo / "infra"))):
        monkeypatch.chdir(cwd)
        _, doc, _ = scan(capsys, tmp_path / "s.sarif", target, fmt="sarif")
        logs.append(doc)
    uris = [sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                   for r in log["runs"][0]["results"]) for log in logs]
    assert uris[0] == uris[1] == uris[2] and set(uris[0]) == {"infra/network.tf"}
    base = logs[1]["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]
    assert base["uri"] == repo.resolve().as_uri() + "/"
    fingerprints = [sorted(json.dumps(r["partialFingerprints"]) for r in log["runs"][0]["results"]) for log in logs]
    assert fingerprints[0] == fingerprints[1] == fingerprints[2]


def test_evidence_diff_of_one_repository_scanned_from_two_folders_is_empty(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = repository(tmp_path, {"infra/network.tf": sg(22), "infra/storage.tf": BUCKET,
                                 "infra/mod/main.tf": BUCKET.replace("images", "archive"),
                                 "infra/main.tf": 'module "archive" {\n  source = "./mod"\n}\n'})
    monkeypatch.chdir(repo)
    scan(capsys, tmp_path / "root.json", "infra")
    monkeypatch.chdir(repo / "infra")
    scan(capsys, tmp_path / "inside.json", ".")
    code = main(["evidence", "diff", str(tmp_path / "root.json"), str(tmp_path / "inside.json"), "--format", "json"])
    out, _ = capsys.readouterr()
    diff = json.loads(out[out.index("{"):])
    assert code == 0 and diff["changes"] == [], diff["changes"][:3]


def test_since_reports_a_changed_rule_file_on_its_group_elsewhere(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    repo = repository(tmp_path, {"infra/groups.tf": 'resource "aws_security_group" "pacs" {\n  name = "pacs"\n}\n',
                                 "infra/other.tf": sg(22)})
    (repo / "infra" / "rules.tf").write_text(
        'resource "aws_vpc_security_group_ingress_rule" "dicom" {\n'
        '  security_group_id = aws_security_group.pacs.id\n  cidr_ipv4 = "0.0.0.0/0"\n'
        '  ip_protocol = "tcp"\n  from_port = 104\n  to_port = 104\n}\n')
    monkeypatch.chdir(tmp_path)  # not in the repository: git must run in the target's
    code, doc, _ = scan(capsys, tmp_path / "e.json", str(repo / "infra"), "--since", "HEAD")
    dicom = {f["resource"]["address"]: f["status"] for f in doc["findings"] if f["control_id"] == "NET-DICOM"}
    assert dicom == {"aws_security_group.pacs": "fail"}, "in scope through the rule's file; other.tf is not"
    assert not any(f["resource"]["address"] == "aws_security_group.bastion" for f in doc["findings"])
    assert code == 1


def test_since_names_a_shallow_clone_when_the_ref_is_missing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    origin = repository(tmp_path, {"infra/network.tf": sg(22)})
    for n in range(3):
        (origin / "infra" / "network.tf").write_text(sg(22, 8000 + n))
        git(origin, "commit", "-qam", f"change {n}")
    git(origin, "branch", "feature")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--single-branch", "--branch", "main", origin.as_uri(), str(clone))
    code, doc, err = scan(capsys, tmp_path / "e.json", str(clone / "infra"), "--since", "origin/feature")
    assert code == 2 and doc is None
    lines = [line for line in err.splitlines() if line.startswith("pacscan: error")]
    assert len(lines) == 1 and "origin/feature" in lines[0] and "shallow clone" in lines[0]
    assert "fetch-depth: 0" in lines[0] and "Traceback" not in err
