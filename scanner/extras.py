"""Optional extras: a command that needs one checks for it first and says how to install it.

The check looks the modules up without importing them (the cloud SDKs take seconds to import),
so `pacscan cloud azure` without the azure extra is one line and exit 2, before anything runs.
"""

from __future__ import annotations

import importlib.util

from scanner.errors import MissingExtraError

#: extra -> (import name, distribution name) of everything it brings (as pyproject.toml lists them;
#: tests/test_exit_codes.py checks the two agree)
EXTRAS = {
    "dicom": (("pydicom", "pydicom"), ("pynetdicom", "pynetdicom"), ("PIL", "Pillow")),
    "azure": (("azure.identity", "azure-identity"), ("azure.core", "azure-core"),
              ("azure.mgmt.core", "azure-mgmt-core"), ("azure.mgmt.storage", "azure-mgmt-storage"),
              ("azure.mgmt.network", "azure-mgmt-network"), ("azure.mgmt.monitor", "azure-mgmt-monitor"),
              ("azure.mgmt.recoveryservices", "azure-mgmt-recoveryservices"),
              ("azure.mgmt.recoveryservicesbackup", "azure-mgmt-recoveryservicesbackup"),
              ("azure.mgmt.keyvault", "azure-mgmt-keyvault"), ("azure.mgmt.subscription", "azure-mgmt-subscription"),
              ("azure.mgmt.healthcareapis", "azure-mgmt-healthcareapis")),
    "gcp": (("google.cloud.storage", "google-cloud-storage"), ("google.cloud.compute_v1", "google-cloud-compute"),
            ("google.cloud.kms_v1", "google-cloud-kms"),
            ("google.cloud.resourcemanager_v3", "google-cloud-resource-manager")),
}


def require(extra: str, command: str) -> None:
    """Raise one clear line when a module of ``extra`` is not installed."""
    missing = [distribution for module, distribution in EXTRAS[extra] if not _installed(module)]
    if missing:
        raise MissingExtraError(f"{command} needs {', '.join(missing)} (the {extra} extra): "
                                f"pip install 'pacscan[{extra}]'")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError, AttributeError):  # a parent package is missing, or blocked
        return False
