"""Azure credentials and what to scan.

By default the ``DefaultAzureCredential`` chain (environment, workload identity, managed identity,
Azure CLI, ...). A tenant can instead be scanned with a service principal: a client secret or a
certificate. Secrets never live in the config file: the config names the *environment variables*
that hold them (``client_secret_env: PACSCAN_AZURE_SECRET``), and only those variables are read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scanner.collectors.base import CollectorError


@dataclass(frozen=True)
class AzureTarget:
    tenant: str | None = None  # --tenant (tenant id or domain)
    subscriptions: tuple[str, ...] = ()  # --subscription; empty: every readable subscription
    client_id_env: str | None = None  # env var holding the application (client) id
    client_secret_env: str | None = None  # env var holding the client secret
    certificate_path_env: str | None = None  # env var holding the path of a PEM/PKCS12 certificate
    certificate_password_env: str | None = None  # env var holding the certificate password, if any
    label: str = ""  # a tenant name, for messages


def _env(environ: Mapping[str, str], name: str | None, what: str, who: str) -> str | None:
    if name is None:
        return None
    value = environ.get(name)
    if not value:
        raise CollectorError(f"Azure{who}: {what} environment variable {name} is not set")
    return value


def build_credential(target: AzureTarget, environ: Mapping[str, str] | None = None) -> Any:
    """A TokenCredential for the target: a service principal when configured, else the default chain."""
    env = os.environ if environ is None else environ
    who = f" ({target.label})" if target.label else ""
    secret = _env(env, target.client_secret_env, "client secret", who)
    certificate = _env(env, target.certificate_path_env, "certificate path", who)
    if secret is None and certificate is None:
        from azure.identity import DefaultAzureCredential

        if target.tenant:
            return DefaultAzureCredential(additionally_allowed_tenants=[target.tenant])
        return DefaultAzureCredential()
    if secret is not None and certificate is not None:
        raise CollectorError(f"Azure{who}: configure a client secret or a certificate, not both")
    client_id = _env(env, target.client_id_env or "AZURE_CLIENT_ID", "client id", who)
    if not target.tenant:
        raise CollectorError(f"Azure{who}: a service-principal credential needs --tenant")
    if secret is not None:
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(target.tenant, str(client_id), secret)
    from azure.identity import CertificateCredential

    password = _env(env, target.certificate_password_env, "certificate password", who)
    return CertificateCredential(target.tenant, str(client_id), certificate_path=certificate, password=password)
