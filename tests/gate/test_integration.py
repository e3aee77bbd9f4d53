"""CI integration as a user meets it: the pre-commit hook and the documented pipelines."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO, write_tree

WORLD_DICOM = """\
resource "aws_security_group" "orthanc" {
  name = "orthanc"
  ingress {
    from_port   = 4242
    to_port     = 4242
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""
PRIVATE_DICOM = WORLD_DICOM.replace("0.0.0.0/0", "10.20.0.0/16")
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def _documented_commands(path: Path) -> list[str]:
    """Every shell line of a documented pipeline that runs pacscan."""
    data = yaml.safe_load(path.read_text())
    lines: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("run", "script") and isinstance(value, (str, list)):
                    for text in [value] if isinstance(value, str) else value:
                        lines.extend(line.strip() for line in str(text).splitlines())
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return [line for line in lines if line.startswith("pacscan ")]


WAIVERS = """\
waivers:
  - control: NET-DICOM
    resource: aws_security_group.orthanc
    justification: Teleradiology partner until the VPN cutover
    owner: it-security@clinic.example
    ticket: SEC-142
    expires: 2099-12-31
"""


@pytest.mark.parametrize("doc", ["github-actions.yml", "gitlab-ci.yml"])
def test_documented_pipeline_commands_run_as_written(doc: str, tmp_path: Path) -> None:
    commands = _documented_commands(REPO / "docs" / "ci" / doc)
    assert commands, f"{doc} documents no pacscan command"
    work = write_tree(tmp_path, {"infra/main.tf": PRIVATE_DICOM + WORLD_DICOM.replace('"orthanc"', '"viewer"', 1)
                                 .replace("4242", "8042"), "waivers.yaml": WAIVERS})
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for command in commands:
        done = subprocess.run(shlex.split(command), cwd=work, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 1, f"{command}\n{done.stderr}"  # the world-open viewer (critical) must fail
        assert "Traceback" not in done.stderr
    if doc == "github-actions.yml":
        sarif = json.loads((work / "pacscan.sarif").read_text())
        assert sarif["version"] == "2.1.0"
        assert "NET-DICOM" in (work / "pacscan.md").read_text()
    else:
        suites = ET.parse(work / "pacscan-junit.xml").getroot()
        assert suites.tag == "testsuites"
        assert int(suites.get("failures", "0")) >= 1 or any(int(s.get("failures", "0")) for s in suites)
    evidence = json.loads((work / "pacscan-evidence.json").read_text())
    assert {f["status"] for f in evidence["findings"] if f["resource"]["address"] == "aws_security_group.viewer"
            and f["control_id"] == "NET-DICOM"} == {"fail"}


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_pre_commit_hook_blocks_a_world_open_dicom_port(tmp_path: Path) -> None:
    """`pre-commit try-repo` installs pacscan from this repository into its own virtualenv,
    as a user's pre-commit would (so the packaged catalog and policies must be found)."""
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == ["pacscan"]
    user = write_tree(tmp_path / "user", {"infra/main.tf": WORLD_DICOM})
    _git(user, "init", "-q", "-b", "main")
    _git(user, "add", "-A")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    cmd = [_bin("pre-commit"), "try-repo", str(REPO), "pacscan", "--all-files"]
    done = subprocess.run(cmd, cwd=user, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "NET-DICOM" in done.stdout and "aws_security_group.orthanc" in done.stdout
    (user / "infra" / "main.tf").write_text(PRIVATE_DICOM)
    done = subprocess.run(cmd, cwd=user, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
