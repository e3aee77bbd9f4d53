"""Least privilege: every API operation the AWS collector performs is allowed by the read-only
policy we ship (``policies/iam/pacscan-aws-readonly.json``), and that policy names every action
it allows (no wildcards), grants nothing a full scan does not use, and no write or data read.

Operations are recorded by the session-wide hook in ``conftest.py``: every ``AwsSession`` of the
pytest session, whichever test or CLI run built it, reports each call (botocore's ``before-call``
event) and the hook keeps those made by pacscan's code; calls a test makes itself through a
session's clients (seeding with ``session.client(...).put_...``) are not the scanner's.
This file runs last in the session (``conftest.pytest_collection_modifyitems``) so it sees what the
other AWS tests did, but it does not depend on them: it seeds an estate that exercises every
collector family, runs a full :class:`AwsCollector` over it, and checks the union of that run and
everything else recorded. AWS Backup selections come from the recorded-response server of
``backup_recordings.py`` (moto lacks them), as in test_backup.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from scanner.catalog import load_catalog
from scanner.collectors.aws.collector import FAMILIES, AwsCollector
from scanner.collectors.aws.iam_actions import allowed_patterns, required_actions, uncovered
from scanner.collectors.aws.session import AwsSession, AwsTarget, RetryPolicy
from scanner.collectors.aws.storage import collect_buckets
from scanner.facts.resource import Inventory
from scripts.healthimaging_standin import StandIn
from tests.aws.backup_recordings import Recordings, serve
from tests.aws.conftest import client, recorded_operations
from tests.aws.test_audit import seed_trails
from tests.aws.test_backup import seed as seed_backup
from tests.aws.test_databases import seed_rds
from tests.aws.test_endpoints import _certificate, _distribution, seed_listeners
from tests.aws.test_healthimaging import seed as seed_imaging
from tests.aws.test_network import seed_groups, seed_vpcs
from tests.aws.test_policies import seed_policies
from tests.aws.test_storage import seed_buckets

POLICY_FILE = Path(__file__).resolve().parents[2] / "policies" / "iam" / "pacscan-aws-readonly.json"
#: MSP only: the identity that lists an AWS Organization's accounts (tenants.yaml `organizations:`)
ORGANIZATIONS_POLICY_FILE = POLICY_FILE.with_name("pacscan-aws-organizations.json")
REGIONS = ("us-east-1", "eu-west-1")

#: collector family (FAMILIES label) -> the resource types a seeded estate must give it
FAMILY_TYPES = {
    "S3 buckets": {"aws.s3.bucket"},
    "KMS keys": {"aws.kms.key"},
    "AWS Backup": {"aws.backup.vault", "aws.backup.plan"},
    "RDS": {"aws.rds.instance", "aws.rds.cluster"},
    "EBS encryption": {"aws.ec2.ebs_encryption"},
    "security groups": {"aws.ec2.security_group"},
    "network ACLs": {"aws.ec2.network_acl"},
    "VPC flow logs": {"aws.ec2.vpc"},
    "load balancer listeners": {"aws.elbv2.listener"},
    "CloudFront": {"aws.cloudfront.distribution"},
    "CloudTrail": {"aws.cloudtrail.trail", "aws.cloudtrail.account"},
    "account MFA": {"aws.iam.account"},
    "IAM users": {"aws.iam.user"},
    "IAM policies": {"aws.iam.policy"},
    "HealthImaging data stores": {"aws.healthimaging.datastore"},
}

#: action-name prefixes that read configuration; anything else (Put, Create, Delete, Update, Attach,
#: Modify, Tag, PassRole, Decrypt...) would let the scanner change or decrypt something
READ_VERBS = ("Get", "List", "Describe")
#: read actions that would expose data (PHI) rather than configuration; no pattern may match them
DATA_READS = ("s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectTorrent",
              "kms:Decrypt", "kms:GenerateDataKey", "secretsmanager:GetSecretValue", "ssm:GetParameter",
              "rds:DownloadDBLogFilePortion", "backup:GetRecoveryPointRestoreMetadata", "ec2:GetPasswordData",
              "ec2:GetConsoleOutput", "ec2:GetConsoleScreenshot", "cloudtrail:LookupEvents",
              "iam:GetCredentialReport", "s3:ListMultipartUploadParts", "s3:ListBucket", "s3:ListBucketVersions",
              "medical-imaging:GetImageFrame", "medical-imaging:GetImageSet", "medical-imaging:GetImageSetMetadata",
              "medical-imaging:SearchImageSets", "medical-imaging:GetDICOMInstance",
              "medical-imaging:GetDICOMInstanceFrames", "medical-imaging:GetDICOMBulkdata")


def _policy() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(POLICY_FILE.read_text())
    return document


@pytest.fixture
def estate(aws: str, imaging_standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Something for every family: buckets and keys, backup vaults and plans (selections from the
    recorded-response server), RDS, an EBS volume, security groups, ACLs, VPCs with and without
    flow logs, ELBv2 listeners, a CloudFront distribution, trails, console and API IAM users,
    HealthImaging data stores with roles, a trail and an event data store recording them (the
    HealthImaging stand-in, which also serves CloudTrail Lake)."""
    with serve(aws) as (url, recorded):
        monkeypatch.setenv("AWS_ENDPOINT_URL_BACKUP", url)
        for name, value in imaging_standin.environ().items():
            monkeypatch.setenv(name, value)
        _seed(recorded)
        seed_imaging(imaging_standin)
        yield aws


