"""Time the live AWS collector against the sequential request floor, on a moto server.

For each size N: reset a moto server (its own process, on loopback), seed N S3 buckets with a
few settings each (versioning, default encryption, tags, a public access block on some) and N/10
security groups, then:

1. run ``AwsCollector(concurrency=16)`` over the account (one region), timing ``collect()`` and
   counting its API calls (``AwsSession.calls``); every request it makes is recorded with its
   service, region, operation and parameters (botocore's ``provide-client-params`` event);
2. replay exactly those requests, in order, one after another, with a bare boto3 loop (plain
   clients, same retry/timeout configuration): the sequential request floor.

The ratio collector / floor says what the collector's concurrency buys (and what its bookkeeping
costs). Target: ratio <= 1.5 at 1000 buckets. Results go to bench/results/aws.json. Never part
of `make test`.

    .venv/bin/python bench/aws.py --sizes 100,1000
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # bench/ is not a package; run from anywhere

import common  # noqa: E402  (this script's directory is on sys.path)

from scanner.collectors.aws.collector import AwsCollector  # noqa: E402
from scanner.collectors.aws.session import AwsSession, AwsTarget, RetryPolicy  # noqa: E402

TARGET_RATIO = 1.5
CONCURRENCY = 16
REGION = "us-east-1"
RESULTS = REPO / "bench" / "results" / "aws.json"

Request = tuple[str, str, str, dict[str, Any]]  # service, region, operation, parameters


class BenchError(Exception):
    """The moto server did not start, or seeding/replaying failed."""


@dataclass(frozen=True)
class Row:
    buckets: int
    security_groups: int
    calls: int
    calls_per_bucket: float
    collector_seconds: float
    floor_seconds: float
    ratio: float
    meets_target: bool
    operations: dict[str, int]


# ---- moto ------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """moto in its own process, so the collector and the server do not share one interpreter."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):
                    break
            except OSError as err:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise BenchError(f"moto server did not start on {url}: {err}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def _environment(url: str, scratch: Path) -> None:
    empty = scratch / "empty-aws-config"
    empty.write_text("")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "MOTO_ACCOUNT_ID"):
        os.environ.pop(name, None)
    os.environ.update({"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": str(empty),
                       "AWS_SHARED_CREDENTIALS_FILE": str(empty)})


# ---- seeding ---------------------------------------------------------------------------------------

def _seed_bucket(s3: Any, index: int) -> None:
    name = f"pacs-bench-{index:05d}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "data", "Value": "dicom"}]})
    if index % 2 == 0:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    if index % 3 == 0:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})


def _seed_group(ec2: Any, index: int) -> None:
    group = ec2.create_security_group(GroupName=f"pacs-bench-{index:04d}", Description="bench")["GroupId"]
    cidr = "0.0.0.0/0" if index % 4 == 0 else "10.0.0.0/8"
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 104, "ToPort": 104, "IpRanges": [{"CidrIp": cidr}]}])


