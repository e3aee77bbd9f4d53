"""The argument parser: one set of report and gate options shared by every scan command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scanner import __version__
from scanner.cli_inputs import add_deid_options, add_input_commands
from scanner.exitcodes import ExitCode, epilog
from scanner.models import Severity

FORMATS = ("console", "json", "sarif", "junit", "markdown")

#: every scan command's help ends with the exit-code table (scanner/exitcodes.py decides the codes)
EPILOG = epilog()


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"pacscan: error: {message}", file=sys.stderr)
        raise SystemExit(ExitCode.INPUT)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    inputs = common.add_argument_group("inputs")
    inputs.add_argument("--catalog", type=Path, help="catalog root (default: the bundled rules.yaml)")
    inputs.add_argument("--config", type=Path, help="YAML file overriding catalog parameters")
    inputs.add_argument("--attestations", type=Path, metavar="FILE",
                        help="attestations for the administrative, physical and privacy controls")
    inputs.add_argument("--check", action="append", default=[], dest="checks", metavar="IDS",
                        help="run only these controls or rules (ids, comma-separated, repeatable, * wildcards: "
                             "NET-DICOM, AWS-SG-*, a mapped Checkov id)")
    inputs.add_argument("--skip-check", action="append", default=[], dest="skip_checks", metavar="IDS",
                        help="do not run these controls or rules (same ids as --check)")
    report = common.add_argument_group("reports")
    report.add_argument("--format", action="append", choices=FORMATS, default=[], dest="formats",
                        help="output format (repeatable; pairs with --output in order). The console report is "
                             "printed to stdout unless it is sent to a file")
    report.add_argument("--output", action="append", type=Path, default=[], dest="outputs", metavar="FILE",
                        help="write the matching --format here, atomically")
    report.add_argument("--quiet", action="store_true", help="console: show only failures and errors")
    report.add_argument("--no-color", action="store_true", help="console: plain text")
    report.add_argument("--debug", action="store_true", help="debug logging on stderr (never secrets)")
    gate = common.add_argument_group("CI gate")
    gate.add_argument("--fail-on", type=str.lower, choices=[s.value for s in Severity], default=Severity.LOW.value,
                      help="lowest severity whose failure fails the build, any case (default: low, any failure)")
    gate.add_argument("--fail-on-unknown", action="store_true",
                      help="exit 3 also when something is unknown (undecidable from the code: known only after "
                           "apply, a variable with no value)")
    gate.add_argument("--allow-incomplete", action="store_true",
                      help="accept an incomplete scan: what could not be read (error: denied, throttled, "
                           "unreachable, unparseable, a failed tenant) does not make the exit code 3; a scan that "
                           "read nothing at all still exits 3")
    gate.add_argument("--soft-fail", action="store_true", help="report, but always exit 0 (except input errors)")
    gate.add_argument("--baseline", type=Path, metavar="FILE",
                      help="fail only on failures not recorded in this baseline; report the fixed ones")
    gate.add_argument("--create-baseline", type=Path, metavar="FILE",
                      help="record today's failures as the baseline; they do not fail this run (an incomplete "
                           "scan still exits 3)")
    gate.add_argument("--waivers", type=Path, metavar="FILE",
                      help="waivers.yaml: accepted failures with justification, owner, ticket and expiry")
    return common


def _suppressed(common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The shared options again, with no defaults: a provider sub-command (`cloud aws`) inherits
    what was given before it (`cloud --format json aws`) instead of resetting it."""
    quiet = _common()
    for action in quiet._actions:
        action.default = argparse.SUPPRESS
    return quiet


def _iac(commands: Any, common: argparse.ArgumentParser) -> None:
    iac = commands.add_parser(
        "iac", parents=[common], help="scan Terraform folders and plans",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Evaluate the HIPAA imaging controls against Terraform (HCL folders and "
                    "`terraform show -json` plans). Folders are evaluated with Terraform's own semantics "
                    "(variables, tfvars, locals, modules, count/for_each, dynamic blocks, functions); a value "
                    "Terraform would know only after apply, or a variable with no value, is unknown, never a pass.")
    iac.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="Terraform folder or .tf file")
    iac.add_argument("--plan", action="append", type=Path, default=[], metavar="PLAN.json",
                     help="plan JSON from `terraform show -json plan.out` (repeatable)")
    iac.add_argument("--var-file", action="append", type=Path, default=[], dest="var_files", metavar="FILE",
                     help="variable values, as for `terraform plan -var-file` (repeatable; after terraform.tfvars "
                          "and *.auto.tfvars)")
    iac.add_argument("--var", action="append", default=[], dest="variables", metavar="NAME=VALUE",
                     help="one variable value, as for `terraform plan -var` (repeatable; later wins)")
    iac.add_argument("--since", metavar="GIT_REF",
                     help="report only resources in files changed since GIT_REF (all files are still evaluated)")
    iac.add_argument("--max-file-size", metavar="SIZE", dest="max_file_size",
                     help="do not parse Terraform files larger than SIZE (bytes, or with k/M/G; default 4M, or "
                          "PACSCAN_MAX_FILE_SIZE): such a file is one error finding per control it leaves open")


