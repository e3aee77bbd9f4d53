"""Azure Health Data Services DICOM services (``azure.healthcare.dicom_service``), read with
azure-mgmt-healthcareapis: every workspace of the subscription, the DICOM services of each, and the
diagnostic settings of each service (through the monitor client). No DICOM data is read.

======================= =============================================================== ===========================================
key                     meaning                                                         source (ARM action)
======================= =============================================================== ===========================================
workspace               the workspace's resource id                                     Workspaces_ListBySubscription
                                                                                        (Microsoft.HealthcareApis/workspaces/read)
public_network_access   publicNetworkAccess: Enabled / Disabled (None: the ARM default, DicomServices_ListByWorkspace
                        Enabled)                                                        (Microsoft.HealthcareApis/workspaces/
                                                                                        dicomservices/read)
encryption.key_url      encryption.customerManagedKeyEncryption.keyEncryptionKeyUrl;    DicomServices_ListByWorkspace
                        None: the Microsoft-managed key
storage_account         storageConfiguration.storageResourceId (external storage)       DicomServices_ListByWorkspace
private_endpoints       [{id, status}]: the service's privateEndpointConnections and     DicomServices_ListByWorkspace,
                        its workspace's                                                 Workspaces_ListBySubscription
diagnostics             [{name, logs}]: diagnostic settings on the service, ``logs`` =  DiagnosticSettings_List
                        the enabled categories and category groups (AuditLogs,          (Microsoft.Insights/diagnosticSettings/read)
                        DiagnosticLogs, audit, allLogs)
======================= =============================================================== ===========================================

A workspace listing that fails is a ``CollectionFailure`` for the subscription, except
``MissingSubscriptionRegistration``: a subscription not registered for ``Microsoft.HealthcareApis``
cannot hold a workspace (Azure refuses to unregister a provider whose resources exist), so it has
none. A workspace whose services cannot be listed is a failure naming the workspace; diagnostic
settings that cannot be read are an error for ``diagnostics`` only.
"""  # noqa: E501

from __future__ import annotations

from typing import Any

from azure.core.exceptions import AzureError

from scanner.collectors.azure.errors import error_code, reason
from scanner.collectors.azure.reader import FactReader, flat_tags, resource_group
from scanner.collectors.azure.session import AzureSession
from scanner.collectors.azure.storage import attr, diagnostic_logs
from scanner.facts.resource import CollectionFailure, Resource

DICOM = "azure.healthcare.dicom_service"


def _endpoints(connections: Any) -> list[dict[str, Any]]:
    return [{"id": attr(c, "private_endpoint", "id"), "status": attr(c, "private_link_service_connection_state",
                                                                      "status")}
            for c in connections or []]


def dicom_facts(service: Any, workspace: Any) -> dict[str, Any]:
    return {
        "workspace": workspace.id,
        "public_network_access": attr(service, "public_network_access"),
        "encryption": {"key_url": attr(service, "encryption", "customer_managed_key_encryption",
                                       "key_encryption_key_url") or None},
        "storage_account": attr(service, "storage_configuration", "storage_resource_id") or None,
        "private_endpoints": _endpoints(attr(service, "private_endpoint_connections"))
        + _endpoints(attr(workspace, "properties", "private_endpoint_connections")),
    }


def _service(session: AzureSession, subscription: str, workspace: Any, service: Any) -> Resource:
    monitor = session.client("monitor", subscription)
    reader = FactReader(facts=dicom_facts(service, workspace))
    reader.read("diagnostics", lambda: list(monitor.diagnostic_settings.list(service.id.lstrip("/"))),
                lambda items: [{"name": s.name, "logs": diagnostic_logs(s)} for s in items])
    return Resource(provider="azure", type=DICOM, id=service.id, name=service.name, account=subscription,
                    region=service.location, tags=flat_tags(service.tags), facts=reader.facts, errors=reader.errors)


def collect_dicom(session: AzureSession, subscription: str) -> tuple[list[Resource], list[CollectionFailure]]:
    client = session.client("healthcare", subscription)
    try:
        workspaces = list(client.workspaces.list_by_subscription())
    except AzureError as err:
        if error_code(err) == "MissingSubscriptionRegistration":
            return [], []
        return [], [CollectionFailure("azure", DICOM, subscription, None, f"workspaces: {reason(err)}")]
    resources: list[Resource] = []
    failures: list[CollectionFailure] = []
    for workspace in workspaces:
        try:
            services = list(client.dicom_services.list_by_workspace(resource_group(workspace.id), workspace.name))
        except AzureError as err:
            failures.append(CollectionFailure("azure", DICOM, subscription, workspace.location,
                                              f"DICOM services of workspace {workspace.name}: {reason(err)}"))
            continue
        resources += [_service(session, subscription, workspace, s) for s in services]
    return resources, failures
