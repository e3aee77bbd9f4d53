"""Micro-benchmark: load_configuration on a generated folder of simple resources.

    .venv/bin/python bench/hcl_evaluator.py [resources] [--profile]

Prints the seconds to parse and evaluate (best of three).
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from scanner.iac.hcl import load_configuration

RESOURCE = """resource "aws_s3_bucket" "b{i}" {{
  bucket = "${{var.prefix}}-{i}"
  tags   = {{ Name = "bucket-{i}", Team = local.team }}
}}

"""


def generate(folder: Path, count: int, per_file: int = 500) -> None:
    (folder / "main.tf").write_text('variable "prefix" {\n  default = "pacs"\n}\nlocals {\n  team = "imaging"\n}\n',
                                    encoding="utf-8")
    for start in range(0, count, per_file):
        text = "".join(RESOURCE.format(i=i) for i in range(start, min(count, start + per_file)))
        (folder / f"buckets_{start // per_file:03d}.tf").write_text(text, encoding="utf-8")


def main() -> None:
    count = int(next((a for a in sys.argv[1:] if a.isdigit()), "5000"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, count)
        if "--profile" in sys.argv:
            cProfile.runctx("load_configuration(folder, environ={})", globals(), {"folder": folder}, "/tmp/hcl.prof")
            pstats.Stats("/tmp/hcl.prof").sort_stats("cumulative").print_stats(25)
            return
        best = min(_timed(folder) for _ in range(3))
        print(f"{count} resources: {best:.2f} s")


def _timed(folder: Path) -> float:
    start = time.perf_counter()
    config = load_configuration(folder, environ={})
    elapsed = time.perf_counter() - start
    assert len(config.instances) > 0
    return elapsed


if __name__ == "__main__":
    main()
