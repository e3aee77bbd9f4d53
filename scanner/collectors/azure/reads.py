"""Which ARM request produces each fact of each Azure resource kind (see ``scanner/collectors/planned.py``).

Operations are the ARM authorization actions the session counts (``Microsoft.Storage/storageAccounts/read``).
Every kind is listed once per subscription; the per-resource requests are a storage account's blob
service, containers, lifecycle policy and blob diagnostic settings, which the read plan spares where no
selected rule needs them and for accounts outside the ``imaging_data`` scope (the listing's names and
tags decide it), and a key's ``Keys_Get``. ``tests/test_read_tables.py`` checks the table.
"""

from __future__ import annotations

from collections.abc import Mapping

from scanner.collectors.planned import Read

_ACCOUNTS = "Microsoft.Storage/storageAccounts/read"
_DIAGNOSTICS = "Microsoft.Insights/diagnosticSettings/read"


def _listing(operation: str, *paths: str) -> dict[str, Read]:
    return {path: Read(operation, per="listing") for path in paths}


READS: Mapping[str, Mapping[str, Read]] = {
    "azure.storage.account": {
        **_listing(_ACCOUNTS, "https_only", "min_tls_version", "allow_blob_public_access", "allow_shared_key_access",
                   "public_network_access", "network", "private_endpoints", "encryption", "replication",
                   "immutability", "tags"),
        "blob_service": Read("Microsoft.Storage/storageAccounts/blobServices/read"),
        "containers": Read("Microsoft.Storage/storageAccounts/blobServices/containers/read"),
        "lifecycle_rules": Read("Microsoft.Storage/storageAccounts/managementPolicies/read"),
        "blob_diagnostics": Read(_DIAGNOSTICS),
    },
    "azure.network.nsg": {
        "rules": Read("Microsoft.Network/networkSecurityGroups/read", per="listing"),
        "flow_logs": Read("Microsoft.Network/networkWatchers/flowLogs/read", per="watcher",
                          also=("Microsoft.Network/networkWatchers/read",)),
    },
    "azure.network.application_gateway": _listing("Microsoft.Network/applicationGateways/read", "ssl_policy",
                                                  "ssl_profiles"),
    "azure.monitor.subscription_activity_log": {"settings": Read(_DIAGNOSTICS, per="subscription")},
    "azure.recovery.vault": _listing("Microsoft.RecoveryServices/vaults/read", "soft_delete_state", "soft_delete_days",
                                     "immutability_state"),
    "azure.recovery.backup_policy": _listing("Microsoft.RecoveryServices/vaults/backupPolicies/read", "vault",
                                             "management_type", "daily_retention_days"),
    "azure.healthcare.dicom_service": {
        "workspace": Read("Microsoft.HealthcareApis/workspaces/read", per="listing"),
        **_listing("Microsoft.HealthcareApis/workspaces/dicomservices/read", "public_network_access", "encryption",
                   "storage_account", "private_endpoints"),
        "diagnostics": Read(_DIAGNOSTICS),
    },
    "azure.keyvault.key": {
        **_listing(_ACCOUNTS, "key_uri", "protects"),
        "vault": Read("Microsoft.KeyVault/vaults/read", per="subscription"),
        "rotation_policy": Read("Microsoft.KeyVault/vaults/keys/read"),
    },
}
