"""RDS instances/clusters, EBS encryption by default and EBS volumes against a real moto server."""

from __future__ import annotations

import json
from typing import Any

from scanner.collectors.aws.databases import collect_databases, collect_ebs
from tests.aws.conftest import client
from tests.aws.test_storage import RawBody, empty_aws_config, expect, open_session, scan

__all__ = ["empty_aws_config"]  # the autouse fixture, re-used here


def seed_rds() -> None:
    rds = client("rds")
    common = {"DBInstanceClass": "db.t3.micro", "Engine": "postgres", "MasterUsername": "pacs",
              "MasterUserPassword": "not-a-secret-1", "AllocatedStorage": 20}
    rds.create_db_instance(DBInstanceIdentifier="pass-db", StorageEncrypted=True, BackupRetentionPeriod=35,
                           PubliclyAccessible=False, **common)
    rds.create_db_instance(DBInstanceIdentifier="fail-db", StorageEncrypted=False, BackupRetentionPeriod=1,
                           PubliclyAccessible=True, **common)
    cluster = {"Engine": "aurora-postgresql", "MasterUsername": "pacs", "MasterUserPassword": "not-a-secret-1"}
    rds.create_db_cluster(DBClusterIdentifier="pass-cluster", StorageEncrypted=True, BackupRetentionPeriod=35,
                          **cluster)
    rds.create_db_cluster(DBClusterIdentifier="fail-cluster", StorageEncrypted=False, BackupRetentionPeriod=1,
                          **cluster)


def test_rds_rules_pass_and_fail_exactly_the_named_databases(aws: str) -> None:
    seed_rds()
    resources, failures, findings = scan(collect_databases, open_session())
    assert failures == []
    assert {(r.type, r.name) for r in resources} == {
        ("aws.rds.instance", "pass-db"), ("aws.rds.instance", "fail-db"),
        ("aws.rds.cluster", "pass-cluster"), ("aws.rds.cluster", "fail-cluster")}
    expect(findings, "AWS-RDS-INSTANCE-ENCRYPTED", {"pass-db"}, {"fail-db"})
    expect(findings, "AWS-RDS-INSTANCE-NOT-PUBLIC", {"pass-db"}, {"fail-db"})
    expect(findings, "AWS-RDS-INSTANCE-BACKUP-RETENTION", {"pass-db"}, {"fail-db"})
    expect(findings, "AWS-RDS-CLUSTER-ENCRYPTED", {"pass-cluster"}, {"fail-cluster"})
    expect(findings, "AWS-RDS-CLUSTER-BACKUP-RETENTION", {"pass-cluster"}, {"fail-cluster"})


def test_ebs_default_encryption_per_region_and_volumes(aws: str) -> None:
    client("ec2").enable_ebs_encryption_by_default()
    ec2 = client("ec2", "eu-west-1")
    for name, encrypted in (("pass-volume", True), ("fail-volume", False)):
        ec2.create_volume(AvailabilityZone="eu-west-1a", Size=8, Encrypted=encrypted,
                          TagSpecifications=[{"ResourceType": "volume",
                                              "Tags": [{"Key": "Name", "Value": name}]}])
    resources, failures, findings = scan(collect_ebs, open_session())
    assert failures == []
    expect(findings, "AWS-EBS-DEFAULT-ENCRYPTION", {"ebs-encryption-by-default/us-east-1"},
           {"ebs-encryption-by-default/eu-west-1"})
    expect(findings, "AWS-EBS-VOLUME-ENCRYPTED", {"pass-volume"}, {"fail-volume"})
    assert all(r.region == "eu-west-1" for r in resources if r.type == "aws.ec2.volume")


def test_denied_rds_listing_in_one_region_is_a_collection_failure(aws: str) -> None:
    from botocore.awsrequest import AWSResponse

    seed_rds()
    body = (b'<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>'
            b'<Message>not authorized</Message></Error></ErrorResponse>')

    def deny(request: Any = None, **_: Any) -> Any:
        if "eu-west-1" not in str(request.headers.get("Authorization", "")):
            return None
        return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, RawBody(body))

    _, failures, findings = scan(collect_databases,
                              open_session([("before-send.rds.DescribeDBInstances", deny)]))
    assert [(f.type, f.region) for f in failures] == [("aws.rds.instance", "eu-west-1")]
    assert "AccessDenied" in failures[0].reason
    expect(findings, "AWS-RDS-CLUSTER-ENCRYPTED", {"pass-cluster"}, {"fail-cluster"})
    errors = [f for f in findings if f.status == "error"]
    assert {f.check_id for f in errors} == {"AWS-RDS-INSTANCE-ENCRYPTED", "AWS-RDS-INSTANCE-NOT-PUBLIC",
                                            "AWS-RDS-INSTANCE-BACKUP-RETENTION"}
    assert json.dumps(sorted(f.resource.address for f in errors)).count("eu-west-1") == 3
