"""MSP scale: 20 client accounts reached by assume_role in one moto server.

Seeds each account (a few buckets with settings, security groups), writes a tenants.yaml with
one tenant per account, and times `pacscan cloud --tenants` at several tenant concurrencies in
the same run, against the sequential run (--tenant-concurrency 1). Results:
bench/results/msp.json. Never part of `make test`.

    .venv/bin/python bench/msp.py --tenants 20 --buckets 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # bench/ is not a package; run from anywhere

from scripts.healthimaging_standin import StandIn  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "msp.json"


def _seed(account: str, buckets: int) -> None:
    import boto3

    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/pacscan",
                                            RoleSessionName="seed")["Credentials"]
    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], region_name="us-east-1")
    s3 = session.client("s3")
    for n in range(buckets):
        name = f"pacs-{account}-{n}"
        s3.create_bucket(Bucket=name)
        if n % 2 == 0:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    ec2 = session.client("ec2")
    group = ec2.create_security_group(GroupName=f"orthanc-{account}", Description="bench")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 4242, "ToPort": 4242, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])


def _tenants_file(path: Path, accounts: list[str]) -> None:
    lines = ["tenants:"]
    for account in accounts:
        lines += [f"  - name: clinic-{account}", "    aws:",
                  f"      role_arn: arn:aws:iam::{account}:role/pacscan", "      regions: [us-east-1]"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _run(tenants: Path, out: Path, concurrency: int, env: dict[str, str]) -> float:
    cmd = [str(Path(sys.executable).parent / "pacscan"), "cloud", "--tenants", str(tenants), "--evidence-dir",
           str(out), "--tenant-concurrency", str(concurrency), "--soft-fail", "--no-color"]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: pacscan exited {done.returncode}: {done.stderr.strip()[-500:]}")
    index = json.loads((out / "index.json").read_text())
    failed = [t["name"] for t in index["tenants"] if t["status"] != "ok"]
    if failed:
        raise SystemExit(f"bench: tenants in error: {failed}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--buckets", type=int, default=5, help="buckets per account")
    parser.add_argument("--concurrency", default="1,4,8", help="tenant concurrencies to compare")
    args = parser.parse_args(argv)
    from moto.server import ThreadedMotoServer

    with tempfile.TemporaryDirectory(prefix="pacscan-bench-msp-") as tmp:
        root = Path(tmp)
        (root / "aws-config").write_text("")
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": str(root / "aws-config"),
               "AWS_SHARED_CREDENTIALS_FILE": str(root / "aws-config")}
        env.pop("AWS_PROFILE", None)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        stack = contextlib.ExitStack()
        try:
            host, port = server.get_host_and_port()
            env["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
            # moto has no HealthImaging: an empty stand-in answers its listing (as in the tests and the demo)
            env.update(stack.enter_context(StandIn().serve()).environ(cloudtrail=False))
            os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
            accounts = [f"{100000000000 + n:012d}" for n in range(1, args.tenants + 1)]
            for account in accounts:
                _seed(account, args.buckets)
            tenants = root / "tenants.yaml"
            _tenants_file(tenants, accounts)
            rows: list[dict[str, Any]] = []
            for level in [int(c) for c in args.concurrency.split(",")]:
                seconds = _run(tenants, root / f"out-{level}", level, env)
                rows.append({"tenant_concurrency": level, "seconds": round(seconds, 2)})
        finally:
            stack.close()
            server.stop()
    base = rows[0]["seconds"]
    print(f"{'tenants':>7}  {'concurrency':>11}  {'wall s':>7}  {'s/tenant':>8}  {'vs sequential':>13}")
    for row in rows:
        row["speedup_vs_first"] = round(base / row["seconds"], 2)
        print(f"{args.tenants:>7}  {row['tenant_concurrency']:>11}  {row['seconds']:>7.2f}  "
              f"{row['seconds'] / args.tenants:>8.2f}  {row['speedup_vs_first']:>12.2f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"benchmark": "pacscan cloud --tenants (moto, assume_role)",
                                   "tenants": args.tenants, "buckets_per_tenant": args.buckets,
                                   "platform": platform.platform(), "results": rows}, indent=2) + "\n")
    print(f"results written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
