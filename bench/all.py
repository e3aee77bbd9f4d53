"""`make bench`: every benchmark in one run, then one summary table against the targets.

    IaC   pacscan iac vs bare `checkov -d` on generated trees (bench/iac.py): ratio <= 0.6, growth linear
    AWS   pacscan cloud aws on moto (bench/aws.py) at 100 and 500 buckets, seeded as AWS creates buckets since
          2023 and as moto does: requests per bucket <= 8, wall time and peak memory beside the code before
          the read plan (BENCH_AWS_PREVIOUS, a git ref; empty: skip), and the collector vs the sequential
          request floor: ratio <= 1.5
    MSP   20 tenants reached by assume_role in one moto server (bench/msp.py)

Each script writes its own JSON under bench/results/; this one adds bench/results/summary.json.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
#: main's last commit before live scans read only what the rules need (issue #18): the "before" column
BEFORE_READ_PLAN = "d2cd5b6"


def _run(script: str, *args: str) -> None:
    print(f"== {script} {' '.join(args)}", flush=True)
    done = subprocess.run([sys.executable, str(HERE / script), *args], check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: {script} exited {done.returncode}")


def _rows() -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    iac: dict[str, Any] = json.loads((RESULTS / "iac.json").read_text())
    for r in iac["results"]:
        rows.append((f"IaC {r['resources']} resources",
                     f"{r['pacscan_median']:.1f} s / {r['checkov_median']:.1f} s, "
                     f"{r['pacscan_peak_mb']:.0f} / {r['checkov_peak_mb']:.0f} MB",
                     f"{r['ratio']:.2f}", "<= 0.6 " + ("met" if r["meets_target"] else "MISSED")))
    first, last = iac["results"][0], iac["results"][-1]
    growth = (last["pacscan_median"] / last["resources"]) / (first["pacscan_median"] / first["resources"])
    rows.append(("IaC growth (s/resource, largest vs smallest)", f"{growth:.2f}x", "",
                 "<= 1 (no worse than linear) " + ("met" if growth <= 1.0 else "MISSED")))
    for results, estate in (("aws-defaults.json", "AWS-default buckets"), ("aws.json", "moto-plain buckets")):
        aws: dict[str, Any] = json.loads((RESULTS / results).read_text())
        for r in aws["results"]:
            name = f"AWS {r['buckets']} {estate}"
            before = r.get("previous")
            rows.append((f"{name}: requests", f"{r['calls_per_bucket']:.2f} per bucket"
                         + (f" (before: {before['calls_per_bucket']:.2f})" if before else ""), "",
                         "<= 8 " + ("met" if r["meets_calls_target"] else "MISSED")))
            command = f"{r['cli_seconds']:.1f} s, {r['cli_peak_mb']:.0f} MB"
            if before:
                command += f" (before: {before['cli_seconds']:.1f} s, {before['cli_peak_mb']:.0f} MB)"
            rows.append((f"{name}: pacscan cloud aws", command, "", "medians"))
            rows.append((f"{name}: collector vs floor", f"{r['collector_seconds']:.1f} s vs "
                         f"{r['floor_seconds']:.1f} s", f"{r['ratio']:.2f}",
                         "<= 1.5 " + ("met" if r["meets_target"] else "MISSED")))
    msp: dict[str, Any] = json.loads((RESULTS / "msp.json").read_text())
    for r in msp["results"]:
        rows.append((f"MSP {msp['tenants']} tenants, concurrency {r['tenant_concurrency']}", f"{r['seconds']:.1f} s",
                     f"{r['speedup_vs_first']:.2f}x", "vs sequential"))
    return rows


def main() -> int:
    start = time.perf_counter()
    _run("iac.py", "--sizes", os.environ.get("BENCH_IAC_SIZES", "100,1000,5000"), "--rounds",
         os.environ.get("BENCH_ROUNDS", "3"))
    aws_sizes, rounds = os.environ.get("BENCH_AWS_SIZES", "100,500"), os.environ.get("BENCH_ROUNDS", "3")
    previous = os.environ.get("BENCH_AWS_PREVIOUS", BEFORE_READ_PLAN)
    # buckets as AWS creates them since 2023 (ACLs disabled, public access blocked, SSE-S3), then as
    # moto creates them (ACLs enabled: each bucket's ACL must be read too)
    _run("aws.py", "--aws-defaults", "--sizes", aws_sizes, "--rounds", rounds,
         *(("--previous", previous) if previous else ()))
    _run("aws.py", "--sizes", aws_sizes, "--rounds", rounds)
    _run("msp.py", "--tenants", os.environ.get("BENCH_TENANTS", "20"))
    rows = _rows()
    width = max(len(r[0]) for r in rows)
    print(f"\n{'benchmark':<{width}}  {'measured':<50}  {'ratio':>6}  target")
    for name, measured, ratio, target in rows:
        print(f"{name:<{width}}  {measured:<50}  {ratio:>6}  {target}")
    elapsed = time.perf_counter() - start
    print(f"\nmachine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"total {elapsed / 60:.1f} min")
    (RESULTS / "summary.json").write_text(json.dumps({"platform": platform.platform(), "cpus": os.cpu_count(),
                                                      "minutes": round(elapsed / 60, 1), "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
