"""Live Azure collector: Azure Resource Manager (read-only) -> normalized facts.

The SDKs (azure-identity, azure-mgmt-*) are imported here, never by ``pacscan iac``.
"""

from __future__ import annotations

from scanner.collectors.azure.collector import AzureCollector
from scanner.collectors.azure.credentials import AzureTarget

__all__ = ["AzureCollector", "AzureTarget"]
