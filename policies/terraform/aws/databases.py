"""RDS and EBS from Terraform: ``aws.rds.instance``, ``aws.rds.cluster``, ``aws.ec2.volume`` and
``aws.ec2.ebs_encryption``.

* ``aws_db_instance``: provider/API defaults for what is not written (unencrypted, not public, no
  deletion protection, 1 day of automated backups; a read replica keeps none). A replica's
  encryption follows its source (the source instance's setting where it is declared here, else
  unknown); an instance restored from a snapshot or to a point in time follows that source, so
  its encryption and retention are unknown unless written.
* ``aws_rds_cluster``: unencrypted by default (``engine_mode = "serverless"``: encrypted), 1 day
  of backups; restored or replicated clusters follow their source unless ``storage_encrypted`` is
  true. ``aws_rds_cluster_instance``: an ``aws.rds.instance`` whose storage is its cluster's.
* ``aws_ebs_volume``: unencrypted unless ``encrypted = true``; a volume made from a snapshot is
  encrypted when the snapshot is, which the configuration does not say. Attachments come from the
  ``aws_volume_attachment`` resources that name the volume.
* ``aws_ebs_encryption_by_default``: ``enabled`` defaults to true.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, resource
from policies.terraform.aws.common import identifier, lift, located, owner
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

INSTANCE = "aws.rds.instance"
CLUSTER = "aws.rds.cluster"
VOLUME = "aws.ec2.volume"
EBS_DEFAULT = "aws.ec2.ebs_encryption"


def rds(index: Index) -> list[Resource]:
    out = [_instance(index, i) for i in index.of_type("aws_db_instance")]
    clusters = {c.address: _cluster(c) for c in index.of_type("aws_rds_cluster")}
    out += clusters.values()
    out += [_member(index, i, clusters) for i in index.of_type("aws_rds_cluster_instance")]
    return out


def _restored(attrs: Mapping[str, Any], *arguments: str) -> Any:
    """The restore/replication source this resource follows (its argument name), None when it is
    created empty, or an unknown when that cannot be told."""
    for name in arguments:
        value = attrs.get(name)
        if isinstance(value, Unknown):
            return value
        if value not in (None, "", []):
            return name
    return None


def _instance(index: Index, db: TfInstance) -> Resource:
    attrs = db.attrs
    replica = attrs.get("replicate_source_db")
    restored = _restored(attrs, "snapshot_identifier", "restore_to_point_in_time", "s3_import")
    encrypted = arg(attrs, "storage_encrypted", False)
    if replica is not None:
        sources = index.referenced(db, "replicate_source_db", "aws_db_instance")
        source = arg(sources[0].attrs, "storage_encrypted", False) if len(sources) == 1 else None
        shown = replica if isinstance(replica, str) else "its source"
        encrypted = source if isinstance(source, bool) else Unknown(
            f"{db.address} is a read replica: its encryption follows {shown}")
    elif restored is not None and attrs.get("storage_encrypted") is not True:
        encrypted = _follows(db, restored, "encryption")
    retention = attrs.get("backup_retention_period")
    if retention is None:
        retention = 0 if replica is not None else (1 if restored is None else _follows(db, restored, "retention"))
    facts = {
        "engine": attrs.get("engine"),
        "storage_encrypted": encrypted,
        "kms_key_id": identifier(db, "kms_key_id"),
        "backup_retention_days": retention,
        "publicly_accessible": arg(attrs, "publicly_accessible", False),
        "cluster_id": None,
        "deletion_protection": arg(attrs, "deletion_protection", False),
        "tags": arg(attrs, "tags", {}),
    }
    return _resource(INSTANCE, db, facts, "identifier")


def _follows(db: TfInstance, source: Any, what: str) -> Unknown:
    if isinstance(source, Unknown):
        return Unknown(f"whether {db.address} is restored from a snapshot or backup is not known: {source.reason}",
                       source.origin, source.error)
    return Unknown(f"{db.address} is restored ({source}): its {what} follows the source")


def _cluster(cluster: TfInstance) -> Resource:
    attrs = cluster.attrs
    restored = _restored(attrs, "snapshot_identifier", "replication_source_identifier", "restore_to_point_in_time",
                         "s3_import", "global_cluster_identifier")
    encrypted = attrs.get("storage_encrypted")
    if encrypted is None:
        encrypted = lift(lambda mode: mode == "serverless", arg(attrs, "engine_mode", "provisioned"))
        if restored is not None:
            encrypted = _follows(cluster, restored, "encryption")
    retention = attrs.get("backup_retention_period")
    if retention is None:
        retention = 1 if restored is None else _follows(cluster, restored, "retention")
    facts = {
        "engine": attrs.get("engine"),
        "storage_encrypted": encrypted,
        "kms_key_id": identifier(cluster, "kms_key_id"),
        "backup_retention_days": retention,
        "publicly_accessible": None,
        "deletion_protection": arg(attrs, "deletion_protection", False),
        "tags": arg(attrs, "tags", {}),
    }
    return _resource(CLUSTER, cluster, facts, "cluster_identifier")


def _member(index: Index, db: TfInstance, clusters: Mapping[str, Resource]) -> Resource:
    attrs = db.attrs
    found = owner(index, db, "cluster_identifier", ("aws_rds_cluster",))
    cluster = clusters.get(found.parents[0].address) if found.link == "certain" else None
    why = Unknown(f"the cluster {db.address} belongs to is not declared in this configuration")
    facts = {
        "engine": attrs.get("engine"),
        "storage_encrypted": cluster.facts["storage_encrypted"] if cluster else why,
        "kms_key_id": cluster.facts["kms_key_id"] if cluster else why,
        "backup_retention_days": cluster.facts["backup_retention_days"] if cluster else why,
        "publicly_accessible": arg(attrs, "publicly_accessible", False),
        "cluster_id": identifier(db, "cluster_identifier"),
        "deletion_protection": cluster.facts["deletion_protection"] if cluster else why,
        "tags": arg(attrs, "tags", {}),
    }
    subs = found.parents[:1] if cluster else ()
    return _resource(INSTANCE, db, facts, "identifier", subs)


def _resource(kind: str, db: TfInstance, facts: Mapping[str, Any], name_argument: str,
              subs: tuple[TfInstance, ...] = ()) -> Resource:
    origins = {key: located(db) for key in facts}
    name = db.attrs.get(name_argument)
    return resource(kind, db, facts, name=name if isinstance(name, str) else None, tags=facts["tags"],
                    configured_by=subs, origins=origins,
                    traced={"storage_encrypted": ("storage_encrypted", "snapshot_identifier", "replicate_source_db"),
                            "backup_retention_days": ("backup_retention_period",),
                            "publicly_accessible": ("publicly_accessible",)})


# --- EBS -------------------------------------------------------------------------------------------

def ebs(index: Index) -> list[Resource]:
    attached: dict[str, list[Any]] = {}
    for attachment in index.of_type("aws_volume_attachment"):
        found = owner(index, attachment, "volume_id", ("aws_ebs_volume",))
        if found.link == "certain":
            attached.setdefault(found.parents[0].address, []).append(identifier(attachment, "instance_id"))
    out = [_volume(v, attached.get(v.address, [])) for v in index.of_type("aws_ebs_volume")]
    for setting in index.of_type("aws_ebs_encryption_by_default"):
        facts = {"enabled": arg(setting.attrs, "enabled", True)}
        out.append(resource(EBS_DEFAULT, setting, facts, origins={"enabled": located(setting)},
                            traced={"enabled": ("enabled",)}))
    return out


def _volume(volume: TfInstance, attached: list[Any]) -> Resource:
    attrs = volume.attrs
    encrypted = arg(attrs, "encrypted", False)
    snapshot = attrs.get("snapshot_id")
    if encrypted is not True and snapshot not in (None, ""):
        encrypted = Unknown(f"{volume.address} is made from snapshot "
                            f"{snapshot if isinstance(snapshot, str) else 'not known'}: it is encrypted when the "
                            f"snapshot is", snapshot.origin if isinstance(snapshot, Unknown) else None)
    facts = {
        "encrypted": encrypted,
        "kms_key_id": identifier(volume, "kms_key_id"),
        "state": None,
        "attached_to": attached,
        "tags": arg(attrs, "tags", {}),
    }
    origins = {key: located(volume) for key in facts}
    return resource(VOLUME, volume, facts, tags=facts["tags"], origins=origins,
                    traced={"encrypted": ("encrypted", "snapshot_id")})

