"""Live scans under faults injected at the HTTP layer, never by mocking clients.

The real CLI scans a real moto server through ``faultproxy.FaultProxy`` (a loopback proxy with a
rule table): throttling that resolves after retries gives the same findings as a clean run;
throttling that never resolves, a read timeout or a dropped connection gives ``error`` for exactly
the facts that fed on the failed call, with the reason; the emulator vanishing mid-scan ends the
scan with a clear stderr line, a complete schema-valid report (or none) and nothing unread as
``pass``; Ctrl-C (SIGINT) leaves no report and no temporary file, and stops the API calls.
Retries and timeouts are made small through the ``PACSCAN_AWS_*`` variables the AWS session reads.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from scanner.catalog import Catalog, load_catalog
from scanner.cli import main
from scanner.render.json_evidence import validate_document
from scripts.healthimaging_standin import StandIn
from tests.conftest import REPO
from tests.reliability.faultproxy import Action, FaultProxy, Rule, moto_server

REGION = "us-east-1"
GOOD, BAD = "pacs-images-good", "pacs-images-bad"
CONCURRENCY = 4
Key = tuple[str, str, str]  # check id, control id, resource address
Found = dict[Key, dict[str, Any]]


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Dummy credentials, no user profile, standard retries with 2 retries and short timeouts, and
    HealthImaging at an empty stand-in."""
    empty = tmp_path_factory.mktemp("aws-config") / "empty"
    empty.write_text("")
    values = {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(empty), "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "PACSCAN_AWS_RETRY_MODE": "standard", "PACSCAN_AWS_MAX_ATTEMPTS": "2", "PACSCAN_AWS_CONNECT_TIMEOUT": "2",
        "PACSCAN_AWS_READ_TIMEOUT": "10",
    }
    # moto has no HealthImaging: an empty stand-in answers its listing (outside the fault proxy)
    with StandIn().serve() as imaging, pytest.MonkeyPatch.context() as patch:
        values.update(imaging.environ(cloudtrail=False))
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "MOTO_ACCOUNT_ID"):
            patch.delenv(name, raising=False)
        for name, value in values.items():
            patch.setenv(name, value)
        yield values


