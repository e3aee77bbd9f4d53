"""Time `pacscan iac` against bare Checkov on generated Terraform trees.

For each size, bench/treegen.py writes a tree of that many resources; then, round after round,
both commands run on it as subprocesses (alternating which goes first), and the medians and
their ratio (pacscan / checkov) are reported. Target: ratio <= 0.6 from 100 resources up.
Results go to bench/results/iac.json. Never part of `make test`.

    .venv/bin/python bench/iac.py --sizes 100,1000 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import common  # bench/ is not a package: python puts this script's directory on sys.path
import treegen  # bench/ is not a package: python puts this script's directory on sys.path

TARGET_RATIO = 0.6
RESULTS = Path(__file__).resolve().parent / "results" / "iac.json"
ENV = {**os.environ, "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "CHECKOV_PARALLELIZATION_TYPE": "none"}


class BenchError(Exception):
    """A benchmarked command failed or could not be found."""


@dataclass(frozen=True)
class Row:
    resources: int
    rounds: int
    pacscan_seconds: list[float]
    checkov_seconds: list[float]
    pacscan_median: float
    checkov_median: float
    ratio: float
    meets_target: bool
    pacscan_peak_mb: float
    checkov_peak_mb: float


def _pacscan_cmd(bin_dir: Path, tree: Path) -> list[str]:
    # JSON evidence on stdout (discarded), like checkov's -o json below: the same kind of output
    return [str(bin_dir / "pacscan"), "iac", str(tree), "--format", "json", "--soft-fail"]


def _checkov_cmd(bin_dir: Path, tree: Path) -> list[str]:
    return [str(bin_dir / "checkov"), "-d", str(tree), "--framework", "terraform", "--quiet",
            "--compact", "-o", "json"]


def _timed(cmd: Sequence[str], ok_codes: frozenset[int]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one run of ``cmd``."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in ok_codes:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
            raise BenchError(f"{cmd[0]} exited {proc.returncode}: {' | '.join(tail)}")
    return elapsed, usage.ru_maxrss / 1024


def bench_size(bin_dir: Path, resources: int, rounds: int, seed: int) -> Row:
    with tempfile.TemporaryDirectory(prefix=f"pacscan-bench-{resources}-") as tmp:
        tree = Path(tmp) / "tree"
        treegen.generate(tree, resources, seed)
        pacscan = _pacscan_cmd(bin_dir, tree)
        checkov = _checkov_cmd(bin_dir, tree)
        p_runs: list[tuple[float, float]] = []
        c_runs: list[tuple[float, float]] = []
        for n in range(rounds):
            # Alternate the order so neither command always runs with warm caches.
            if n % 2 == 0:
                p_runs.append(_timed(pacscan, frozenset({0})))
                c_runs.append(_timed(checkov, frozenset({0, 1})))
            else:
                c_runs.append(_timed(checkov, frozenset({0, 1})))
                p_runs.append(_timed(pacscan, frozenset({0})))
    p_times, c_times = [t for t, _ in p_runs], [t for t, _ in c_runs]
    p_med = statistics.median(p_times)
    c_med = statistics.median(c_times)
    ratio = p_med / c_med
    return Row(resources, rounds, p_times, c_times, p_med, c_med, ratio, ratio <= TARGET_RATIO,
               max(m for _, m in p_runs), max(m for _, m in c_runs))


def _versions(bin_dir: Path) -> dict[str, str]:
    script = "import importlib.metadata as m; print(m.version('pacscan'), m.version('checkov'))"
    proc = subprocess.run([str(bin_dir / "python"), "-c", script], env=ENV, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        return {"pacscan": "unknown", "checkov": "unknown"}
    pacscan, checkov = proc.stdout.split()
    return {"pacscan": pacscan, "checkov": checkov}


def _print_table(rows: Sequence[Row]) -> None:
    print(f"{'resources':>9}  {'rounds':>6}  {'pacscan s':>9}  {'checkov s':>9}  {'ratio':>5}  "
          f"{'pacscan MB':>10}  {'checkov MB':>10}  {'ms/resource':>11}  target")
    for r in rows:
        verdict = "met" if r.meets_target else "MISSED"
        per = 1000 * r.pacscan_median / r.resources
        print(f"{r.resources:>9}  {r.rounds:>6}  {r.pacscan_median:>9.2f}  {r.checkov_median:>9.2f}  "
              f"{r.ratio:>5.2f}  {r.pacscan_peak_mb:>10.0f}  {r.checkov_peak_mb:>10.0f}  {per:>11.2f}  "
              f"<= {TARGET_RATIO} {verdict}")


def _write_results(rows: Sequence[Row], bin_dir: Path, seed: int) -> None:
    payload = {
        "benchmark": "pacscan iac vs checkov -d (terraform framework)",
        "target_ratio": TARGET_RATIO,
        "seed": seed,
        **common.machine(),
        "versions": _versions(bin_dir),
        "commands": {
            "pacscan": " ".join(_pacscan_cmd(bin_dir, Path("DIR"))),
            "checkov": " ".join(_checkov_cmd(bin_dir, Path("DIR"))),
        },
        "results": [asdict(r) for r in rows],
    }
    common.write_results(RESULTS, payload)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=common.sizes, default=[100, 1000, 5000], help="comma-separated resource counts")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bin-dir", type=Path, default=Path(sys.executable).parent,
                        help="directory holding the pacscan and checkov executables (default: this venv)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    for tool in ("pacscan", "checkov"):
        if not (args.bin_dir / tool).is_file():
            print(f"bench: {args.bin_dir / tool} not found; run `make venv` first", file=sys.stderr)
            return 2
    rows: list[Row] = []
    try:
        for size in args.sizes:
            rows.append(bench_size(args.bin_dir, size, args.rounds, args.seed))
            print(f"... {size} resources done", file=sys.stderr)
    except BenchError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 1
    _print_table(rows)
    _write_results(rows, args.bin_dir, args.seed)
    print(f"results written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
