"""The ``drift`` subcommand's arguments: defined apart from the command itself, so building the
parser (every pacscan command does) does not import the comparison and its renderers."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

FORMATS = ("console", "json")
#: the command's help epilog: its exit codes (scanner.drift.commands returns them)
EPILOG = "Exit codes: 0 no difference; 1 drift, only-in-code or only-in-cloud found; 2 usage or input error."


def add_drift_command(subparsers: Any) -> None:
    """Add ``drift`` to the top-level ``subparsers``."""
    drift = subparsers.add_parser(
        "drift", help="compare Terraform code with the deployed cloud (drift, unmanaged storage)",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Report, per HIPAA control and resource, where Terraform and the live cloud agree, where "
                    "they drift (both observed values shown), what is declared but not deployed, and what is "
                    "deployed but not managed by Terraform (shadow imaging storage).")
    drift.add_argument("paths", nargs="*", type=Path, metavar="TERRAFORM_DIR", help="Terraform folder to scan")
    code = drift.add_argument_group("code side")
    code.add_argument("--plan", action="append", type=Path, default=[], dest="drift_plans", metavar="PLAN.json",
                      help="plan JSON from `terraform show -json plan.out` (repeatable)")
    code.add_argument("--code-evidence", type=Path, metavar="FILE",
                      help="JSON evidence of an earlier `pacscan iac` scan, instead of scanning now")
    drift.add_argument("--state", type=Path, required=True, metavar="STATE",
                       help="`terraform show -json` of the state, or a terraform.tfstate file")
    live = drift.add_argument_group("cloud side (AWS)")
    live.add_argument("--live", type=Path, metavar="FILE",
                      help="JSON evidence of an earlier `pacscan cloud aws` scan, instead of scanning now")
    who = live.add_mutually_exclusive_group()
    who.add_argument("--profile", help="AWS profile name")
    who.add_argument("--role-arn", help="role to assume (cross-account scans)")
    live.add_argument("--external-id", help="external id for --role-arn")
    live.add_argument("--region", action="append", default=[], dest="regions", metavar="REGION",
                      help="restrict the live scan to this region (repeatable)")
    drift.add_argument("--catalog", type=Path, help="catalog root (default: the bundled rules.yaml)")
    drift.add_argument("--config", type=Path, help="YAML file overriding catalog parameters")
    drift.add_argument("--format", action="append", choices=FORMATS, default=[], dest="drift_formats",
                       help="console (default) or json; repeatable, pairs with --output in order")
    drift.add_argument("--output", action="append", type=Path, default=[], dest="drift_outputs", metavar="FILE",
                       help="write the matching --format here, atomically")
    drift.add_argument("--no-color", action="store_true", help="console: plain text")
