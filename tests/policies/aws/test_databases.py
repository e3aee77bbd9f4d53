"""RDS and EBS from Terraform, judged by AWS-RDS-* / AWS-EBS-* (ENC-REST, ACC-PUBLIC, BAK-PLAN): the
retired CKV_AWS_16 / CKV_AWS_3 / CKV_AWS_106 semantics, provider defaults, and what follows a source
the configuration does not show."""

from __future__ import annotations

from tests.policies.aws.helpers import hcl, judge_hcl, verdicts

RDS_ENCRYPTED, CLUSTER_ENCRYPTED, PUBLIC = ("AWS-RDS-INSTANCE-ENCRYPTED", "AWS-RDS-CLUSTER-ENCRYPTED",
                                            "AWS-RDS-INSTANCE-NOT-PUBLIC")
RDS_BACKUP, CLUSTER_BACKUP = "AWS-RDS-INSTANCE-BACKUP-RETENTION", "AWS-RDS-CLUSTER-BACKUP-RETENTION"
VOLUME, DEFAULT = "AWS-EBS-VOLUME-ENCRYPTED", "AWS-EBS-DEFAULT-ENCRYPTION"
_HEAD = 'variable "flag" { type = bool }\nvariable "snapshot" { type = string }\n'


def _short(found: dict[str, str]) -> dict[str, str]:
    return {a.split(".", 1)[1]: s for a, s in found.items()}


def _db(name: str, **arguments: object) -> str:
    return hcl("aws_db_instance", name, **{"identifier": f'"{name}"', "engine": '"postgres"',
                                           "instance_class": '"db.t3.micro"', **arguments})


def test_rds_instance_encryption_and_what_follows_a_source() -> None:
    text = (_HEAD + _db("encrypted", storage_encrypted=True) + _db("plain") + _db("flag", storage_encrypted="var.flag")
            + _db("restored", snapshot_identifier='"snap-1"')
            + _db("restored_encrypted", snapshot_identifier='"snap-1"', storage_encrypted=True)
            + _db("maybe_restored", snapshot_identifier="var.snapshot")
            + _db("replica_of_encrypted", replicate_source_db="aws_db_instance.encrypted.identifier")
            + _db("replica_elsewhere", replicate_source_db='"arn:aws:rds:us-east-1:1:db:other"'))
    assert _short(verdicts(judge_hcl(text), RDS_ENCRYPTED)) == {
        "encrypted": "pass", "plain": "fail", "flag": "unknown", "restored": "unknown", "restored_encrypted": "pass",
        "maybe_restored": "unknown", "replica_of_encrypted": "pass", "replica_elsewhere": "unknown"}


def test_rds_instance_public_access_and_backup_retention_defaults() -> None:
    text = _db("defaults") + _db("public_kept", publicly_accessible=True, backup_retention_period=35)
    found = judge_hcl(text)
    assert _short(verdicts(found, PUBLIC)) == {"defaults": "pass", "public_kept": "fail"}
    assert _short(verdicts(found, RDS_BACKUP)) == {"defaults": "fail", "public_kept": "pass"}  # the API keeps 1 day


def test_rds_clusters_and_their_members() -> None:
    text = (_HEAD + hcl("aws_rds_cluster", "plain", cluster_identifier='"plain"', engine='"aurora-postgresql"')
            + hcl("aws_rds_cluster", "serverless", cluster_identifier='"s"', engine='"aurora-mysql"',
                  engine_mode='"serverless"', backup_retention_period=35)
            + hcl("aws_rds_cluster", "restored", cluster_identifier='"r"', engine='"aurora-mysql"',
                  snapshot_identifier='"snap"')
            + hcl("aws_rds_cluster_instance", "member", cluster_identifier="aws_rds_cluster.serverless.id",
                  instance_class='"db.r6g.large"', engine='"aurora-mysql"')
            + hcl("aws_rds_cluster_instance", "stray", cluster_identifier='"elsewhere"',
                  instance_class='"db.r6g.large"', engine='"aurora-mysql"'))
    found = judge_hcl(text)
    assert _short(verdicts(found, CLUSTER_ENCRYPTED)) == {"plain": "fail", "serverless": "pass", "restored": "unknown"}
    assert _short(verdicts(found, CLUSTER_BACKUP)) == {"plain": "fail", "serverless": "pass", "restored": "unknown"}
    assert _short(verdicts(found, RDS_ENCRYPTED)) == {"member": "pass", "stray": "unknown"}
    assert _short(verdicts(found, RDS_BACKUP)) == {"member": "not_applicable", "stray": "not_applicable"}


def test_ebs_volumes_and_encryption_by_default() -> None:
    volume = 'availability_zone = "us-east-1a"\n  size = 8'
    text = (_HEAD + hcl("aws_ebs_volume", "encrypted", volume, encrypted=True) + hcl("aws_ebs_volume", "plain", volume)
            + hcl("aws_ebs_volume", "flag", volume, encrypted="var.flag")
            + hcl("aws_ebs_volume", "from_snapshot", volume, snapshot_id='"snap-1"')
            + hcl("aws_ebs_encryption_by_default", "implicit")
            + hcl("aws_ebs_encryption_by_default", "off", enabled=False)
            + hcl("aws_ebs_encryption_by_default", "maybe", enabled="var.flag"))
    found = judge_hcl(text)
    assert _short(verdicts(found, VOLUME)) == {"encrypted": "pass", "plain": "fail", "flag": "unknown",
                                               "from_snapshot": "unknown"}
    assert _short(verdicts(found, DEFAULT)) == {"implicit": "pass", "off": "fail", "maybe": "unknown"}
