"""The live half of the demo: the example estate deployed into an embedded moto server, then scanned.

1. start moto (an AWS emulator) on loopback;
2. provision examples/dental-practice into it: with the real Terraform CLI (``terraform apply``
   against the moto endpoint, from a trimmed temporary copy: see EXCLUDED and EXCLUDED_FILES)
   where Terraform and the provider mirror are present, else with boto3 (the storage and network
   resources only);
3. run ``pacscan cloud aws`` against it, print the report, and write
   reports/demo-live-evidence.json. moto has no HealthImaging: the scan reaches an empty
   HealthImaging stand-in (scripts/healthimaging_standin.py) instead, so that listing succeeds and
   finds nothing, as it would in an account whose data stores were never applied;
4. after a Terraform apply: ``pacscan drift`` of the applied code against that evidence (no
   difference expected: the parity the drift tests assert).

Nothing is written into the example folder: Terraform works in a temporary copy with a
``zz_moto_override.tf`` that points the provider at moto with dummy credentials.

The helpers here (``start_moto``, ``prepare_workdir``, ``terraform_apply``) are also used by the
drift parity test (tests/drift/test_parity.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    from scripts.healthimaging_standin import StandIn
except ModuleNotFoundError:  # run as `python scripts/demo_live.py`: this folder is on sys.path, not the root
    from healthimaging_standin import StandIn  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "dental-practice"
EVIDENCE = ROOT / "reports" / "demo-live-evidence.json"
REGIONS = ("us-east-1", "us-west-2")
PLUGIN_DIRS = ("/opt/tf-plugins", "/usr/share/terraform/plugins", "/usr/local/share/terraform/plugins")

#: Resources of the example that moto cannot create, removed from the temporary copy (file, type, name, why).
EXCLUDED: tuple[tuple[str, str, str, str], ...] = (
    ("backup.tf", "aws_backup_selection", "pacs",
     "moto does not implement CreateBackupSelection (the apply would retry until it times out)"),
    ("backup.tf", "aws_iam_role_policy_attachment", "backup",
     "moto does not hold the AWS-managed policy AWSBackupServiceRolePolicyForBackup"),
    ("backup.tf", "aws_iam_role_policy_attachment", "backup_s3",
     "moto does not hold the AWS-managed policy AWSBackupServiceRolePolicyForS3Backup"),
    ("network.tf", "aws_flow_log", "imaging",
     "moto rejects an S3 flow-log destination with a key prefix (\"does not exist\")"),
    ("modules/imaging-bucket/main.tf", "aws_s3_bucket_logging", "this",
     "moto requires log-delivery ACL grants on the target bucket, which BucketOwnerEnforced forbids"),
)

#: Files of the example left out of the temporary copy (file, why): the AWS HealthImaging data store
#: is an ``awscc`` resource, and the demo applies with the ``aws`` provider only (moto implements no
#: Cloud Control API and no HealthImaging; the provider mirror holds ``hashicorp/aws`` only).
EXCLUDED_FILES: tuple[tuple[str, str], ...] = (
    ("healthimaging.tf", "awscc_healthimaging_datastore.pacs (and the viewer's role that reads it) need the awscc "
                         "provider and HealthImaging, which moto does not implement"),
)

_OVERRIDE = """\
# Written by scripts/demo_live.py into a temporary copy: the AWS provider talks to moto.
provider "aws" {{
  region                      = var.region
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
}}

