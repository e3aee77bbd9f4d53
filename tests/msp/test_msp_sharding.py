"""Past one machine: ``--shard auto`` takes the slice from a Kubernetes Indexed Job or a CI matrix, and
docs/msp.md's Kubernetes manifest and GitHub Actions workflow are real: the manifest validates against
the Kubernetes schema (kubernetes-validate, strict, its bundled schemas: no network), and the commands of
both run as written, two shards and the merge, against moto."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from scanner.cli import main
from scanner.shard import Shard, ShardError
from tests.conftest import REPO
from tests.msp.test_msp_run import seed_bucket

KUBERNETES = "1.33.0"
TENANTS = "tenants:\n" + "".join(
    f"  - name: {name}\n    aws: {{role_arn: 'arn:aws:iam::{account}:role/PacscanReadOnly', regions: [us-east-1]}}\n"
    for name, account in (("alpha", "111111111111"), ("beta", "222222222222"), ("gamma", "333333333333")))


def documents() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """docs/msp.md's Kubernetes manifests and its GitHub Actions workflow."""
    text = (REPO / "docs" / "msp.md").read_text(encoding="utf-8")
    blocks = [list(yaml.safe_load_all(b)) for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)]
    manifests = [d for block in blocks for d in block if isinstance(d, dict) and "apiVersion" in d]
    (workflow,) = [d for block in blocks for d in block if isinstance(d, dict) and "jobs" in d]
    return manifests, workflow


def job(manifests: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(m for m in manifests if m["metadata"]["name"] == name)


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", [])}


# -- --shard auto ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("env", "expected"), [
    ({"PACSCAN_SHARD_INDEX": "2", "PACSCAN_SHARD_COUNT": "3"}, (2, 3)),
    ({"JOB_COMPLETION_INDEX": "0", "JOB_COMPLETIONS": "2"}, (1, 2)),  # Kubernetes counts from 0
    ({"JOB_COMPLETION_INDEX": "1", "PACSCAN_SHARD_COUNT": "2"}, (2, 2)),
    ({"PACSCAN_SHARD_INDEX": "1", "PACSCAN_SHARD_COUNT": "2", "JOB_COMPLETION_INDEX": "1", "JOB_COMPLETIONS": "2"},
     (1, 2)),  # the explicit variables win
])
def test_shard_auto_reads_the_job_runner(env: dict[str, str], expected: tuple[int, int]) -> None:
    shard = Shard.parse("auto", env)
    assert (shard.index, shard.count) == expected


