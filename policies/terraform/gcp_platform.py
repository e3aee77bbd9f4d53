"""GCP settings outside Cloud Storage: KMS key rotation, load-balancer TLS, subnet flow logs,
Data Access audit logs for Cloud Storage, and snapshot-schedule retention."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies import parameters
from policies.terraform.azure_gcp_common import (
    ObservingCheck,
    block,
    blocks,
    failed,
    int_at_least,
    is_unresolved,
    passed,
    tls_rank,
    unknown,
)
from policies.terraform.common import Observation, first

#: longest automatic rotation period accepted for a Cloud KMS key (90 days, in seconds)
MAX_ROTATION_SECONDS = 90 * 86400
_STORAGE_SERVICES = frozenset({"storage.googleapis.com", "allServices"})
_DATA_LOGS = frozenset({"DATA_READ", "DATA_WRITE"})
#: subnet purposes that carry no VM traffic and cannot have flow logs
_PROXY_PURPOSES = frozenset({"REGIONAL_MANAGED_PROXY", "GLOBAL_MANAGED_PROXY", "INTERNAL_HTTPS_LOAD_BALANCER",
                             "PRIVATE_SERVICE_CONNECT"})


class KmsKeyRotation(ObservingCheck):
    keys = ("rotation_period",)

    def __init__(self) -> None:
        super().__init__("Cloud KMS key rotates automatically at least every 90 days", "PACS_GCP_KMS_ROTATION",
                         ["google_kms_crypto_key"], CheckCategories.ENCRYPTION)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        raw = first(conf, "rotation_period")
        if raw is None:
            return [failed("rotation_period not set: the key is never rotated automatically")]
        match = re.fullmatch(r"(\d+)(?:\.\d+)?s", str(raw).strip())
        if match is None:
            return [unknown(f"rotation_period={raw}: not a literal duration")]
        seconds = int(match.group(1))
        verdict = passed if seconds <= MAX_ROTATION_SECONDS else failed
        return [verdict(f"rotation_period={raw} ({seconds // 86400} days, maximum 90)")]


class SslPolicyMinTls(ObservingCheck):
    keys = ("min_tls_version", "profile")

    def __init__(self) -> None:
        super().__init__("SSL policy requires the minimum TLS version or newer", "PACS_GCP_SSL_POLICY",
                         ["google_compute_ssl_policy"], CheckCategories.ENCRYPTION)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        minimum = str(parameters.get("min_tls_version"))
        raw = first(conf, "min_tls_version")
        profile = first(conf, "profile")
        shown = f"min_tls_version={raw} profile={profile}"
        if raw is None:
            raw, shown = "TLS_1_0", f"min_tls_version not set: the default is TLS_1_0 (profile={profile})"
        rank, wanted = tls_rank(str(raw)), tls_rank(minimum)
        if rank is None or wanted is None:
            return [unknown(f"{shown}: not a TLS version")]
        return [(passed if rank >= wanted else failed)(f"{shown} (minimum TLS {minimum})")]


class ProxySslPolicy(ObservingCheck):
    keys = ("ssl_policy",)

    def __init__(self) -> None:
        super().__init__("HTTPS/SSL proxy uses an explicit SSL policy", "PACS_GCP_PROXY_SSL_POLICY",
                         ["google_compute_target_https_proxy", "google_compute_target_ssl_proxy"],
                         CheckCategories.ENCRYPTION)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        policy = first(conf, "ssl_policy")
        if not policy:
            return [failed("no ssl_policy: the GCP default SSL policy accepts TLS 1.0")]
        return [passed(f"ssl_policy={policy} (its minimum TLS version is judged on the policy itself)")]


class SubnetFlowLogs(ObservingCheck):
    keys = ("log_config", "purpose")

    def __init__(self) -> None:
        super().__init__("Subnetwork records VPC flow logs", "PACS_GCP_SUBNET_FLOW_LOGS",
                         ["google_compute_subnetwork"], CheckCategories.LOGGING)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        purpose = first(conf, "purpose")
        if isinstance(purpose, str) and purpose in _PROXY_PURPOSES:
            return [passed(f"purpose={purpose}: proxy-only subnet, flow logs do not apply")]
        config = block(conf, "log_config")
        if config is None:
            return [failed("no log_config block: VPC flow logs are off")]
        return [passed(f"log_config aggregation_interval={first(config, 'aggregation_interval')} "
                       f"flow_sampling={first(config, 'flow_sampling')} metadata={first(config, 'metadata')}")]


class StorageDataAccessLogs(ObservingCheck):
    keys = ("service", "audit_log_config")

    def __init__(self) -> None:
        super().__init__("Data Access audit logs (DATA_READ, DATA_WRITE) are on for Cloud Storage",
                         "PACS_GCP_STORAGE_AUDIT_LOGS",
                         ["google_project_iam_audit_config", "google_folder_iam_audit_config",
                          "google_organization_iam_audit_config"], CheckCategories.LOGGING)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        service = first(conf, "service")
        if not isinstance(service, str) or is_unresolved(service):
            yield unknown(f"service={service}: not literal")
            return
        if service not in _STORAGE_SERVICES:
            yield passed(f"service={service}: does not cover Cloud Storage (not applicable)")
            return
        configs = blocks(conf, "audit_log_config")
        types = {str(first(c, "log_type")) for c in configs}
        exempted = sorted({str(m) for c in configs for m in (first(c, "exempted_members") or [])})
        missing = sorted(_DATA_LOGS - types)
        text = f"service={service} log types {sorted(types)} exempted {exempted}"
        yield failed(f"{text}: missing {missing}") if missing else passed(text)


class SnapshotRetention(ObservingCheck):
    keys = ("snapshot_schedule_policy/[0]/retention_policy/[0]/max_retention_days",)

    def __init__(self) -> None:
        super().__init__("Disk snapshot schedule keeps snapshots for the backup retention period",
                         "PACS_GCP_SNAPSHOT_RETENTION", ["google_compute_resource_policy"],
                         CheckCategories.BACKUP_AND_RECOVERY)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        schedule = block(conf, "snapshot_schedule_policy")
        if schedule is None:
            yield passed("not a snapshot schedule policy (not applicable)")
            return
        retention = block(schedule, "retention_policy")
        if retention is None:
            yield failed("snapshot_schedule_policy without retention_policy")
            return
        yield int_at_least("retention_policy.max_retention_days", first(retention, "max_retention_days"),
                           int(parameters.get("min_backup_retention_days")), "days")


check_kms_rotation = KmsKeyRotation()
check_ssl_policy = SslPolicyMinTls()
check_proxy_ssl_policy = ProxySslPolicy()
check_flow_logs = SubnetFlowLogs()
check_audit_logs = StorageDataAccessLogs()
check_snapshot_retention = SnapshotRetention()