provider "aws" {{
  alias                       = "dr"
  region                      = var.dr_region
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
}}
"""


def plugin_dir() -> Path | None:
    env = os.environ.get("PACSCAN_TF_PLUGIN_DIR")
    for candidate in ([env] if env else []) + list(PLUGIN_DIRS):
        if candidate and (Path(candidate) / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return Path(candidate)
    return None


def terraform_unavailable() -> str | None:
    """Why Terraform cannot be used here, or None when it can."""
    if shutil.which("terraform") is None:
        return "the Terraform CLI is not on PATH"
    if plugin_dir() is None:
        return "no hashicorp/aws provider mirror (set PACSCAN_TF_PLUGIN_DIR)"
    return None


@contextmanager
def start_moto() -> Iterator[str]:
    """An embedded moto server on a free loopback port; yields its URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # no request log (moto 500s reach the caller)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    # moto keeps its state per process: start from an empty estate even when another server in this
    # process (a test suite) has left resources behind
    reset = urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(reset, timeout=30) as response:
        response.read()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def moto_env(url: str) -> dict[str, str]:
    """Environment for boto3, pacscan and Terraform to reach moto with dummy credentials."""
    return {"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGIONS[0], "AWS_REGION": REGIONS[0]}


def _drop_block(path: Path, type_: str, name: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = f'resource "{type_}" "{name}"'
    start = next((i for i, line in enumerate(lines) if line.startswith(header)), None)
    if start is None:
        raise SystemExit(f"demo: {path.name} no longer declares {type_}.{name}: update EXCLUDED")
    end = next(i for i in range(start, len(lines)) if lines[i].rstrip() == "}")
    path.write_text("".join(lines[:start] + lines[end + 1:]), encoding="utf-8")


def prepare_workdir(workdir: Path) -> Path:
    """A trimmed copy of the example (EXCLUDED removed) with the moto provider override."""
    shutil.copytree(EXAMPLE, workdir, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"))
    for file, type_, name, _why in EXCLUDED:
        _drop_block(workdir / file, type_, name)
    for file, _why in EXCLUDED_FILES:
        (workdir / file).unlink()
    (workdir / "zz_moto_override.tf").write_text(_OVERRIDE.format(), encoding="utf-8")
    return workdir


def _tf(workdir: Path, env: Mapping[str, str], *args: str) -> str:
    full = {**os.environ, **env, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_INPUT": "0"}
    done = subprocess.run(["terraform", f"-chdir={workdir}", *args], env=full, capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"terraform {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def terraform_apply(workdir: Path, url: str) -> Path:
    """init (offline, provider mirror), apply into moto; returns `terraform show -json` of the state."""
    env = moto_env(url)
    _tf(workdir, env, "init", f"-plugin-dir={plugin_dir()}", "-backend=false", "-no-color")
    _tf(workdir, env, "apply", "-auto-approve", "-no-color", "-parallelism=20")
    state = workdir / "state.json"
    state.write_text(_tf(workdir, env, "show", "-json"), encoding="utf-8")
    return state


def boto3_provision(url: str) -> None:
    """Without Terraform: the example's buckets and security groups, configured as declared."""
    import boto3

    kw: dict[str, Any] = {"endpoint_url": url, "region_name": REGIONS[0]}
    s3, ec2, kms = boto3.client("s3", **kw), boto3.client("ec2", **kw), boto3.client("kms", **kw)
    key = kms.create_key(Description="imaging")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key)
    phi = [{"Key": "data-classification", "Value": "phi"}]
    pacs, legacy = "brightsmile-prod-pacs-images", "brightsmile-prod-legacy-exports"
    s3.create_bucket(Bucket=pacs, ObjectLockEnabledForBucket=True)
    s3.put_bucket_tagging(Bucket=pacs, Tagging={"TagSet": phi})
    s3.put_bucket_versioning(Bucket=pacs, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=pacs, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]})
    s3.put_object_lock_configuration(Bucket=pacs, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 2555}}})
    s3.create_bucket(Bucket=legacy)
    s3.put_bucket_tagging(Bucket=legacy, Tagging={"TagSet": phi})
    for bucket in (pacs, legacy):
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    gateway = ec2.create_security_group(GroupName="brightsmile-prod-modality-gateway", Description="DICOM",
                                        VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=gateway, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 104, "ToPort": 104, "IpRanges": [{"CidrIp": "192.168.50.0/24"}]}])
    orthanc = ec2.create_security_group(GroupName="brightsmile-prod-orthanc-legacy", Description="legacy",
                                        VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=orthanc, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        for port in (4242, 22)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--evidence", type=Path, default=EVIDENCE, help=f"evidence file (default {EVIDENCE})")
    parser.add_argument("--no-terraform", action="store_true", help="provision with boto3 even if Terraform is here")
    args = parser.parse_args(argv)
    os.environ.setdefault("CKV_SKIP_PACKAGE_UPDATE_CHECK", "true")
    with start_moto() as url, tempfile.TemporaryDirectory(prefix="pacscan-demo-") as tmp, \
            StandIn().serve() as imaging:
        os.environ.update(moto_env(url))
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)
        missing = "--no-terraform was given" if args.no_terraform else terraform_unavailable()
        if missing is None:
            left_out = [f"{t}.{n}" for _f, t, n, _w in EXCLUDED] + [f for f, _w in EXCLUDED_FILES]
            print(f"demo: terraform apply of {EXAMPLE.relative_to(ROOT)} into moto at {url} "
                  f"(excluded, moto lacks them: {', '.join(left_out)})", flush=True)
            workdir = prepare_workdir(Path(tmp) / "estate")
            state: Path | None = terraform_apply(workdir, url)
        else:
            print(f"demo: {missing}; provisioning the example's storage and network with boto3", flush=True)
            boto3_provision(url)
            workdir, state = EXAMPLE, None
        os.environ.update(imaging.environ(cloudtrail=False))  # after the apply: Terraform never reaches it
        from scanner.cli import main as pacscan

        regions = [item for region in REGIONS for item in ("--region", region)]
        code = pacscan(["cloud", "aws", *regions, "--config", str(EXAMPLE / "pacscan.yaml"), "--no-color",
                        "--format", "json", "--output", str(args.evidence), "--format", "console"])
        print(f"demo: live scan exit code {code} (1 = the estate's deliberate weaknesses were found)")
        if state is not None and code in (0, 1):
            code = _drift(workdir, state, args.evidence)
    return 0 if code in (0, 1) else code


def _drift(workdir: Path, state: Path, evidence: Path) -> int:
    """Code versus cloud on the estate just applied: no difference is expected."""
    from scanner.drift import add_drift_command, run_drift

    parser = argparse.ArgumentParser(prog="pacscan")
    add_drift_command(parser.add_subparsers(dest="command"))
    print("demo: pacscan drift (the Terraform scan of the applied copy against the live evidence)", flush=True)
    code = run_drift(parser.parse_args(["drift", str(workdir), "--state", str(state), "--live", str(evidence),
                                        "--config", str(workdir / "pacscan.yaml"), "--no-color"]))
    print(f"demo: drift exit code {code} (0 = code and cloud agree wherever both were evaluated)")
    return code


if __name__ == "__main__":
    sys.exit(main())
