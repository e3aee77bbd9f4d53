"""RDS instances and clusters, EBS encryption by default and EBS volumes, per region, as facts.

Everything here comes from listings (``Describe*``), which return every fact in one response: a
listing that fails makes a ``CollectionFailure`` for that type and region (every rule over it is
``error`` there), never an empty region.

``aws.rds.instance`` (id: DBInstanceArn) and ``aws.rds.cluster`` (id: DBClusterArn)

=========================  ==============================================  ===================================
fact key                   meaning                                         source API call
=========================  ==============================================  ===================================
``engine``                 database engine                                 DescribeDBInstances / DBClusters
``storage_encrypted``      storage encryption at rest                      DescribeDBInstances / DBClusters
``kms_key_id``             the storage encryption key                      DescribeDBInstances / DBClusters
``backup_retention_days``  automated backup retention (0 = off)            DescribeDBInstances / DBClusters
``publicly_accessible``    instance: has a public DNS name / address;      DescribeDBInstances / DBClusters
                           cluster: None unless reported (Multi-AZ DB
                           clusters)
``cluster_id``             instance: the cluster it belongs to (None)      DescribeDBInstances
``deletion_protection``    deletion protection on                          DescribeDBInstances / DBClusters
``tags``                   tags as a flat dict                             DescribeDBInstances / DBClusters
=========================  ==============================================  ===================================

``aws.ec2.ebs_encryption`` (one per region; id ``arn:aws:ec2:<region>:<account>:ebs-encryption-by-default``,
which is not a real ARN: the setting has none)

=====================  =========================================  =============================
fact key               meaning                                    source API call
=====================  =========================================  =============================
``enabled``            new volumes are encrypted by default       GetEbsEncryptionByDefault
=====================  =========================================  =============================

``aws.ec2.volume`` (id: ``arn:aws:ec2:<region>:<account>:volume/<id>``)

===============  ====================================  ===============
fact key         meaning                               source API call
===============  ====================================  ===============
``encrypted``    the volume is encrypted               DescribeVolumes
``kms_key_id``   its key                               DescribeVolumes
``state``        available / in-use / ...              DescribeVolumes
``attached_to``  instance ids it is attached to        DescribeVolumes
``tags``         tags as a flat dict                   DescribeVolumes
===============  ====================================  ===============
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from scanner.collectors.aws.errors import api_errors, reason
from scanner.collectors.aws.session import AwsSession, FactReader, for_kind
from scanner.facts.resource import CollectionFailure, Resource

INSTANCE = "aws.rds.instance"
CLUSTER = "aws.rds.cluster"
EBS_DEFAULT = "aws.ec2.ebs_encryption"
VOLUME = "aws.ec2.volume"
Collected = tuple[list[Resource], list[CollectionFailure]]
Lister = Callable[[AwsSession, str], list[Resource]]


def collect_databases(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    """RDS instances and clusters in every region."""
    return _per_region(session, regions, pool, ((INSTANCE, _instances), (CLUSTER, _clusters)))


def collect_ebs(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    """EBS encryption-by-default settings and EBS volumes in every region."""
    return _per_region(session, regions, pool, ((EBS_DEFAULT, _ebs_default), (VOLUME, _volumes)))


def _per_region(session: AwsSession, regions: Sequence[str], pool: Executor,
                listers: Iterable[tuple[str, Lister]]) -> Collected:
    jobs = []
    for kind, lister in listers:
        if session.plan.wants_kind(kind):
            with for_kind(kind):
                jobs += [(kind, region, pool.submit(_guarded, lister, session, region)) for region in regions]
    resources: list[Resource] = []
    failures: list[CollectionFailure] = []
    for kind, region, job in jobs:
        found, error = job.result()
        if error is not None:
            failures.append(CollectionFailure("aws", kind, session.account, region, error))
        resources += found
    return resources, failures


def _guarded(lister: Lister, session: AwsSession, region: str) -> tuple[list[Resource], str | None]:
    try:
        return lister(session, region), None
    except api_errors() as err:
        return [], reason(err)


def _tags(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in items or ()}


def _instances(session: AwsSession, region: str) -> list[Resource]:
    pages = session.client("rds", region).get_paginator("describe_db_instances").paginate()
    out = []
    for db in (d for page in pages for d in page.get("DBInstances", [])):
        tags = _tags(db.get("TagList"))
        facts = {
            "engine": db.get("Engine"), "storage_encrypted": bool(db.get("StorageEncrypted", False)),
            "kms_key_id": db.get("KmsKeyId"), "backup_retention_days": db.get("BackupRetentionPeriod"),
            "publicly_accessible": bool(db.get("PubliclyAccessible", False)),
            "cluster_id": db.get("DBClusterIdentifier"),
            "deletion_protection": bool(db.get("DeletionProtection", False)), "tags": tags,
        }
        out.append(Resource(provider="aws", type=INSTANCE, id=str(db["DBInstanceArn"]),
                                 name=str(db["DBInstanceIdentifier"]), account=session.account, region=region,
                                 tags=tags, facts=facts))
    return out


def _clusters(session: AwsSession, region: str) -> list[Resource]:
    pages = session.client("rds", region).get_paginator("describe_db_clusters").paginate()
    out = []
    for db in (d for page in pages for d in page.get("DBClusters", [])):
        tags = _tags(db.get("TagList"))
        facts = {
            "engine": db.get("Engine"), "storage_encrypted": bool(db.get("StorageEncrypted", False)),
            "kms_key_id": db.get("KmsKeyId"), "backup_retention_days": db.get("BackupRetentionPeriod"),
            "publicly_accessible": db.get("PubliclyAccessible"),
            "deletion_protection": bool(db.get("DeletionProtection", False)), "tags": tags,
        }
        out.append(Resource(provider="aws", type=CLUSTER, id=str(db["DBClusterArn"]),
                                 name=str(db["DBClusterIdentifier"]), account=session.account, region=region,
                                 tags=tags, facts=facts))
    return out


def _ebs_default(session: AwsSession, region: str) -> list[Resource]:
    ec2 = session.client("ec2", region)
    reader = FactReader()
    reader.read("enabled", ec2.get_ebs_encryption_by_default, lambda r: bool(r.get("EbsEncryptionByDefault")))
    arn = f"arn:aws:ec2:{region}:{session.account}:ebs-encryption-by-default"
    return [Resource(provider="aws", type=EBS_DEFAULT, id=arn, name=f"ebs-encryption-by-default/{region}",
                          account=session.account, region=region, facts=reader.facts, errors=reader.errors)]


def _volumes(session: AwsSession, region: str) -> list[Resource]:
    pages = session.client("ec2", region).get_paginator("describe_volumes").paginate()
    out = []
    for volume in (v for page in pages for v in page.get("Volumes", [])):
        tags = _tags(volume.get("Tags"))
        volume_id = str(volume["VolumeId"])
        facts = {
            "encrypted": bool(volume.get("Encrypted", False)), "kms_key_id": volume.get("KmsKeyId"),
            "state": volume.get("State"),
            "attached_to": [str(a["InstanceId"]) for a in volume.get("Attachments", []) if a.get("InstanceId")],
            "tags": tags,
        }
        out.append(Resource(provider="aws", type=VOLUME, id=f"arn:aws:ec2:{region}:{session.account}:volume/"
                                 f"{volume_id}", name=tags.get("Name", volume_id), account=session.account,
                                 region=region, tags=tags, facts=facts))
    return out
