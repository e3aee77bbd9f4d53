"""Running ``pacscan cloud aws`` as a user does, from this checkout or from the code at another git ref,
for bench/aws.py: wall time and peak resident memory of the whole command, and the requests a
collector makes.

bench/ is not a package: scripts import this module by name (``import runs``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RunError(Exception):
    """The command failed, or the code at a ref could not be extracted."""


def _env(tree: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}  # `python -m scanner` from `tree` imports that tree's code
    env.pop("PACSCAN_VALIDATE_EVIDENCE", None)
    return env


def cloud_aws(tree: Path, out: Path, region: str, concurrency: int) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of ``pacscan cloud aws --region REGION`` run from ``tree``,
    its JSON evidence written to ``out``."""
    cmd = [sys.executable, "-m", "scanner", "cloud", "aws", "--region", region, "--concurrency", str(concurrency),
           "--format", "json", "--output", str(out), "--soft-fail", "--quiet", "--no-color"]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=tree, env=_env(tree), stdout=subprocess.DEVNULL, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
            raise RunError(f"pacscan cloud aws (from {tree}) exited {code}: {' | '.join(tail)}")
    return elapsed, usage.ru_maxrss / 1024


_COUNT = """
import json, sys
from scanner.collectors.aws.collector import AwsCollector
from scanner.collectors.aws.session import AwsTarget, RetryPolicy
collector = AwsCollector(AwsTarget(regions=(sys.argv[1],)), concurrency=int(sys.argv[2]),
                         retry=RetryPolicy(mode="standard", max_attempts=3))
print(json.dumps(dict(collector.collect().calls)))
"""


def requests_made(tree: Path, region: str, concurrency: int) -> int:
    """How many requests the collector in ``tree`` makes (before the read plan, a collector read everything
    its command did)."""
    done = subprocess.run([sys.executable, "-c", _COUNT, region, str(concurrency)], cwd=tree, env=_env(tree),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RunError(f"counting the requests of {tree} failed: {done.stderr.strip()[-300:]}")
    return sum(json.loads(done.stdout.strip().splitlines()[-1]).values())


@contextmanager
def tree_at(repo: Path, ref: str | None) -> Iterator[Path | None]:
    """The code at ``ref`` (``git archive``), in a temporary folder; None without a ref."""
    if not ref:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="pacscan-bench-previous-") as tmp:
        archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", ref], capture_output=True,
                                 check=False)
        if archive.returncode != 0:
            raise RunError(f"--previous {ref}: git archive failed: {archive.stderr.decode().strip()}")
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        yield Path(tmp)
