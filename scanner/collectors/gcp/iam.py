"""Project audit-log configuration (resource type ``gcp.project.audit_config``, one per project).

``projects.getIamPolicy`` (Resource Manager v3, policy version 3) returns the project's ``auditConfigs``.
If the call fails for a permission or throttling reason, the project is still reported with
``audit_configs`` unread (an error finding); a disabled Resource Manager API is a ``CollectionFailure``.
``address`` is ``//cloudresourcemanager.googleapis.com/projects/P``.

| key | meaning | source |
| --- | --- | --- |
| ``audit_configs`` | ``[{service, log_types, exempted_members}]``: one per service named in the policy (``allServices`` included); ``log_types`` such as ``ADMIN_READ``, ``DATA_READ``, ``DATA_WRITE``; empty when no Data Access logs are configured | projects.getIamPolicy ``auditConfigs`` |
"""  # noqa: E501

from __future__ import annotations

from typing import Any

from scanner.collectors.gcp.errors import api_errors, is_disabled, reason
from scanner.collectors.gcp.session import GcpSession
from scanner.facts.resource import CollectionFailure, Resource

TYPE = "gcp.project.audit_config"


def collect(session: GcpSession) -> tuple[list[Resource], list[CollectionFailure]]:
    facts: dict[str, Any] = {}
    errors: dict[str, str] = {}
    try:
        facts["audit_configs"] = audit_configs(_policy(session))
    except api_errors() as err:
        if is_disabled(err):
            return [], [CollectionFailure("gcp", TYPE, session.project, None, reason(err))]
        errors["audit_configs"] = reason(err)
    project = session.project
    return [Resource(provider="gcp", type=TYPE, id=f"//cloudresourcemanager.googleapis.com/projects/{project}",
                          name=project, account=project, facts=facts, errors=errors)], []


def _policy(session: GcpSession) -> Any:
    from google.iam.v1 import iam_policy_pb2, options_pb2  # type: ignore[import-untyped]

    client = session.client("projects")
    request = iam_policy_pb2.GetIamPolicyRequest(resource=f"projects/{session.project}",
                                                 options=options_pb2.GetPolicyOptions(requested_policy_version=3))
    return session.call("cloudresourcemanager:projects.getIamPolicy", lambda: client.get_iam_policy(
        request=request, retry=session.retry, timeout=session.timeout))


def audit_configs(policy: Any) -> list[dict[str, Any]]:
    def name(log_type: int) -> str:
        return str(policy.DESCRIPTOR.fields_by_name["audit_configs"].message_type
                   .fields_by_name["audit_log_configs"].message_type
                   .fields_by_name["log_type"].enum_type.values_by_number[log_type].name)

    return [{"service": config.service,
             "log_types": sorted(name(c.log_type) for c in config.audit_log_configs),
             "exempted_members": sorted({m for c in config.audit_log_configs for m in c.exempted_members})}
            for config in policy.audit_configs]
