"""``pacscan cloud --tenants FILE``: the MSP run as a command. The run itself is :mod:`scanner.msp`
(which knows nothing of the command line); this module turns the arguments into an
:class:`~scanner.msp.MspRequest`, prints the matrix and the failed tenants, and hands the outcome to
:mod:`scanner.exitcodes`, as :mod:`scanner.cli` does for a single scan."""

from __future__ import annotations

import argparse
import shutil
import sys

from scanner.colors import wants_color
from scanner.evidence.bundle import INDEX_NAME
from scanner.exitcodes import Gate, Verdict, decide
from scanner.msp import LogProgress, MspRequest, MspRun, Options, RichProgress, default_evidence_dir, execute, plan
from scanner.render.matrix import TenantColumn, render_matrix
from scanner.scan import ScanInputs

__all__ = ["run_tenants"]


def run_tenants(args: argparse.Namespace, inputs: ScanInputs, gate: Gate) -> Verdict:
    """Scan every tenant of this shard, write the evidence, print the matrix; the verdict over all."""
    shard = args.shard
    request = MspRequest(tenants_file=args.tenants, inputs=inputs, shard=shard,
                         evidence_dir=args.evidence_dir or default_evidence_dir(inputs, shard),
                         tenant_concurrency=args.tenant_concurrency,
                         options=Options(api_concurrency=args.concurrency))
    run = _run_with_view(request)
    color = wants_color(sys.stdout, args.no_color)
    width = shutil.get_terminal_size((120, 40)).columns if sys.stdout.isatty() else 120
    columns = [TenantColumn(o.tenant.name, o.result, o.reason) for o in run.outcomes]
    sys.stdout.write(render_matrix(columns, color=color, width=max(width, 80)))
    where = f" (shard {shard} from {shard.origin})" if shard is not None else ""
    print(f"pacscan: evidence for {len(run.outcomes)} tenant(s){where} in {run.evidence_dir} ({INDEX_NAME})",
          file=sys.stderr)
    if run.failed:
        names = ", ".join(o.tenant.name for o in run.failed)
        print(f"pacscan: {len(run.failed)} tenant(s) FAILED and were not (fully) scanned: {names}", file=sys.stderr)
    results = [o.result for o in run.outcomes if o.result is not None]
    return decide(results, gate, unscanned=[o.tenant.name for o in run.failed])


def _run_with_view(request: MspRequest) -> MspRun:
    planned = plan(request)
    if not sys.stderr.isatty():
        return execute(request, planned, LogProgress())
    with RichProgress(sorted(t.name for t in planned.tenants)) as view:
        return execute(request, planned, view)
