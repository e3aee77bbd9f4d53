"""An endpoint killed mid-scan: the circuit breaker stops the account region within seconds, every
remaining read becomes ``error`` with one reason, and the scan ends well within 30 s (it took 347 s
before the breaker, with every call spending its retries), exiting 3: it is incomplete.

The real CLI, with pacscan's default retries, timeouts and concurrency, scans 300 buckets in a real
moto server through the fault proxy, which vanishes after serving part of the scan.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from scanner.render.json_evidence import validate_document
from tests.conftest import REPO
from tests.reliability.conftest import REGION
from tests.reliability.faultproxy import FaultProxy
from tests.waive import waive_everything

BREAKER_REASON = re.compile(r"AWS \S+ endpoint \S+ stopped answering: [^;]*; "
                            r"the remaining requests to it were not sent")
BUCKETS = 300
SERVED = 1200  # requests answered before the endpoint dies: about a quarter of the bucket reads

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def many_buckets(moto_url: str, aws_env: Mapping[str, str]) -> Iterator[str]:
    import boto3

    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_url)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: s3.create_bucket(Bucket=f"pacs-images-{i:03d}"), range(BUCKETS)))
    yield moto_url


def _environment(endpoint: str, aws_env: Mapping[str, str]) -> dict[str, str]:
    """The user's: dummy credentials, and pacscan's default retries, timeouts and breaker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PACSCAN_", "AWS_"))}
    keep = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE")
    return {**env, **{k: aws_env[k] for k in keep}, "AWS_ENDPOINT_URL": endpoint, "PYTHONUNBUFFERED": "1"}


def _watch_death(proxy: FaultProxy) -> Future[float]:
    """When the proxy dies (monotonic time), watched from a thread."""
    died: Future[float] = Future()

    def watch() -> None:
        while not proxy.dead:
            time.sleep(0.05)
        died.set_result(time.monotonic())

    threading.Thread(target=watch, daemon=True).start()
    return died


def test_an_endpoint_killed_mid_scan_of_300_buckets_ends_within_30_s_incomplete(
        many_buckets: str, aws_env: Mapping[str, str], tmp_path: Path) -> None:
    out = tmp_path / "evidence.json"
    waivers = waive_everything(tmp_path / "waivers.yaml")  # what was read and fails does not hide the exit 3
    with FaultProxy(many_buckets) as proxy:
        proxy.die_after(SERVED)
        died = _watch_death(proxy)
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "scanner", "cloud", "aws", "--region", REGION, "--format",
                               "json", "--output", str(out), "--waivers", str(waivers), "--no-color"],
                              cwd=REPO, env=_environment(proxy.url, aws_env), capture_output=True, text=True,
                              timeout=300, check=False)
        ended = time.monotonic()
        elapsed, after_death = ended - started, ended - died.result(timeout=5)
    assert elapsed < 30, f"the scan took {elapsed:.0f} s ({after_death:.0f} s after the endpoint died)"
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "incomplete scan" in done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate_document(doc)
    findings = [f for f in doc["findings"] if f["source"] == "aws"]
    buckets = {f["resource"]["address"] for f in findings if f["resource"]["type"] == "aws.s3.bucket"}
    assert len(buckets) == BUCKETS, "every bucket listed before the death is in the report"
    errors = [f for f in findings if f["status"] == "error"]
    stopped = [f for f in errors if "stopped answering" in f["message"]]
    # most buckets were never read (the read plan spares some reads: their rules are not_applicable)
    judged = [f for f in findings if f["status"] != "not_applicable"]
    assert len(errors) > len(judged) / 2 and {f["status"] for f in findings} <= {"pass", "waived", "error",
                                                                                  "not_applicable"}
    assert len(stopped) > 0.9 * len(errors), "the remaining reads carry the breaker's one reason"
    reasons = Counter(r for f in stopped for r in BREAKER_REASON.findall(f["message"]))
    assert len(reasons) == 1, reasons
    assert f"endpoint {proxy.url.removeprefix('http://')} stopped answering" in next(iter(reasons))
    # about 1 s to open the breaker, up to a few seconds for calls already in a retry backoff, then the
    # reports (4,000 findings): well under the 30 s, on two shared cores
    assert after_death < 20, f"the scan went on for {after_death:.1f} s after the endpoint died"