def _cloud(commands: Any, common: argparse.ArgumentParser) -> None:
    cloud = commands.add_parser(
        "cloud", help="scan live cloud accounts (read-only)", formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG, description="Evaluate the same controls on what is deployed, through the provider SDKs with "
        "read-only permissions. Object contents are never read.", parents=[common])
    _msp(cloud)
    providers = cloud.add_subparsers(dest="provider", required=False, metavar="PROVIDER")
    common = _suppressed(common)
    aws = providers.add_parser("aws", parents=[common], help="an AWS account", epilog=EPILOG,
                               formatter_class=argparse.RawDescriptionHelpFormatter,
                               description="Scan one AWS account: credentials from the standard chain, --profile, "
                               "or --role-arn (+ --external-id). All enabled regions unless --region is given. "
                               "Needs the read-only policy in policies/iam/pacscan-aws-readonly.json.")
    who = aws.add_mutually_exclusive_group()
    who.add_argument("--profile", help="AWS profile name")
    who.add_argument("--role-arn", help="role to assume (cross-account scans)")
    aws.add_argument("--external-id", help="external id for --role-arn")
    aws.add_argument("--region", action="append", default=[], dest="regions", metavar="REGION",
                     help="restrict to this region (repeatable)")
    aws.add_argument("--concurrency", type=int, default=16, metavar="N", help="parallel API calls (default 16)")
    add_deid_options(aws, opt_in=True)
    azure = providers.add_parser(
        "azure", parents=[common], help="Azure subscriptions", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Scan Azure subscriptions: DefaultAzureCredential by default, or a service principal whose "
        "secret or certificate path is read from the environment variables you name (never from a file). Every "
        "readable subscription unless --subscription is given. Needs the built-in Reader role (docs/azure.md).")
    azure.add_argument("--tenant", help="tenant id or domain")
    azure.add_argument("--subscription", action="append", default=[], dest="subscriptions", metavar="ID",
                       help="restrict to this subscription (repeatable)")
    azure.add_argument("--client-id-env", metavar="VAR", help="environment variable holding the client id")
    azure.add_argument("--client-secret-env", metavar="VAR", help="environment variable holding the client secret")
    azure.add_argument("--certificate-path-env", metavar="VAR",
                       help="environment variable holding the path of a client certificate")
    azure.add_argument("--concurrency", type=int, default=16, metavar="N", help="parallel API calls (default 16)")
    gcp = providers.add_parser(
        "gcp", parents=[common], help="GCP projects", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Scan GCP projects with application default credentials, or a service-account key file. Needs "
        "roles/viewer and roles/iam.securityReviewer (docs/gcp.md).")
    gcp.add_argument("--project", action="append", default=[], dest="projects", metavar="ID", required=True,
                     help="project to scan (repeatable)")
    gcp.add_argument("--key-file", type=Path, metavar="FILE",
                     help="service-account key file for these projects (default: application default credentials)")
    gcp.add_argument("--concurrency", type=int, default=16, metavar="N", help="parallel API calls (default 16)")
    add_deid_options(gcp, opt_in=True)


def _shard(text: str) -> Any:
    from scanner.shard import Shard, ShardError

    try:
        return Shard.parse(text)
    except ShardError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _msp(cloud: argparse.ArgumentParser) -> None:
    msp = cloud.add_argument_group("MSP: many tenants (instead of a PROVIDER; docs/msp.md)")
    msp.add_argument("--tenants", type=Path, metavar="FILE", help="tenants.yaml: scan every client listed")
    msp.add_argument("--shard", type=_shard, metavar="I/N|auto",
                     help="scan only slice I of N (merge with `pacscan evidence merge`); auto: from a CI matrix "
                          "(PACSCAN_SHARD_INDEX, 1-based, and PACSCAN_SHARD_COUNT) or a Kubernetes Indexed Job "
                          "(JOB_COMPLETION_INDEX and JOB_COMPLETIONS)")
    msp.add_argument("--evidence-dir", type=Path, metavar="DIR",
                     help="per-tenant JSON evidence + index.json (default reports/<date>-msp/)")
    msp.add_argument("--tenant-concurrency", type=int, default=4, metavar="N", help="tenants at once (default 4)")
    msp.add_argument("--concurrency", type=int, default=8, metavar="N", help="parallel API calls per tenant "
                     "(default 8)")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="pacscan", description="HIPAA Security Rule scanner for dental and medical imaging "
                    "infrastructure (PACS buckets, backups, DICOM networks, TLS, keys, audit logs).",
                    formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"pacscan {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = _common()
    _iac(commands, common)
    _cloud(commands, common)
    from scanner.evidence.commands import add_evidence_commands

    add_evidence_commands(commands)
    from scanner.drift.args import add_drift_command

    add_drift_command(commands)
    add_input_commands(commands, common, EPILOG)
    return parser
