"""GCP credentials: Application Default Credentials unless a project names a service-account key file.

``GcpProject(project_id, key_file=None)`` is one ``--project``. Without a key file the project is scanned
with ADC (``gcloud auth application-default login``, ``GOOGLE_APPLICATION_CREDENTIALS``, or the metadata
server); with one, with that service account. Only the identity's e-mail is ever recorded, never key
material. The scope requested is ``cloud-platform``: what the identity may do is decided by its IAM roles
(see docs/gcp.md), and the collector only ever calls the read operations in ``PERMISSIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.collectors.base import CollectorError

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)

#: Every API operation the collector performs -> the IAM permission it needs (all read-only).
PERMISSIONS: dict[str, str] = {
    "storage:buckets.list": "storage.buckets.list",
    "storage:buckets.getIamPolicy": "storage.buckets.getIamPolicy",
    "compute:firewalls.list": "compute.firewalls.list",
    "compute:sslPolicies.aggregatedList": "compute.sslPolicies.list",
    "compute:subnetworks.aggregatedList": "compute.subnetworks.list",
    "compute:targetHttpsProxies.aggregatedList": "compute.targetHttpsProxies.list",
    "compute:targetSslProxies.list": "compute.targetSslProxies.list",
    "compute:resourcePolicies.aggregatedList": "compute.resourcePolicies.list",
    "cloudkms:locations.list": "cloudkms.locations.list",
    "cloudkms:keyRings.list": "cloudkms.keyRings.list",
    "cloudkms:cryptoKeys.list": "cloudkms.cryptoKeys.list",
    "cloudresourcemanager:projects.getIamPolicy": "resourcemanager.projects.getIamPolicy",
    "healthcare:locations.list": "healthcare.locations.list",
    "healthcare:datasets.list": "healthcare.datasets.list",
    "healthcare:datasets.get": "healthcare.datasets.get",
    "healthcare:datasets.getIamPolicy": "healthcare.datasets.getIamPolicy",
    "healthcare:dicomStores.list": "healthcare.dicomStores.list",
    "healthcare:dicomStores.get": "healthcare.dicomStores.get",
    "healthcare:dicomStores.getIamPolicy": "healthcare.dicomStores.getIamPolicy",
}


@dataclass(frozen=True)
class GcpProject:
    project_id: str
    key_file: Path | None = None


@dataclass(frozen=True)
class ResolvedCredentials:
    credentials: Any  # google.auth.credentials.Credentials
    identity: str  # service-account e-mail, or a description of the ADC principal


def resolve(project: GcpProject, override: Any = None) -> ResolvedCredentials:
    """Credentials for one project: ``override`` (tests, embedding), the key file, else ADC."""
    if override is not None:
        return ResolvedCredentials(override, _identity(override, "supplied credentials"))
    if project.key_file is not None:
        return _from_key_file(project)
    return application_default()


def _from_key_file(project: GcpProject) -> ResolvedCredentials:
    from google.auth.exceptions import GoogleAuthError
    from google.oauth2 import service_account

    try:
        load: Any = service_account.Credentials.from_service_account_file
        creds = load(str(project.key_file), scopes=list(SCOPES))
    except (OSError, ValueError, GoogleAuthError) as err:
        raise CollectorError(f"GCP project {project.project_id}: cannot load service-account key file "
                             f"{project.key_file}: {type(err).__name__}") from None
    return ResolvedCredentials(creds, _identity(creds, "service-account key file"))


def application_default() -> ResolvedCredentials:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        creds, _project = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError as err:
        raise CollectorError(f"GCP: no application default credentials ({_first(err)}); run "
                             "`gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS") from None
    return ResolvedCredentials(creds, _identity(creds, "application default credentials"))


def default_project() -> str | None:
    """The project ADC is configured for (used when no --project is given)."""
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        _creds, project = google.auth.default(scopes=list(SCOPES))
    except DefaultCredentialsError:
        return None
    return str(project) if project else None


def _identity(creds: Any, fallback: str) -> str:
    email = getattr(creds, "service_account_email", None)
    if isinstance(email, str) and email and email != "default":
        return email
    return fallback


def _first(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__
