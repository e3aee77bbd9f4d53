"""The live AWS scan on a moto server: requests per bucket, wall time and peak memory, against the
sequential request floor and against the code before the read plan, side by side in one run.

For each size N: reset a moto server (its own process, on loopback), seed N S3 buckets with a few
settings each (tags on all; versioning and AES256 default encryption on half; a public access block
on a third; with ``--aws-defaults`` also what AWS gives every new bucket since 2023, which moto does
not: BucketOwnerEnforced, all four public access blocks, SSE-S3) and N/10 security groups, then for
each round:

1. run ``AwsCollector(concurrency=16)`` over the account (one region, ``--region`` as a user would)
   with the read plan of the default catalog, as ``pacscan cloud aws`` builds it; time ``collect()``
   and count its API calls, in total and for the bucket kind (``AwsSession.calls``, ``calls_by_kind``);
   every request is recorded with its service, region, operation and parameters (botocore's
   ``provide-client-params`` event);
2. replay exactly those requests, in order, one after another, with a bare boto3 loop (plain
   clients, same retry/timeout configuration): the sequential request floor;
3. run ``pacscan cloud aws --region us-east-1`` as a subprocess: wall time and peak resident memory
   of the whole command (evidence to a temporary file; its ``scan.api_calls`` must match step 1);
4. with ``--previous REF``: the same command from the code at REF (a git ref: e.g. the last commit
   before the read plan), extracted to a temporary folder and run from there, timed the same way;
   its requests are counted once per size by running its collector in a subprocess.

Medians over the rounds are reported (the machine may be shared: every round's figures are in the
results file too). Targets: at most 8 requests per bucket with the default catalog; collector /
floor <= 1.5. Results go to bench/results/aws.json (aws-defaults.json with ``--aws-defaults``). Never
part of `make test`.

    .venv/bin/python bench/aws.py --sizes 100,500 --rounds 3 --previous d2cd5b6
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
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
import runs  # noqa: E402

from scanner.catalog import load_catalog  # noqa: E402
from scanner.collectors.aws.collector import AwsCollector  # noqa: E402
from scanner.collectors.aws.session import AwsSession, AwsTarget, RetryPolicy  # noqa: E402
from scanner.scan import read_plan  # noqa: E402
from scripts.healthimaging_standin import StandIn  # noqa: E402

TARGET_RATIO = 1.5
TARGET_CALLS_PER_BUCKET = 8
CONCURRENCY = 16
REGION = "us-east-1"
BUCKET = "aws.s3.bucket"
RESULTS = REPO / "bench" / "results" / "aws.json"

Request = tuple[str, str, str, dict[str, Any]]  # service, region, operation, parameters


class BenchError(Exception):
    """The moto server did not start, or seeding/replaying/a scan failed."""


@dataclass(frozen=True)
class Previous:
    """The same scan by the code at ``ref``."""

    ref: str
    calls: int
    calls_per_bucket: float
    cli_seconds: float
    cli_peak_mb: float


@dataclass(frozen=True)
class Row:
    buckets: int
    security_groups: int
    rounds: int
    calls: int
    calls_per_bucket: float
    #: requests made for the bucket kind (ListBuckets, the account's public access block, per bucket)
    bucket_calls_per_bucket: float
    meets_calls_target: bool
    collector_seconds: float  # medians over the rounds
    floor_seconds: float
    ratio: float
    meets_target: bool
    cli_seconds: float
    cli_peak_mb: float
    previous: Previous | None
    operations: dict[str, int]
    rounds_detail: list[dict[str, float]]


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

#: the settings AWS gives every new bucket since 2023 (moto applies none of them by itself)
_AWS_DEFAULTS = {"ownership": "BucketOwnerEnforced", "sse": "AES256"}
_PAB_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


def _seed_bucket(s3: Any, index: int, aws_defaults: bool) -> None:
    name = f"pacs-bench-{index:05d}"
    s3.create_bucket(Bucket=name)
    if aws_defaults:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [
            {"ObjectOwnership": _AWS_DEFAULTS["ownership"]}]})
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=_PAB_ALL)
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": _AWS_DEFAULTS["sse"]}}]})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "data", "Value": "dicom"}]})
    if index % 2 == 0:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    if index % 3 == 0:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=_PAB_ALL)


def _seed_group(ec2: Any, index: int) -> None:
    group = ec2.create_security_group(GroupName=f"pacs-bench-{index:04d}", Description="bench")["GroupId"]
    cidr = "0.0.0.0/0" if index % 4 == 0 else "10.0.0.0/8"
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 104, "ToPort": 104, "IpRanges": [{"CidrIp": cidr}]}])


def seed(buckets: int, aws_defaults: bool = False) -> int:
    import boto3

    s3 = boto3.client("s3", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    groups = max(1, buckets // 10)
    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = [pool.submit(_seed_bucket, s3, i, aws_defaults) for i in range(buckets)]
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
    catalog = load_catalog()
    plan = read_plan(catalog, catalog.defaults(), "aws")  # as `pacscan cloud aws` plans it
    start = time.perf_counter()
    session = RecordingSession(target, retry)
    AwsCollector(target, concurrency=CONCURRENCY, retry=retry, session=session).collect(plan=plan)
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


def bench_size(url: str, buckets: int, retry: RetryPolicy, rounds: int, previous: tuple[str, Path] | None,
               aws_defaults: bool = False) -> Row:
    _reset(url)
    groups = seed(buckets, aws_defaults)
    detail: list[dict[str, float]] = []
    calls: dict[str, int] = {}
    bucket_calls = 0
    with tempfile.TemporaryDirectory(prefix="pacscan-bench-aws-out-") as tmp:
        out = Path(tmp) / "evidence.json"
        for _ in range(rounds):
            collector_seconds, session = run_collector(retry)
            total = sum(session.calls.values())
            if len(session.requests) != total:
                raise BenchError(f"recorded {len(session.requests)} requests for {total} counted calls")
            calls = dict(sorted(session.calls.items()))
            bucket_calls = sum(session.calls_by_kind.get(BUCKET, {}).values())
            floor_seconds = replay(session.requests, retry)
            cli_seconds, cli_mb = runs.cloud_aws(REPO, out, REGION, CONCURRENCY)
            evidence = json.loads(out.read_text())["scan"]["api_calls"]
            if evidence["total"] != total:
                raise BenchError(f"the command made {evidence['total']} requests, the collector {total}")
            times = {"collector_seconds": collector_seconds, "floor_seconds": floor_seconds,
                     "cli_seconds": cli_seconds, "cli_peak_mb": cli_mb}
            if previous is not None:
                times["previous_cli_seconds"], times["previous_cli_peak_mb"] = runs.cloud_aws(previous[1], out, REGION,
                                                                                             CONCURRENCY)
            detail.append({k: round(v, 3) for k, v in times.items()})
    before = None
    if previous is not None:
        old = runs.requests_made(previous[1], REGION, CONCURRENCY)
        before = Previous(previous[0], old, round(old / buckets, 2), _median(detail, "previous_cli_seconds"),
                          _median(detail, "previous_cli_peak_mb"))
    total = sum(calls.values())
    collector, floor = _median(detail, "collector_seconds"), _median(detail, "floor_seconds")
    return Row(buckets, groups, rounds, total, round(total / buckets, 2), round(bucket_calls / buckets, 2),
               total / buckets <= TARGET_CALLS_PER_BUCKET, collector, floor, round(collector / floor, 3),
               collector / floor <= TARGET_RATIO, _median(detail, "cli_seconds"), _median(detail, "cli_peak_mb"),
               before, calls, detail)


def _median(rows: Sequence[dict[str, float]], key: str) -> float:
    return round(statistics.median(r[key] for r in rows), 3)


# ---- reporting -------------------------------------------------------------------------------------

def _print_table(rows: Sequence[Row]) -> None:
    print(f"{'buckets':>7}  {'calls/bucket':>12}  {'before':>6}  {'collector s':>11}  {'floor s':>7}  {'ratio':>5}  "
          f"{'cloud aws s':>11}  {'before':>6}  {'peak MB':>7}  {'before':>6}  targets")
    for r in rows:
        p = r.previous
        verdict = (f"calls <= {TARGET_CALLS_PER_BUCKET} {'met' if r.meets_calls_target else 'MISSED'}, "
                   f"ratio <= {TARGET_RATIO} {'met' if r.meets_target else 'MISSED'}")
        print(f"{r.buckets:>7}  {r.calls_per_bucket:>12.2f}  {_or(p.calls_per_bucket if p else None, '.2f'):>6}  "
              f"{r.collector_seconds:>11.2f}  {r.floor_seconds:>7.2f}  {r.ratio:>5.2f}  {r.cli_seconds:>11.2f}  "
              f"{_or(p.cli_seconds if p else None, '.2f'):>6}  {r.cli_peak_mb:>7.0f}  "
              f"{_or(p.cli_peak_mb if p else None, '.0f'):>6}  "
              f"{verdict}")
    print(f"(medians of {rows[0].rounds if rows else 0} rounds; 'before': the same at --previous)")


def _or(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _write_results(rows: Sequence[Row], aws_defaults: bool) -> None:
    import boto3
    import moto

    payload = {
        "benchmark": "pacscan cloud aws and AwsCollector(concurrency=16) with the default catalog's read plan vs the "
                     "same requests replayed sequentially (and the code at --previous), on moto",
        "target_ratio": TARGET_RATIO,
        "target_calls_per_bucket": TARGET_CALLS_PER_BUCKET,
        "region": REGION,
        "estate": "buckets with AWS's defaults since 2023" if aws_defaults else "buckets as moto creates them",
        "concurrency": CONCURRENCY,
        **common.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "versions": {"boto3": boto3.__version__, "moto": moto.__version__},
        "results": [asdict(r) for r in rows],
    }
    common.write_results(_results(aws_defaults), payload)


def _results(aws_defaults: bool) -> Path:
    return RESULTS.with_name("aws-defaults.json") if aws_defaults else RESULTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=common.sizes, default=[100, 500], help="comma-separated bucket counts")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per size (medians are reported)")
    parser.add_argument("--previous", default=None, metavar="REF",
                        help="also time `pacscan cloud aws` from the code at this git ref (e.g. before the read plan)")
    parser.add_argument("--aws-defaults", action="store_true",
                        help="seed the buckets as AWS creates them since 2023 (BucketOwnerEnforced, all four public "
                             "access blocks, SSE-S3), which moto does not do by itself")
    args = parser.parse_args(argv)
    retry = RetryPolicy(mode="standard", max_attempts=3)
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory(prefix="pacscan-bench-aws-") as scratch, moto_server() as url, \
                runs.tree_at(REPO, args.previous) as tree, StandIn().serve() as imaging:
            _environment(url, Path(scratch))
            # moto has no HealthImaging: an empty stand-in answers its listing, as in the tests and the demo
            os.environ.update(imaging.environ(cloudtrail=False))
            before = (str(args.previous), tree) if tree is not None else None
            for size in args.sizes:
                rows.append(bench_size(url, size, retry, max(1, args.rounds), before, args.aws_defaults))
                print(f"... {size} buckets done", file=sys.stderr)
    except (BenchError, runs.RunError) as err:
        print(f"bench: {err}", file=sys.stderr)
        return 1
    _print_table(rows)
    _write_results(rows, args.aws_defaults)
    print(f"results written to {_results(args.aws_defaults)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