def seed(buckets: int) -> int:
    import boto3

    s3 = boto3.client("s3", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    groups = max(1, buckets // 10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = [pool.submit(_seed_bucket, s3, i) for i in range(buckets)]
        jobs += [pool.submit(_seed_group, ec2, i) for i in range(groups)]
        for job in jobs:
            job.result()
    return groups


# ---- the two runs ----------------------------------------------------------------------------------

class RecordingSession(AwsSession):
    """An AwsSession that also records every request its clients make, with its parameters."""

    def __init__(self, target: AwsTarget, retry: RetryPolicy) -> None:
        self.requests: list[Request] = []
        self._requests_lock = threading.Lock()
        super().__init__(target, retry)

    def client(self, service: str, region: str | None = None) -> Any:
        api = super().client(service, region)
        if not getattr(api, "_pacscan_bench_recorded", False):
            where = api.meta.region_name

            def record(params: dict[str, Any], model: Any, **_: Any) -> None:
                with self._requests_lock:
                    self.requests.append((service, where, model.name, dict(params)))

            api.meta.events.register("provide-client-params.*.*", record)
            api._pacscan_bench_recorded = True
        return api


def run_collector(retry: RetryPolicy) -> tuple[float, RecordingSession]:
    target = AwsTarget(regions=(REGION,))
    start = time.perf_counter()
    session = RecordingSession(target, retry)
    AwsCollector(target, concurrency=CONCURRENCY, retry=retry, session=session).collect()
    return time.perf_counter() - start, session


def _strip_account_prefix(request: Any = None, **_: Any) -> None:
    parts = urlsplit(request.url)
    label, _dot, rest = parts.netloc.partition(".")
    if len(label) == 12 and label.isdigit() and rest:
        request.url = urlunsplit(parts._replace(netloc=rest))


def replay(requests: Sequence[Request], retry: RetryPolicy) -> float:
    """The same requests, in order, one at a time; errors (404 not-configured answers) are expected."""
    import boto3
    from botocore import xform_name
    from botocore.config import Config
    from botocore.exceptions import ClientError

    config = Config(retries={"mode": retry.mode, "max_attempts": retry.max_attempts},
                    connect_timeout=retry.connect_timeout, read_timeout=retry.read_timeout,
                    inject_host_prefix=False)
    start = time.perf_counter()
    session = boto3.Session()
    session.events.register("before-sign.s3-control.*", _strip_account_prefix)  # as AwsSession does on moto
    clients: dict[tuple[str, str], Any] = {}
    for service, region, operation, params in requests:
        key = (service, region)
        if key not in clients:
            clients[key] = session.client(service, region_name=region, config=config)
        api = clients[key]
        method = getattr(api, xform_name(operation))
        with suppress(ClientError):
            method(**params)
    return time.perf_counter() - start


def bench_size(url: str, buckets: int, retry: RetryPolicy) -> Row:
    _reset(url)
    groups = seed(buckets)
    collector_seconds, session = run_collector(retry)
    calls = sum(session.calls.values())
    if len(session.requests) != calls:
        raise BenchError(f"recorded {len(session.requests)} requests for {calls} counted calls")
    floor_seconds = replay(session.requests, retry)
    ratio = collector_seconds / floor_seconds
    return Row(buckets, groups, calls, round(calls / buckets, 2), round(collector_seconds, 3),
               round(floor_seconds, 3), round(ratio, 3), ratio <= TARGET_RATIO, dict(sorted(session.calls.items())))


# ---- reporting -------------------------------------------------------------------------------------

def _print_table(rows: Sequence[Row]) -> None:
    print(f"{'buckets':>7}  {'SGs':>4}  {'calls':>6}  {'calls/bucket':>12}  {'collector s':>11}  {'floor s':>7}  "
          f"{'ratio':>5}  target")
    for r in rows:
        verdict = "met" if r.meets_target else "MISSED"
        print(f"{r.buckets:>7}  {r.security_groups:>4}  {r.calls:>6}  {r.calls_per_bucket:>12.2f}  "
              f"{r.collector_seconds:>11.2f}  {r.floor_seconds:>7.2f}  {r.ratio:>5.2f}  <= {TARGET_RATIO} {verdict}")


def _write_results(rows: Sequence[Row]) -> None:
    import boto3
    import moto

    payload = {
        "benchmark": "AwsCollector(concurrency=16) vs the same requests replayed sequentially, on moto",
        "target_ratio": TARGET_RATIO,
        "region": REGION,
        "concurrency": CONCURRENCY,
        **common.machine(),
        "cpus": os.cpu_count(),
        "versions": {"boto3": boto3.__version__, "moto": moto.__version__},
        "results": [asdict(r) for r in rows],
    }
    common.write_results(RESULTS, payload)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=common.sizes, default=[100, 1000], help="comma-separated bucket counts")
    args = parser.parse_args(argv)
    retry = RetryPolicy(mode="standard", max_attempts=3)
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory(prefix="pacscan-bench-aws-") as scratch, moto_server() as url:
            _environment(url, Path(scratch))
            for size in args.sizes:
                rows.append(bench_size(url, size, retry))
                print(f"... {size} buckets done", file=sys.stderr)
    except BenchError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 1
    _print_table(rows)
    _write_results(rows)
    print(f"results written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
