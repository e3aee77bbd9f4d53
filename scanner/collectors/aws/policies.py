"""IAM policy documents as ``aws.iam.policy`` facts, the same kind the Terraform normaliser makes
(``policies/terraform/aws/iam.py``), so one rule (AWS-IAM-POLICY-ADMIN-MFA) judges both.

One paginated call, GetAccountAuthorizationDetails (users, groups, roles and customer-managed
policies; AWS-managed policies are AWS's own documents and are not read), gives every document:

============================  =========================================================  ==========
resource (id)                 facts                                                      source
============================  =========================================================  ==========
customer-managed policy       ``attached_to`` ``managed``, the default version's         Policies
(its ARN)                     statements
inline user/group policy      ``attached_to`` ``user``/``group``, ``principal`` (the     User/Group-
(``<principal ARN>/inline-    user or group name), statements                            DetailList
policy/<name>``)
inline role policy            ``attached_to`` ``role``, ``principal``, statements,       RoleDetail-
                              ``role_assumable_without_mfa`` read from the role's trust  List
                              policy
============================  =========================================================  ==========

Statements are read by :mod:`scanner.iam_privilege` (admin-equivalent, requires MFA). A denied or
failed listing is a :class:`CollectionFailure`: every rule over the kind is ``error``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any
from urllib.parse import unquote

from scanner.collectors.aws.errors import reason
from scanner.collectors.aws.network import Collected
from scanner.collectors.aws.session import AwsSession
from scanner.facts.resource import CollectionFailure, Resource
from scanner.facts.values import Unknown
from scanner.iam_privilege import assumable_without_mfa, statement_facts

POLICY = "aws.iam.policy"
_FILTER = ["User", "Group", "Role", "LocalManagedPolicy"]
_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
_INLINE = (("UserDetailList", "UserPolicyList", "user", "UserName"),
           ("GroupDetailList", "GroupPolicyList", "group", "GroupName"),
           ("RoleDetailList", "RolePolicyList", "role", "RoleName"))


def document(raw: Any, origin: str | None = None) -> Any:
    """A policy document as the API returns it (botocore decodes it; a URL-encoded JSON string
    is decoded here); what is not one is unknown, from ``origin``."""
    if isinstance(raw, Mapping):
        return raw
    if isinstance(raw, str):
        try:
            return json.loads(unquote(raw))
        except ValueError:
            return Unknown(f"not a JSON policy document: {raw[:60]!r}", origin)
    return Unknown("no policy document returned", origin)


def collect_policies(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    from botocore.exceptions import BotoCoreError, ClientError

    del pool  # one paginated call
    client = session.client("iam", regions[0] if regions else None)
    details: dict[str, list[Any]] = {key: [] for key in _KEYS}
    try:
        for page in client.get_paginator("get_account_authorization_details").paginate(Filter=_FILTER):
            for key in _KEYS:
                details[key] += page.get(key, [])
    except (BotoCoreError, ClientError) as err:
        return [], [CollectionFailure("aws", POLICY, session.account, None, reason(err))]
    out = [_managed(p, session.account) for p in details["Policies"]]
    for list_key, policies_key, attached, name_key in _INLINE:
        for principal in details[list_key]:
            trust = document(principal.get("AssumeRolePolicyDocument")) if attached == "role" else None
            for inline in principal.get(policies_key) or []:
                out.append(_inline(principal, inline, attached, str(principal.get(name_key)), trust, session.account))
    return out, []


def _managed(policy: Mapping[str, Any], account: str) -> Resource:
    versions = [v for v in policy.get("PolicyVersionList") or [] if v.get("IsDefaultVersion")]
    raw = versions[0].get("Document") if versions else None
    arn = str(policy.get("Arn"))
    name = str(policy.get("PolicyName") or arn.rsplit("/", 1)[-1])
    facts = {"policy_name": name, "attached_to": "managed", "principal": None,
             "statements": statement_facts(document(raw)), "role_assumable_without_mfa": None}
    return Resource(provider="aws", type=POLICY, id=arn, name=name, account=account, region=None,
                    facts=facts, origins={"statements": "GetAccountAuthorizationDetails"})


def _inline(principal: Mapping[str, Any], inline: Mapping[str, Any], attached: str, principal_name: str,
            trust: Any, account: str) -> Resource:
    name = str(inline.get("PolicyName"))
    facts = {"policy_name": name, "attached_to": attached, "principal": principal_name,
             "statements": statement_facts(document(inline.get("PolicyDocument"))),
             "role_assumable_without_mfa": None if trust is None else assumable_without_mfa(trust)}
    return Resource(provider="aws", type=POLICY, id=f"{principal.get('Arn')}/inline-policy/{name}",
                    name=f"{principal_name}/{name}", account=account, region=None, facts=facts,
                    origins={"statements": "GetAccountAuthorizationDetails"})
