"""Azure encryption at rest, key rotation and TLS on Application Gateway listeners."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from checkov.common.models.enums import CheckCategories

from policies import parameters
from policies.terraform.azure_gcp_common import ObservingCheck, block, failed, is_unresolved, passed, tls_rank, unknown
from policies.terraform.common import Observation, as_bool, first, flatten

#: minimum protocol of each predefined Application Gateway SSL policy
_APPGW_PREDEFINED = {
    "AppGwSslPolicy20150501": "TLSv1_0",
    "AppGwSslPolicy20170401": "TLSv1_1",
    "AppGwSslPolicy20170401S": "TLSv1_2",
    "AppGwSslPolicy20220101": "TLSv1_2",
    "AppGwSslPolicy20220101S": "TLSv1_2",
}
_TLS_VERSIONS = ("TLSv1_0", "TLSv1_1", "TLSv1_2", "TLSv1_3")


def _storage_at_rest(conf: dict[str, Any]) -> Iterator[Observation]:
    infra = first(conf, "infrastructure_encryption_enabled")
    yield passed("Azure Storage service-side encryption (AES-256) is always on and cannot be disabled; "
                 f"infrastructure_encryption_enabled={infra if infra is not None else 'not set (false)'}")


def _disk_at_rest(conf: dict[str, Any]) -> Iterator[Observation]:
    settings = block(conf, "encryption_settings")
    enabled = first(settings, "enabled") if settings is not None else None
    if settings is not None and enabled is not None:
        value = as_bool(enabled)
        if value is None:
            yield unknown(f"encryption_settings.enabled={enabled}: not a literal boolean")
            return
        if not value:
            yield failed("encryption_settings.enabled=false")
            return
    des = first(conf, "disk_encryption_set_id")
    yield passed("managed disks are always encrypted at rest (SSE, platform-managed keys by default); "
                 f"disk_encryption_set_id={'set' if des else 'not set'}, "
                 f"encryption_settings={'present' if settings is not None else 'absent'}")


class EncryptionAtRest(ObservingCheck):
    keys = ("infrastructure_encryption_enabled", "encryption_settings/[0]/enabled", "disk_encryption_set_id")

    def __init__(self) -> None:
        super().__init__("Storage accounts and managed disks are encrypted at rest", "PACS_AZURE_ENCRYPTION_AT_REST",
                         ["azurerm_storage_account", "azurerm_managed_disk"], CheckCategories.ENCRYPTION)

    def observe(self, conf: dict[str, Any]) -> Iterable[Observation]:
        if self.entity_type == "azurerm_managed_disk":
            return _disk_at_rest(conf)
        return _storage_at_rest(conf)


class KeyRotation(ObservingCheck):
    keys = ("rotation_policy/[0]/automatic/[0]/time_after_creation",
            "rotation_policy/[0]/automatic/[0]/time_before_expiry")

    def __init__(self) -> None:
        super().__init__("Key Vault key rotates automatically", "PACS_AZURE_KEY_ROTATION",
                         ["azurerm_key_vault_key"], CheckCategories.ENCRYPTION)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        policy = block(conf, "rotation_policy")
        automatic = block(policy, "automatic") if policy is not None else None
        if automatic is None:
            yield failed("no rotation_policy.automatic block: the key is never rotated automatically")
            return
        after, before = first(automatic, "time_after_creation"), first(automatic, "time_before_expiry")
        if after is None and before is None:
            yield failed("rotation_policy.automatic sets neither time_after_creation nor time_before_expiry")
            return
        yield passed(f"rotation_policy.automatic time_after_creation={after} time_before_expiry={before}, "
                     f"expire_after={first(policy, 'expire_after') if policy else None}")


def _appgw_min_protocol(policy: dict[str, Any]) -> tuple[str | None, str]:
    """(lowest protocol the policy accepts, how it was determined)."""
    policy_type, name = first(policy, "policy_type"), first(policy, "policy_name")
    if isinstance(name, str) and name in _APPGW_PREDEFINED:
        return _APPGW_PREDEFINED[name], f"policy_type={policy_type} policy_name={name}"
    version = first(policy, "min_protocol_version")
    if version is not None:
        return (None if is_unresolved(version) else str(version)), f"policy_type={policy_type} " \
            f"min_protocol_version={version}"
    if name is not None:
        return None, f"policy_name={name}: not a known predefined policy"
    disabled = {str(p) for p in flatten(policy.get("disabled_protocols"))}
    lowest = next((v for v in _TLS_VERSIONS if v not in disabled), None)
    return lowest, f"disabled_protocols={sorted(disabled)}"


class AppGatewayTls(ObservingCheck):
    keys = ("ssl_policy/[0]/policy_type", "ssl_policy/[0]/policy_name", "ssl_policy/[0]/min_protocol_version",
            "ssl_policy/[0]/disabled_protocols")

    def __init__(self) -> None:
        super().__init__("Application Gateway accepts only the minimum TLS version or newer",
                         "PACS_AZURE_APPGW_TLS", ["azurerm_application_gateway"], CheckCategories.ENCRYPTION)

    def observe(self, conf: dict[str, Any]) -> Iterator[Observation]:
        minimum = str(parameters.get("min_tls_version"))
        policy = block(conf, "ssl_policy")
        if policy is None:
            yield failed("no ssl_policy block: the gateway default depends on the API version and "
                         "may accept TLS 1.0")
            return
        lowest, how = _appgw_min_protocol(policy)
        rank, wanted = (tls_rank(lowest) if lowest else None), tls_rank(minimum)
        if rank is None or wanted is None:
            yield unknown(f"ssl_policy {how}: minimum protocol not determinable")
            return
        yield (passed if rank >= wanted else failed)(f"ssl_policy {how}: accepts {lowest} (minimum TLS {minimum})")


check_at_rest = EncryptionAtRest()
check_key_rotation = KeyRotation()
check_appgw_tls = AppGatewayTls()
