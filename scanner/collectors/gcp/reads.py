"""Which API call produces each fact of each GCP resource kind (see ``scanner/collectors/planned.py``).

Every kind but Cloud Healthcare's is one listing per project; the per-resource call of those is a
bucket's ``buckets.getIamPolicy`` (``iam``), which the read plan spares where no selected rule needs it
and for buckets outside the ``imaging_data`` scope. Cloud Healthcare datasets and DICOM stores are read
whole where a selected rule judges either kind (their per-resource reads all feed the default rules).
``tests/test_read_tables.py`` checks the table against the rules and the fact schemas.
"""

from __future__ import annotations

from collections.abc import Mapping

from scanner.collectors.planned import Read


def _listing(operation: str, *paths: str) -> dict[str, Read]:
    return {path: Read(operation, per="listing") for path in paths}


#: the listings that lead to the keys: locations, then each location's key rings
_KEY_RINGS = ("cloudkms:locations.list", "cloudkms:keyRings.list")

READS: Mapping[str, Mapping[str, Read]] = {
    "gcp.storage.bucket": {
        **_listing("storage:buckets.list", "uniform_bucket_level_access", "public_access_prevention", "versioning",
                   "retention_policy", "encryption", "logging", "website", "api_min_tls_version", "lifecycle_rules",
                   "location", "location_type", "storage_class"),
        "iam": Read("storage:buckets.getIamPolicy"),
    },
    "gcp.compute.firewall": _listing("compute:firewalls.list", "allowed", "denied", "direction", "disabled", "network",
                                     "priority", "source_ranges", "source_service_accounts", "source_tags",
                                     "target_service_accounts", "target_tags"),
    "gcp.compute.ssl_policy": _listing("compute:sslPolicies.aggregatedList", "custom_features", "min_tls_version",
                                       "profile"),
    "gcp.compute.subnetwork": _listing("compute:subnetworks.aggregatedList", "enable_flow_logs", "ip_cidr_range",
                                       "log_config", "network", "purpose"),
    "gcp.compute.target_https_proxy": _listing("compute:targetHttpsProxies.aggregatedList", "ssl_policy"),
    "gcp.compute.target_ssl_proxy": _listing("compute:targetSslProxies.list", "ssl_policy"),
    "gcp.compute.resource_policy": _listing("compute:resourcePolicies.aggregatedList", "snapshot_schedule"),
    "gcp.kms.crypto_key": {
        path: Read("cloudkms:cryptoKeys.list", per="listing", also=_KEY_RINGS)
        for path in ("next_rotation_time", "primary_state", "protection_level", "purpose", "rotation_period_seconds")
    },
    "gcp.project.audit_config": _listing("cloudresourcemanager:projects.getIamPolicy", "audit_configs"),
    # Cloud Healthcare (healthcare.py): locations, then datasets, then each dataset's DICOM stores
    "gcp.healthcare.dataset": {
        **_listing("healthcare:datasets.list", "location", "project"),
        "encryption": Read("healthcare:datasets.get", also=("healthcare:locations.list",)),
        "iam": Read("healthcare:datasets.getIamPolicy"),
    },
    "gcp.healthcare.dicom_store": {
        "dataset": Read("healthcare:dicomStores.list", per="listing"),
        "exports": Read("healthcare:dicomStores.get"),
        "iam": Read("healthcare:dicomStores.getIamPolicy"),  # and the dataset's, above
        "encryption": Read("healthcare:datasets.get", per="dataset"),
        # the project's IAM policy, as gcp.project.audit_config reads it
        "audit_configs": Read("cloudresourcemanager:projects.getIamPolicy", per="project"),
    },
}
