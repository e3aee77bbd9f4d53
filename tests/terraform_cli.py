"""The real Terraform CLI, offline, with the provider mirror that ships with the machine."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

_MIRROR_CANDIDATES = ("/opt/tf-plugins", "/usr/share/terraform/plugins", "/usr/local/share/terraform/plugins")


@cache
def plugin_dir() -> Path | None:
    env = os.environ.get("PACSCAN_TF_PLUGIN_DIR")
    candidates = [env] if env else []
    candidates += list(_MIRROR_CANDIDATES)
    for candidate in candidates:
        if candidate and (Path(candidate) / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return Path(candidate)
    return None


def unavailable_reason() -> str | None:
    if shutil.which("terraform") is None:
        return "Terraform CLI is not on PATH: plan tests need it (they run wherever it is installed)"
    if plugin_dir() is None:
        return "no hashicorp/aws provider mirror found (set PACSCAN_TF_PLUGIN_DIR)"
    return None


def _tf(workdir: Path, *args: str) -> str:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0"}
    done = subprocess.run(["terraform", f"-chdir={workdir}", *args], env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise AssertionError(f"terraform {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def plan_json(source: Path, workdir: Path) -> Path:
    """Copy ``source`` to ``workdir``, init offline, plan, and return the `show -json` file."""
    shutil.copytree(source, workdir, dirs_exist_ok=True)
    _tf(workdir, "init", f"-plugin-dir={plugin_dir()}", "-backend=false")
    _tf(workdir, "plan", "-refresh=false", "-out=plan.out")
    out = workdir / "plan.json"
    out.write_text(_tf(workdir, "show", "-json", "plan.out"), encoding="utf-8")
    return out
