"""Azure storage account settings for imaging data: transport, public access, shared keys, versioning.

Both azurerm v4 names and the older names are read (``https_traffic_only_enabled`` /
``enable_https_traffic_only``, ``allow_nested_items_to_be_public`` / ``allow_blob_public_access``).
When a setting is absent, the azurerm provider default decides and the text says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies import parameters
from policies.terraform.azure_gcp_common import ObservingCheck, block, bool_setting, failed, passed, tls_rank, unknown
from policies.terraform.common import Observation, first

_ACCOUNT = ["azurerm_storage_account"]

#: azurerm >= 3.0 defaults min_tls_version to TLS1_2 (v2 defaulted to TLS1_0).
_PROVIDER_DEFAULT_TLS = "TLS1_2"


def min_tls(conf: dict[str, Any], minimum: str) -> Observation:
    raw = first(conf, "min_tls_version")
    shown = f"min_tls_version={raw}"
    if raw is None:
        raw = _PROVIDER_DEFAULT_TLS
        shown = f"min_tls_version not set: the azurerm (>= 3.0) default is {_PROVIDER_DEFAULT_TLS}"
    rank, wanted = tls_rank(str(raw)), tls_rank(minimum)
    if rank is None or wanted is None:
        return unknown(f"{shown}: not a TLS version")
    return (passed if rank >= wanted else failed)(f"{shown} (minimum TLS {minimum})")


class StorageTransport(ObservingCheck):
    keys = ("https_traffic_only_enabled", "enable_https_traffic_only", "min_tls_version")

    def __init__(self) -> None:
        super().__init__("Storage account accepts only HTTPS with a minimum TLS version",
                         "PACS_AZURE_STORAGE_TLS", _ACCOUNT, CheckCategories.ENCRYPTION)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        yield bool_setting(conf, ("https_traffic_only_enabled", "enable_https_traffic_only"), True, True)
        yield min_tls(conf, str(parameters.get("min_tls_version")))


class StoragePublicAccess(ObservingCheck):
    keys = ("allow_nested_items_to_be_public", "allow_blob_public_access")

    def __init__(self) -> None:
        super().__init__("Storage account forbids anonymous public blob access",
                         "PACS_AZURE_STORAGE_PUBLIC", _ACCOUNT, CheckCategories.GENERAL_SECURITY)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        if "allow_nested_items_to_be_public" not in conf and "allow_blob_public_access" in conf:
            yield bool_setting(conf, ("allow_blob_public_access",), False, None)  # azurerm v2 syntax
            return
        # azurerm >= 3.0 defaults allow_nested_items_to_be_public to true
        yield bool_setting(conf, ("allow_nested_items_to_be_public",), False, True)


class ContainerPrivate(ObservingCheck):
    keys = ("container_access_type",)

    def __init__(self) -> None:
        super().__init__("Storage container is private", "PACS_AZURE_CONTAINER_PRIVATE",
                         ["azurerm_storage_container"], CheckCategories.GENERAL_SECURITY)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        raw = first(conf, "container_access_type")
        if raw is None:
            yield passed("container_access_type not set: the provider default is private")
        elif not isinstance(raw, str) or raw not in ("private", "blob", "container"):
            yield unknown(f"container_access_type={raw}: not a literal access type")
        else:
            yield (passed if raw == "private" else failed)(f"container_access_type={raw}")


class StorageSharedKey(ObservingCheck):
    keys = ("shared_access_key_enabled",)

    def __init__(self) -> None:
        super().__init__("Storage account disables shared-key (account key and SAS) authorization",
                         "PACS_AZURE_STORAGE_SHARED_KEY", _ACCOUNT, CheckCategories.IAM)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        yield bool_setting(conf, ("shared_access_key_enabled",), False, True)


class StorageVersioning(ObservingCheck):
    keys = ("blob_properties/[0]/versioning_enabled",)

    def __init__(self) -> None:
        super().__init__("Storage account keeps blob versions", "PACS_AZURE_STORAGE_VERSIONING",
                         _ACCOUNT, CheckCategories.BACKUP_AND_RECOVERY)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        properties = block(conf, "blob_properties")
        if properties is None:
            yield failed("no blob_properties block: blob versioning is off by default")
            return
        yield bool_setting(properties, ("versioning_enabled",), True, False)


check_transport = StorageTransport()
check_public = StoragePublicAccess()
check_container = ContainerPrivate()
check_shared_key = StorageSharedKey()
check_versioning = StorageVersioning()