@pytest.mark.parametrize(("env", "words"), [
    ({}, "no job index in the environment"),
    ({"JOB_COMPLETION_INDEX": "0"}, "neither JOB_COMPLETIONS nor PACSCAN_SHARD_COUNT"),
    ({"PACSCAN_SHARD_INDEX": "1"}, "PACSCAN_SHARD_COUNT is not set"),
    ({"PACSCAN_SHARD_INDEX": "3", "PACSCAN_SHARD_COUNT": "2"}, "need 1 <= I <= N"),
    ({"JOB_COMPLETION_INDEX": "2", "JOB_COMPLETIONS": "2"}, "need 1 <= I <= N"),
    ({"PACSCAN_SHARD_INDEX": "one", "PACSCAN_SHARD_COUNT": "2"}, "must be a whole number"),
])
def test_shard_auto_without_a_usable_index_is_one_line_and_exit_2(
        env: dict[str, str], words: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ShardError, match=re.escape(words)):
        Shard.parse("auto", env)
    for name in ("PACSCAN_SHARD_INDEX", "PACSCAN_SHARD_COUNT", "JOB_COMPLETION_INDEX", "JOB_COMPLETIONS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "tenants.yaml").write_text(TENANTS)
    with pytest.raises(SystemExit) as exited:
        main(["cloud", "--tenants", str(tmp_path / "tenants.yaml"), "--shard", "auto"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_a_shard_needs_tenants(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["cloud", "--shard", "1/2", "aws"])
    assert exited.value.code == 2 and "--shard slices the tenants of --tenants FILE" in capsys.readouterr().err


# -- docs/msp.md: the Kubernetes manifest ---------------------------------------------------------------------


def test_the_kubernetes_manifest_validates_against_the_kubernetes_schema() -> None:
    import kubernetes_validate

    manifests, _workflow = documents()
    assert {m["metadata"]["name"] for m in manifests} == {"pacscan-shards", "pacscan-merge"}
    for manifest in manifests:
        kubernetes_validate.validate(manifest, KUBERNETES, strict=True)  # raises on any error
    shards = job(manifests, "pacscan-shards")
    assert shards["spec"]["completionMode"] == "Indexed"
    (container,) = shards["spec"]["template"]["spec"]["containers"]
    completions = shards["spec"]["completions"]
    assert env_of(container)["JOB_COMPLETIONS"] == str(completions), "the count the pods see is the Job's"
    (merge,) = job(manifests, "pacscan-merge")["spec"]["template"]["spec"]["containers"]
    assert env_of(merge)["SHARDS"] == str(completions) and env_of(merge)["RUN"] == env_of(container)["RUN"]
    for key, value in (("completion", 2), ("completions", "two")):  # a misspelt field, a wrong type
        broken = json.loads(json.dumps(shards))
        broken["spec"][key] = value
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def _sh(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(["sh", "-c", script], cwd=cwd, env={**os.environ, **env, "PATH": path},
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def estate(aws: str) -> str:
    seed_bucket("111111111111", "alpha-pass-versioned", versioned=True)
    seed_bucket("222222222222", "beta-fail-unversioned", versioned=False)
    return aws


def _check_merged(merged: Path, shard_dirs: list[Path], origin: str) -> None:
    index = json.loads((merged / "index.json").read_text())
    assert [t["name"] for t in index["tenants"]] == ["alpha", "beta", "gamma"]
    assert {t["status"] for t in index["tenants"]} == {"ok"}
    assert sorted(p.name for p in merged.glob("*.json")) == ["alpha.json", "beta.json", "gamma.json", "index.json"]
    records = [json.loads((d / "index.json").read_text())["shard"] for d in shard_dirs]
    assert [(r["index"], r["count"], r["origin"]) for r in records] == [(1, 2, origin), (2, 2, origin)]
    assert {r["tenants_listed"] for r in records} == {3} and len({r["tenants_file_sha256"] for r in records}) == 1


@pytest.mark.slow
def test_the_indexed_job_runs_its_shards_then_the_merge_as_written(estate: str, tmp_path: Path) -> None:
    manifests, _workflow = documents()
    shards, merge = job(manifests, "pacscan-shards"), job(manifests, "pacscan-merge")
    (container,) = shards["spec"]["template"]["spec"]["containers"]
    (merger,) = merge["spec"]["template"]["spec"]["containers"]
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "tenants.yaml").write_text(TENANTS)

    def local(script: str) -> str:  # the volumes, mounted here
        return script.replace("/config", str(tmp_path / "config")).replace("/evidence", str(tmp_path / "evidence"))

    assert container["command"] == ["sh", "-c"] and merger["command"] == ["sh", "-c"]
    for index in range(shards["spec"]["completions"]):  # what the Job controller starts, one pod per index
        done = _sh(local(container["args"][0]), tmp_path, {**env_of(container), "JOB_COMPLETION_INDEX": str(index)})
        assert done.returncode == 0, done.stderr  # beta's failure is a scan that ran: success for the Job
        assert "shard " in done.stderr and "JOB_COMPLETION_INDEX/JOB_COMPLETIONS" in done.stderr
    done = _sh(local(merger["args"][0]), tmp_path, env_of(merger))
    assert done.returncode == 0, done.stderr
    run = tmp_path / "evidence" / env_of(container)["RUN"]
    _check_merged(run / "merged", [run / "shard-0", run / "shard-1"], "JOB_COMPLETION_INDEX/JOB_COMPLETIONS")


@pytest.mark.slow
def test_the_ci_matrix_runs_its_shards_then_the_merge_as_written(estate: str, tmp_path: Path) -> None:
    _manifests, workflow = documents()
    shard_job, merge_job = workflow["jobs"]["shard"], workflow["jobs"]["merge"]
    assert merge_job["needs"] == "shard"
    (tmp_path / "tenants.yaml").write_text(TENANTS)
    (scan,) = [s["run"] for s in shard_job["steps"] if "pacscan cloud" in s.get("run", "")]
    for value in shard_job["strategy"]["matrix"]["shard"]:
        env = {k: str(v).replace("${{ matrix.shard }}", str(value)) for k, v in shard_job["env"].items()}
        done = _sh(scan.replace("${{ matrix.shard }}", str(value)), tmp_path, env)
        assert done.returncode == 0, done.stderr
        shutil.copytree(tmp_path / f"shard-{value}", tmp_path / "shards" / f"shard-{value}")  # the artifacts
    (merge,) = [s["run"] for s in merge_job["steps"] if "pacscan evidence merge" in s.get("run", "")]
    done = _sh(merge, tmp_path, {})
    assert done.returncode == 0, done.stderr
    _check_merged(tmp_path / "merged", [tmp_path / "shard-1", tmp_path / "shard-2"],
                  "PACSCAN_SHARD_INDEX/PACSCAN_SHARD_COUNT")
