"""A real moto server on loopback (port 0) for the AWS collector tests.

Every test gets a reset server and an environment pointing boto3 at it through
``AWS_ENDPOINT_URL`` with dummy credentials, and HealthImaging (which moto lacks) at an empty
stand-in built from botocore's service model (scripts/healthimaging_standin.py). Other accounts are reached with
``sts.assume_role`` (never ``MOTO_ACCOUNT_ID``).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scripts.healthimaging_standin import StandIn

MOTO_ACCOUNT = "123456789012"  # moto's default account for the plain credentials


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def reset(moto_url: str) -> None:
    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


@pytest.fixture(scope="session")
def imaging_standin(moto_url: str) -> Iterator[StandIn]:
    """The HealthImaging stand-in (moto has no HealthImaging), forwarding CloudTrail to moto."""
    with StandIn(upstream=moto_url).serve() as running:
        yield running


@pytest.fixture
def aws(moto_url: str, imaging_standin: StandIn, monkeypatch: pytest.MonkeyPatch,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A clean moto account reachable through the standard credential chain, with an empty
    HealthImaging (the stand-in: tests seed it through the ``imaging_standin`` fixture)."""
    reset(moto_url)
    imaging_standin.reset()
    for name, value in imaging_standin.environ(cloudtrail=False).items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    empty = tmp_path_factory.mktemp("aws-config") / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))  # no user profile leaks into the tests
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    yield moto_url


def client(service: str, region: str = "us-east-1") -> Any:
    import boto3

    return boto3.client(service, region_name=region)


# ---- every API operation any AwsSession performs during the test session ------------------------

SCANNER_DIR = str(Path(__file__).resolve().parents[2] / "scanner") + os.sep
#: operations performed through an AwsSession by pacscan's own code (collectors, session, CLI),
#: over the whole pytest session; read by test_least_privilege.py
SCANNER_CALLS: Counter[str] = Counter()
#: operations a test performed itself through an AwsSession's clients (seeding, probing): not
#: the scanner's, so not held to the read-only policy
TEST_CALLS: Counter[str] = Counter()
#: operations pacscan's de-identification check performed (object listing and ranged reads): held to
#: the separate object-read policy (policies/iam/pacscan-aws-deid.json), never to the read-only one
DEID_CALLS: Counter[str] = Counter()
DEID_READS = os.path.join(SCANNER_DIR, "collectors", "deid", "cloud_sources.py")
_RECORD_LOCK = threading.Lock()
LAST_FILES = ("test_least_privilege.py",)


def _made_by_pacscan() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith(SCANNER_DIR):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _made_by_deid() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename == DEID_READS:
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _record(model: Any = None, **_: Any) -> None:
    if model is None:
        return
    service = model.service_model.signing_name or model.service_model.endpoint_prefix  # as AwsSession counts
    counter = DEID_CALLS if _made_by_deid() else SCANNER_CALLS if _made_by_pacscan() else TEST_CALLS
    with _RECORD_LOCK:
        counter[f"{service}:{model.name}"] += 1


@pytest.fixture(scope="session", autouse=True)
def record_every_aws_call() -> Iterator[Counter[str]]:
    """Every botocore session an AwsSession builds (the caller's and an assumed role's, whichever
    test, AwsCollector or CLI run built it) also reports each API call here, through the same
    ``before-call`` event AwsSession counts with, sorted by whether pacscan code made the call."""
    from scanner.collectors.aws.session import AwsSession

    original = AwsSession._register

    def recording_register(self: AwsSession, session: Any) -> None:
        original(self, session)
        session.events.register("before-call.*.*", _record)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AwsSession, "_register", recording_register)
        yield SCANNER_CALLS


def recorded_operations() -> Counter[str]:
    """Every operation pacscan's code performed so far in this pytest session."""
    with _RECORD_LOCK:
        return Counter(SCANNER_CALLS)


def recorded_deid_operations() -> Counter[str]:
    """Every operation pacscan's de-identification check performed so far in this pytest session."""
    with _RECORD_LOCK:
        return Counter(DEID_CALLS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The least-privilege test checks what every other AWS test recorded: run it last."""
    last = [item for item in items if item.path.name in LAST_FILES]
    if last:
        items[:] = [item for item in items if item.path.name not in LAST_FILES] + last


# ---- seeding S3 buckets (shared by test_storage.py and test_cli_aws.py) ----------------------------

PAB_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


def deny_statement(condition: dict[str, Any], name: str) -> dict[str, Any]:
    return {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"], "Condition": condition}


def log_delivery_statement(name: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": ["s3:PutObject"],
            "Resource": f"arn:aws:s3:::{name}/*"}


def policy_document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def create_bucket(s3: Any, name: str, region: str, lock: bool = False) -> None:
    kwargs: dict[str, Any] = {"Bucket": name, "ObjectLockEnabledForBucket": lock}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)


def protect_bucket(s3: Any, name: str, key_arn: str) -> None:
    """SSE-KMS with ``key_arn``, a policy denying plain HTTP and access outside a VPC endpoint, the
    four public-access blocks, owner-enforced objects and access logging to itself."""
    s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}]})
    s3.put_bucket_policy(Bucket=name, Policy=policy_document(
        deny_statement({"Bool": {"aws:SecureTransport": "false"}}, name),
        deny_statement({"StringNotEquals": {"aws:SourceVpce": "vpce-0a1b2c3d"}}, name),
        log_delivery_statement(name)))
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=PAB_ALL)
    s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls={"Rules": [
        {"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": {
        "TargetBucket": name, "TargetPrefix": "access/"}})
