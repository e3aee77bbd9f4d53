"""Secrets and PHI hygiene: full scans with credentials in the environment never echo them.

The real CLI runs in a subprocess with distinctive random AWS keys and session token (moto
accepts any), an Azure client secret and a GCP service-account key file in the environment,
``--debug`` on, and every ``--format`` written to a file: a live AWS scan against moto through the
fault proxy (with a throttled call and a dropped connection, so error reasons are in the reports
too) and a Terraform scan of the example estate. stdout, stderr and every file left in the work
directory must hold none of the secret values, nor their base64, nor a fragment of them. The
imaging bucket holds an object whose key and body carry a PHI marker: the proxy must record no
object-level request (no GetObject/HeadObject/ListObjects) and the marker must appear nowhere.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import string
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from scanner.cli_args import FORMATS
from scanner.render.json_evidence import validate_document
from tests.conftest import REPO
from tests.reliability.faultproxy import FaultProxy, Rule, moto_server

BUCKET = "pacs-images-hygiene"
PHI_KEY = "studies/DOE^JANE-19700101/CT-0001.dcm"
PHI_BODY = b"DICM PatientName=DOE^JANE PatientID=MRN-4242-PHI-MARKER"
_KEY_CHARS = string.ascii_uppercase + "234567"


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


@pytest.fixture(scope="module")
def credentials() -> dict[str, str]:
    """Secret values, each distinctive enough that any occurrence is a leak."""
    return {
        "AWS_ACCESS_KEY_ID": "AKIA" + _random(_KEY_CHARS, 16),
        "AWS_SECRET_ACCESS_KEY": _random(string.ascii_letters + string.digits + "+/", 40),
        "AWS_SESSION_TOKEN": "FwoGZXIvYXdzE" + _random(string.ascii_letters + string.digits, 180),
        "AZURE_CLIENT_SECRET": "azs~" + secrets.token_urlsafe(30),
        "GCP_PRIVATE_KEY_MARKER": "GCPKEY" + secrets.token_hex(20),
    }


def _needles(credentials: Mapping[str, str]) -> dict[str, str]:
    """What must never appear: each value, its base64 (standard and URL-safe, unpadded), a random
    fragment of it (a truncated leak), and the PHI markers."""
    found: dict[str, str] = {}
    for name, value in credentials.items():
        raw = value.encode()
        found[name] = value
        found[f"{name} (base64)"] = base64.b64encode(raw).decode().rstrip("=")[:-2]
        found[f"{name} (urlsafe base64)"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")[:-2]
        found[f"{name} (fragment)"] = value[6:22]
    found["PHI object key"] = "DOE^JANE"
    found["PHI object body"] = "MRN-4242"
    return found


@pytest.fixture(scope="module")
def environment(credentials: Mapping[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")
    (home / "empty").write_text("")
    key_file = home / "gcp-key.json"
    key_file.write_text(json.dumps({
        "type": "service_account", "project_id": "hygiene-project", "private_key_id": secrets.token_hex(20),
        "private_key": f"-----BEGIN PRIVATE KEY-----\n{credentials['GCP_PRIVATE_KEY_MARKER']}\n"
                       "-----END PRIVATE KEY-----\n",
        "client_email": "scanner@hygiene-project.iam.gserviceaccount.com"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "GOOGLE_", "PACSCAN_AWS"))}
    env.update({name: value for name, value in credentials.items() if name != "GCP_PRIVATE_KEY_MARKER"})
    env.update({
        "HOME": str(home), "AWS_CONFIG_FILE": str(home / "empty"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "empty"),
        "AWS_DEFAULT_REGION": "us-east-1", "AZURE_CLIENT_ID": "00000000-0000-0000-0000-00000000c11d",
        "AZURE_TENANT_ID": "00000000-0000-0000-0000-0000000007e1", "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
        "PACSCAN_AWS_RETRY_MODE": "standard", "PACSCAN_AWS_MAX_ATTEMPTS": "1", "PACSCAN_VALIDATE_EVIDENCE": "1",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true", "CHECKOV_PARALLELIZATION_TYPE": "none",
    })
    return env


@pytest.fixture(scope="module")
def proxy() -> Iterator[FaultProxy]:
    """moto seeded with an imaging bucket holding one PHI object, behind the fault proxy."""
    import boto3

    with moto_server() as moto, FaultProxy(moto) as running:
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto, aws_access_key_id="seed",
                          aws_secret_access_key="seed")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=BUCKET, Key=PHI_KEY, Body=PHI_BODY)
        yield running


def _format_args(out_dir: Path) -> list[str]:
    args: list[str] = []
    for fmt in FORMATS:
        args += ["--format", fmt, "--output", str(out_dir / f"report.{fmt}")]
    return args


def _run(argv: list[str], env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *argv], cwd=cwd, env=dict(env), text=True,
                          capture_output=True, timeout=300, check=False)


def _assert_clean(texts: Mapping[str, str], needles: Mapping[str, str]) -> None:
    for where, text in texts.items():
        leaked = [what for what, needle in needles.items() if needle in text]
        assert not leaked, f"{where} contains {leaked}"


def _object_level(path: str, method: str, subresource: str) -> bool:
    """GetObject/HeadObject (``/bucket/key``) or an object listing (``GET /bucket[?list-type|versions|...]``)."""
    if path.startswith("/v20180820/"):  # s3control: account settings
        return False
    parts = path.strip("/").split("/", 1)
    if len(parts) == 2:
        return True
    return parts[0] != "" and method == "GET" and subresource in ("", "list-type", "prefix", "versions", "uploads")


def _written(root: Path) -> dict[str, str]:
    return {str(p): p.read_bytes().decode("utf-8", "replace") for p in sorted(root.rglob("*")) if p.is_file()}


def test_cloud_and_iac_scans_with_debug_never_echo_credentials_or_phi(
        proxy: FaultProxy, environment: Mapping[str, str], credentials: Mapping[str, str], tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    proxy.add(Rule("throttle", service="s3", subresource="policy"))  # an error reason in every report
    proxy.add(Rule("close", service="kms", operation="ListKeys"))
    cloud = _run(["cloud", "aws", "--region", "us-east-1", "--debug", *_format_args(work / "cloud")],
                 {**environment, "AWS_ENDPOINT_URL": proxy.url}, work)
    iac = _run(["iac", str(REPO / "examples" / "dental-practice"), "--debug", *_format_args(work / "iac")],
               environment, work)
    assert cloud.returncode == 1, cloud.stderr
    assert iac.returncode == 1, iac.stderr
    written = _written(work)
    assert sorted(Path(p).name for p in written) == sorted([f"report.{f}" for f in FORMATS] * 2)
    for scan in ("cloud", "iac"):
        doc = json.loads(written[str(work / scan / "report.json")])
        validate_document(doc)
        assert doc["findings"], f"the {scan} scan produced findings"
    cloud_doc = json.loads(written[str(work / "cloud" / "report.json")])
    assert any(f["resource"]["address"] == f"arn:aws:s3:::{BUCKET}" and f["status"] == "pass"
               for f in cloud_doc["findings"]), "the scan really read the bucket with these credentials"
    assert any("SlowDown" in f["message"] for f in cloud_doc["findings"]), "error reasons are in the report"
    assert "DEBUG" in cloud.stderr or "INFO" in cloud.stderr, "--debug logging was on"
    texts = {"cloud stdout": cloud.stdout, "cloud stderr": cloud.stderr, "iac stdout": iac.stdout,
             "iac stderr": iac.stderr, **written}
    _assert_clean(texts, _needles(credentials))
    object_level = [s for s in proxy.seen if s.service == "s3" and _object_level(s.path, s.method, s.subresource)]
    assert not object_level, f"object-level S3 requests were sent: {object_level}"
    assert any(s.path.strip("/") == BUCKET for s in proxy.seen), "bucket-level calls went through the proxy"