def _seed(recorded: Recordings) -> None:
    seed_buckets()
    seed_backup(recorded)
    seed_rds()
    client("ec2", "eu-west-1").create_volume(AvailabilityZone="eu-west-1a", Size=8, Encrypted=False)
    seed_groups()
    seed_vpcs()
    seed_listeners()
    acm = {"ACMCertificateArn": _certificate(), "SSLSupportMethod": "sni-only", "CloudFrontDefaultCertificate": False,
           "MinimumProtocolVersion": "TLSv1.2_2021"}
    _distribution("viewer", acm)
    seed_trails()
    iam = client("iam")
    for name in ("radiologist", "pacs-sync"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName="radiologist", Password="Correct-Horse-9!")
    seed_policies()


def _full_run() -> tuple[AwsCollector, Inventory]:
    catalog = load_catalog()
    collector = AwsCollector(AwsTarget(regions=REGIONS), parameters=catalog.defaults(), concurrency=8,
                             retry=RetryPolicy(mode="standard", max_attempts=2))
    return collector, collector.collect()


def test_a_full_collection_stays_inside_the_readonly_policy(estate: str) -> None:
    collector, inventory = _full_run()
    assert collector.session is not None
    own = collector.session.calls
    session_wide = recorded_operations()
    assert all(session_wide[op] >= n for op, n in own.items()), "the session-wide hook missed collector calls"
    # every family ran and found what was seeded, and every fact of every resource was read
    assert [label for label, _ in FAMILIES] == list(FAMILY_TYPES)
    found = {r.type for r in inventory.resources}
    missing = {label: types - found for label, types in FAMILY_TYPES.items() if types - found}
    assert missing == {}
    assert inventory.failures == ()
    unread = {r.id: r.errors for r in inventory.resources if r.errors}
    assert unread == {}
    assert {r.id: r.skipped for r in inventory.resources if r.skipped} == {}  # no plan: every fact is read
    # listing the enabled regions (no --region) is part of a scan too
    probe = AwsSession(AwsTarget(), retry=RetryPolicy(mode="standard", max_attempts=2))
    assert "us-east-1" in probe.regions()
    # and so is listing the buckets unfiltered, where an endpoint that gives no BucketRegion (moto) is
    # asked GetBucketLocation per bucket
    with ThreadPoolExecutor(max_workers=4) as pool:
        buckets, _ = collect_buckets(probe, (), pool)
    assert buckets and probe.calls["s3:GetBucketLocation"] == len(buckets)
    scan_calls = set(own) | set(probe.calls)

    session_wide = recorded_operations()
    assert scan_calls <= set(session_wide)
    needed = required_actions(session_wide)
    # nothing granted that a full scan does not use (this run's own calls alone show it)
    allowed = {a.lower() for a in allowed_patterns(_policy())}
    assert allowed - {a.lower() for a in required_actions(scan_calls)} == set()
    assert {"s3:GetEncryptionConfiguration", "s3:GetAccountPublicAccessBlock", "backup:GetBackupSelection",
            "rds:DescribeDBClusters", "ec2:GetEbsEncryptionByDefault", "ec2:DescribeRegions",
            "elasticloadbalancing:DescribeSSLPolicies", "cloudfront:ListDistributions",
            "cloudtrail:GetEventSelectors", "iam:GetLoginProfile", "kms:GetKeyRotationStatus",
            "ec2:GetManagedPrefixListEntries", "iam:GetAccountAuthorizationDetails", "medical-imaging:GetDatastore",
            "cloudtrail:GetEventDataStore"} <= needed
    shipped = {**_policy(), "Statement": [*_policy()["Statement"], *_organizations_policy()["Statement"]]}
    assert uncovered(needed, shipped) == set(), "operations performed but not allowed by the shipped policies"


def _organizations_policy() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ORGANIZATIONS_POLICY_FILE.read_text())
    return document


def test_the_organizations_policy_only_lists_accounts() -> None:
    assert allowed_patterns(_organizations_policy()) == ["organizations:ListAccounts"]


def test_the_policy_allows_only_configuration_reads() -> None:
    patterns = allowed_patterns(_policy())
    assert patterns
    writes = [p for p in patterns if ":" not in p or not p.split(":", 1)[1].startswith(READ_VERBS)]
    assert writes == []
    assert [p for p in patterns if "*" in p or "?" in p] == []  # every action named, no wildcard
    assert uncovered(DATA_READS, _policy()) == set(DATA_READS)
    statements = _policy()["Statement"]
    assert all(s["Effect"] == "Allow" and s["Resource"] == "*" and "NotAction" not in s for s in statements)


def test_the_check_notices_an_operation_the_policy_lacks() -> None:
    """Without the KMS statement the same mapping reports the KMS actions as missing."""
    document = _policy()
    trimmed = {**document, "Statement": [s for s in document["Statement"] if s["Sid"] != "PacscanKeys"]}
    needed = required_actions({"kms:ListKeys", "kms:GetKeyRotationStatus", "s3:GetBucketEncryption"})
    assert uncovered(needed, trimmed) == {"kms:ListKeys", "kms:GetKeyRotationStatus"}
    assert uncovered(needed, document) == set()