@pytest.fixture(scope="module")
def estate(moto_url: str, aws_env: Mapping[str, str]) -> str:
    """Two imaging buckets (one well configured), a world-open SSH security group, a KMS key and
    an IAM user, seeded straight into moto (not through the proxy)."""
    import boto3

    def client(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=moto_url)

    s3 = client("s3")
    for name in (GOOD, BAD):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=GOOD, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(Bucket=GOOD, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    s3.put_public_access_block(Bucket=GOOD, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    ec2 = client("ec2")
    group = ec2.create_security_group(GroupName="fail-ssh-world", Description="ssh from anywhere")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    client("kms").create_key(Description="pacs key")
    client("iam").create_user(UserName="radiologist")
    return moto_url


@pytest.fixture
def proxy(estate: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    with FaultProxy(estate) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL", running.url)
        yield running


@pytest.fixture(scope="module")
def rules_catalog() -> Catalog:
    return load_catalog(REPO / "rules.yaml")


def _findings(doc: Mapping[str, Any]) -> Found:
    return {(f["check_id"], f["control_id"], f["resource"]["address"]): f for f in doc["findings"]
            if f["source"] == "aws"}


def _statuses(found: Found) -> dict[Key, str]:
    return {key: f["status"] for key, f in found.items()}


def scan(out_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    out = out_dir / "evidence.json"
    code = main(["cloud", "aws", "--region", REGION, "--concurrency", str(CONCURRENCY), "--format", "json",
                 "--output", str(out), "--no-color"])
    err = capsys.readouterr().err
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate_document(doc)
    return code, doc, err


@pytest.fixture(scope="module")
def clean(estate: str, tmp_path_factory: pytest.TempPathFactory) -> Found:
    """The reference: the same scan through the proxy with no fault."""
    out = tmp_path_factory.mktemp("clean") / "evidence.json"
    with FaultProxy(estate) as running, pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", running.url)
        assert main(["cloud", "aws", "--region", REGION, "--format", "json", "--output", str(out)]) in (0, 1)
    doc = json.loads(out.read_text(encoding="utf-8"))
    found = _findings(doc)
    statuses = set(_statuses(found).values())
    assert {"pass", "fail"} <= statuses and "error" not in statuses, statuses
    assert any(GOOD in key[2] and f["status"] == "pass" for key, f in found.items())
    return found


def _reads(catalog: Catalog, root: str) -> set[str]:
    """Ids of the AWS rules reading a fact under ``root``."""
    return {r.id for r in catalog.rules_for("aws")
            if any(k.split(".", 1)[0].split("[", 1)[0] == root for k in r.reads())}


def _of_type(catalog: Catalog, resource: str) -> set[str]:
    return {r.id for r in catalog.rules_for("aws") if r.resource == resource}


def test_throttling_that_resolves_after_retries_gives_the_clean_findings(
        proxy: FaultProxy, clean: Found, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = [
        proxy.add(Rule("throttle", service="s3", subresource="encryption", times=2)),  # 503 SlowDown (XML)
        proxy.add(Rule("throttle", service="kms", operation="ListKeys", times=2)),  # JSON ThrottlingException
        proxy.add(Rule("throttle", service="ec2", operation="DescribeSecurityGroups", times=1)),  # EC2 XML
        proxy.add(Rule("throttle", service="iam", operation="ListUsers", times=1)),  # query XML Throttling
        proxy.add(Rule("unavailable", service="cloudtrail", operation="DescribeTrails", times=1)),  # bare 503
    ]
    code, doc, err = scan(tmp_path, capsys)
    assert [r.hits for r in rules] == [2, 2, 1, 1, 1], "every fault was injected"
    assert _statuses(_findings(doc)) == _statuses(clean)
    assert proxy.counts("forwarded")["kms:ListKeys"] == 1 and proxy.counts()["kms:ListKeys"] == 3
    assert code == 1 and "could not be evaluated" not in err


def test_throttling_that_never_resolves_is_error_naming_it_never_pass(
        proxy: FaultProxy, clean: Found, rules_catalog: Catalog, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    proxy.add(Rule("throttle", service="s3", subresource="encryption"))
    proxy.add(Rule("throttle", service="ec2", operation="DescribeSecurityGroups"))
    proxy.add(Rule("throttle", service="kms", operation="ListKeys"))
    code, doc, err = scan(tmp_path, capsys)
    found = _findings(doc)
    reads_encryption = _reads(rules_catalog, "encryption") & _of_type(rules_catalog, "aws.s3.bucket")
    expected_code = {"aws.ec2.security_group": "RequestLimitExceeded", "aws.kms.key": "ThrottlingException"}
    assert reads_encryption, "the catalog has S3 rules reading the encryption fact"
    by_type = {t: _of_type(rules_catalog, t) for t in expected_code}
    affected: set[Key] = set()
    for key, finding in found.items():
        check, _control, address = key
        if check in reads_encryption:
            assert finding["status"] == "error" and "SlowDown" in finding["message"], finding
            affected.add(key)
        for resource, code_name in expected_code.items():
            if check in by_type[resource]:
                assert finding["status"] == "error" and code_name in finding["message"], finding
                assert address.endswith(f":{REGION}:{resource}"), "a failed listing, not a resource"
                affected.add(key)
    for resource, checks in by_type.items():
        assert any(k[0] in checks for k in affected), f"no error finding for the unlisted {resource}"
    assert sum(1 for k in affected if k[0] in reads_encryption) == len(
        [k for k in clean if k[0] in reads_encryption]), "every bucket's encryption rule is error"
    untouched = {k: s for k, s in _statuses(clean).items()
                 if k[0] not in reads_encryption and not any(k[0] in c for c in by_type.values())}
    assert {k: s for k, s in _statuses(found).items() if k not in affected} == untouched
    assert proxy.counts()["kms:ListKeys"] == 3, "the first try and the 2 retries of PACSCAN_AWS_MAX_ATTEMPTS"
    assert code == 1 and "could not be evaluated" in err


@pytest.mark.parametrize(("action", "subresource", "reason"), [
    ("sleep", "versioning", "timeout"),  # the proxy holds the answer past the 1 s read timeout
    ("close", "policy", "ConnectionClosedError"),  # the connection drops without an answer
])
def test_a_failed_call_is_error_for_exactly_the_facts_it_feeds(
        action: Action, subresource: str, reason: str, proxy: FaultProxy, clean: Found, rules_catalog: Catalog,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PACSCAN_AWS_READ_TIMEOUT", "1")
    monkeypatch.setenv("PACSCAN_AWS_MAX_ATTEMPTS", "1")
    fault = proxy.add(Rule(action, service="s3", subresource=subresource, path=f"^/{GOOD}/?$", seconds=3.0))
    _code, doc, _err = scan(tmp_path, capsys)
    assert fault.hits == 2, "one try and one retry"
    fed = _reads(rules_catalog, subresource)
    found = _findings(doc)
    broken = {k: f for k, f in found.items() if k[0] in fed and k[2] == f"arn:aws:s3:::{GOOD}"}
    assert broken, "the fault hit rules on the good bucket"
    for finding in broken.values():
        assert finding["status"] == "error", finding
        assert reason.lower() in finding["message"].lower(), finding["message"]
        assert finding["evidence"]["could_not_read"].keys() == {subresource}
    assert {k: s for k, s in _statuses(found).items() if k not in broken} == {
        k: s for k, s in _statuses(clean).items() if k not in broken}


# -- the emulator killed, and Ctrl-C: the real CLI in a subprocess ---------------------------------------


def _cli(endpoint: str, aws_env: Mapping[str, str], *argv: str, **extra_env: str) -> subprocess.Popen[str]:
    env = {**os.environ, **aws_env, "AWS_ENDPOINT_URL": endpoint, "PYTHONUNBUFFERED": "1", **extra_env}
    return subprocess.Popen([sys.executable, "-m", "scanner", *argv], cwd=REPO, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _cloud_args(out: Path, *extra: str) -> tuple[str, ...]:
    return ("cloud", "aws", "--region", REGION, "--concurrency", str(CONCURRENCY), "--format", "json",
            "--output", str(out), "--no-color", *extra)


@pytest.mark.parametrize("served", [2, 30])
def test_emulator_killed_mid_scan_ends_clearly_with_a_complete_report_and_nothing_unread_passing(
        served: int, proxy: FaultProxy, clean: Found, aws_env: Mapping[str, str], tmp_path: Path) -> None:
    """``served`` requests are answered, then the endpoint vanishes (connections dropped, listener
    closed). With 2, only the identity and the bucket list were read: every finding must be error."""
    proxy.die_after(served)
    out = tmp_path / "out" / "evidence.json"
    run = _cli(proxy.url, aws_env, *_cloud_args(out, "--fail-on-unknown"), PACSCAN_AWS_MAX_ATTEMPTS="0")
    _stdout, stderr = run.communicate(timeout=120)
    assert proxy.dead
    assert "Traceback" not in stderr
    assert run.returncode in (1, 3), stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["evidence.json"], "no temporary file is left"
    doc = json.loads(out.read_text(encoding="utf-8"))  # complete JSON, never truncated
    validate_document(doc)
    warning = [line for line in stderr.splitlines() if "could not be evaluated" in line]
    assert len(warning) == 1 and "Connection" in warning[0], stderr  # EndpointConnection / ConnectionClosed
    found = _findings(doc)
    forwarded = [f"{s.service}:{s.operation or s.subresource or s.method}" for s in proxy.seen
                 if s.outcome == "forwarded"]
    assert len(forwarded) == served
    if served == 2:
        assert forwarded == ["sts:GetCallerIdentity", "s3:GET"], "identity, then ListBuckets"
        assert {f["status"] for f in found.values()} == {"error"}
        assert run.returncode == 3
    clean_status = _statuses(clean)
    for key, finding in found.items():
        if finding["status"] in ("pass", "fail", "not_applicable"):  # judged from facts really read: as clean
            assert clean_status.get(key) == finding["status"], (key, finding)
        else:
            assert finding["status"] == "error", finding
    assert any(f["status"] == "error" for f in found.values())


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_sigint_mid_cloud_scan_writes_nothing_and_stops_calling_the_api(
        proxy: FaultProxy, aws_env: Mapping[str, str], tmp_path: Path) -> None:
    proxy.add(Rule("sleep", seconds=0.3))  # every call slow: the scan is in flight when Ctrl-C comes
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    previous = out_dir / "previous.sarif"
    previous.write_text("previous report\n")
    run = _cli(proxy.url, aws_env, *_cloud_args(out_dir / "evidence.json", "--format", "sarif",
                                                   "--output", str(previous)))
    _wait_for(lambda: sum(1 for s in proxy.seen if s.service == "s3") >= 6, "bucket calls in flight")
    before = len(proxy.seen)
    run.send_signal(signal.SIGINT)
    _stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["previous.sarif"], "no report, no temporary file"
    assert previous.read_text() == "previous report\n", "an existing report is left as it was"
    time.sleep(0.5)
    assert len(proxy.seen) - before <= CONCURRENCY, "after Ctrl-C only calls already in flight complete"


def test_sigint_mid_iac_scan_of_a_big_tree_writes_nothing(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    subprocess.run([sys.executable, str(REPO / "bench" / "treegen.py"), str(tree), "--resources", "4000",
                    "--seed", "3"], check=True, capture_output=True, timeout=120)
    out_dir = tmp_path / "reports"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    run = subprocess.Popen([sys.executable, "-m", "scanner", "iac", str(tree), "--debug", "--format", "json",
                            "--output", str(out_dir / "evidence.json")],
                           cwd=REPO, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert run.stderr is not None
    lines: list[str] = []
    started = threading.Event()

    def drain() -> None:
        assert run.stderr is not None
        for line in run.stderr:
            lines.append(line)
            if "Evaluating Terraform:" in line:
                started.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    assert started.wait(timeout=120), "".join(lines)
    time.sleep(0.5)  # evaluating now (4,000 resources take several seconds to evaluate)
    assert run.poll() is None, "the scan was still running when interrupted"
    run.send_signal(signal.SIGINT)
    run.wait(timeout=60)
    reader.join(timeout=10)
    stderr = "".join(lines)
    assert run.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not out_dir.exists() or list(out_dir.iterdir()) == [], "no report, no temporary file"


def test_retry_and_timeout_knobs_come_from_the_environment_and_bad_values_are_one_clear_line(
        aws_env: Mapping[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from scanner.collectors.aws.session import RetryPolicy

    assert RetryPolicy.from_env({}) == RetryPolicy()
    assert RetryPolicy.from_env({"PACSCAN_AWS_RETRY_MODE": "standard", "PACSCAN_AWS_MAX_ATTEMPTS": "0",
                                 "PACSCAN_AWS_READ_TIMEOUT": "2.5"}) == RetryPolicy(mode="standard", max_attempts=0,
                                                                                     read_timeout=2.5)
    for name, value in (("PACSCAN_AWS_MAX_ATTEMPTS", "many"), ("PACSCAN_AWS_RETRY_MODE", "legacyish"),
                        ("PACSCAN_AWS_READ_TIMEOUT", "0")):
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            code = main(["cloud", "aws", "--region", REGION, "--format", "json", "--output",
                         str(tmp_path / "never.json")])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err
        assert [line for line in err.splitlines() if line.startswith("pacscan: error:")] and name in err, err
        assert not (tmp_path / "never.json").exists()
