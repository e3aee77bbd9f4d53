"""Azure Resource Manager clients for the collector: one per SDK and subscription, created once,
all sharing one credential, one retry policy and one record of every request.

Every request is recorded twice: once per operation (``calls``: the ARM authorization action it
needs, e.g. ``Microsoft.Storage/storageAccounts/read`` -> count) and once per request on the
wire, retries and SDK-initiated requests included (``wire``: method and path). The least-privilege
test maps ``wire`` to actions and checks they are all ``*/read`` actions the built-in Reader role
grants, and that ``listKeys`` never appears. Nothing here logs a token.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy

ARM_SCOPE = "https://management.azure.com/.default"
_VERBS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete", "POST": "action"}


@dataclass(frozen=True)
class RetryPolicy:
    """azure-core retries: 408/429/5xx and connection errors, honouring ``Retry-After``."""

    total: int = 6
    backoff_factor: float = 0.8
    backoff_max: float = 60.0
    connection_timeout: float = 5.0
    read_timeout: float = 30.0


def arm_action(method: str, path: str) -> str:
    """The ARM authorization action a request needs:
    ``GET /subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/a/blobServices/default``
    -> ``Microsoft.Storage/storageAccounts/blobServices/read``; ``POST .../storageAccounts/a/listKeys``
    -> ``Microsoft.Storage/storageAccounts/listKeys/action``."""
    parts = [p for p in urlsplit(path).path.split("/") if p]
    lower = [p.lower() for p in parts]
    if "providers" in lower:
        at = len(lower) - 1 - lower[::-1].index("providers")
        if at + 1 >= len(parts):
            namespace, types = "Microsoft.Resources", ["providers"]
        else:
            namespace, types = parts[at + 1], parts[at + 2:][0::2]
    else:
        namespace, types = "Microsoft.Resources", parts[0::2]
    verb = _VERBS.get(method.upper(), method.lower())
    return "/".join([namespace, *types, verb])


class _PerCall(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """Runs once per operation (before the retry policy)."""

    def __init__(self, record: Callable[[str, str], None]) -> None:
        self._record = record

    def on_request(self, request: PipelineRequest) -> None:  # type: ignore[type-arg]
        self._record(request.http_request.method, request.http_request.url)


class AzureSession:
    """Clients for every scanned subscription. Thread-safe."""

    def __init__(self, credential: Any, retry: RetryPolicy | None = None, base_url: str | None = None,
                 connection_verify: str | bool = True,
                 on_request: Callable[[str, str], None] | None = None) -> None:
        self.credential = credential
        self.base_url = base_url
        self.calls: Counter[str] = Counter()
        self.wire: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}
        self._on_request = on_request
        policy = retry or RetryPolicy()
        self._kwargs: dict[str, Any] = {
            "retry_total": policy.total, "retry_backoff_factor": policy.backoff_factor,
            "retry_backoff_max": policy.backoff_max, "connection_timeout": policy.connection_timeout,
            "read_timeout": policy.read_timeout, "connection_verify": connection_verify,
            "raw_request_hook": self._on_wire, "per_call_policies": [_PerCall(self._count)],
        }
        if base_url is not None:
            self._kwargs["base_url"] = base_url

    def _count(self, method: str, url: str) -> None:
        with self._lock:
            self.calls[arm_action(method, url)] += 1

    def _on_wire(self, request: PipelineRequest) -> None:  # type: ignore[type-arg]
        method, url = request.http_request.method, request.http_request.url
        with self._lock:
            self.wire.append((method, urlsplit(url).path))
        if self._on_request is not None:
            self._on_request(method, url)

    def client(self, kind: str, subscription: str = "") -> Any:
        """``kind``: storage, network, monitor, recovery, backup, keyvault, healthcare, subscriptions."""
        key = (kind, subscription)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._make(kind, subscription)
            return self._clients[key]

    def _make(self, kind: str, subscription: str) -> Any:
        factory = _factories()[kind]
        if kind == "subscriptions":
            return factory(self.credential, **self._kwargs)
        return factory(self.credential, subscription, **self._kwargs)

    def principal(self) -> str:
        """Who is scanning, from the ARM token's claims (never the token itself)."""
        from azure.core.exceptions import AzureError

        try:
            token = self.credential.get_token(ARM_SCOPE).token
        except AzureError as err:
            from scanner.collectors.azure.errors import reason

            return f"unknown principal ({reason(err)})"
        return _claims_principal(str(token))


def _claims_principal(token: str) -> str:
    parts = token.split(".")
    if len(parts) != 3:
        return "unknown principal (token is not a JWT)"
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return "unknown principal (token claims unreadable)"
    if not isinstance(claims, dict):
        return "unknown principal (token claims unreadable)"
    name = claims.get("upn") or claims.get("unique_name") or claims.get("appid") or claims.get("oid")
    tenant = claims.get("tid")
    return f"{name} (tenant {tenant})" if name else "unknown principal"


def _factories() -> dict[str, Callable[..., Any]]:
    from azure.mgmt.healthcareapis import HealthcareApisManagementClient
    from azure.mgmt.keyvault import KeyVaultManagementClient
    from azure.mgmt.monitor import MonitorManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.recoveryservices import RecoveryServicesClient
    from azure.mgmt.recoveryservicesbackup import RecoveryServicesBackupClient
    from azure.mgmt.storage import StorageManagementClient
    from azure.mgmt.subscription import SubscriptionClient

    return {
        "storage": StorageManagementClient, "network": NetworkManagementClient, "monitor": MonitorManagementClient,
        "recovery": RecoveryServicesClient, "backup": RecoveryServicesBackupClient,
        "keyvault": KeyVaultManagementClient, "healthcare": HealthcareApisManagementClient,
        "subscriptions": SubscriptionClient,
    }
