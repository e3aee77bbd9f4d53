"""S3 bucket policies: deny insecure transport (TLS-STORAGE) and restrict network origin (NET-STORAGE).

Both checks run on ``aws_s3_bucket`` and read every policy that applies to it: the inline ``policy``
argument and each ``aws_s3_bucket_policy`` whose ``bucket`` refers to it (found in Checkov's graph).
``jsonencode()`` and heredoc JSON are rendered by Checkov into a document; a policy Checkov could not
render (``data.aws_iam_policy_document.x.json``, a variable) makes the result UNKNOWN, never PASSED.

A statement only counts when it is an explicit ``Deny`` for every principal (``"*"`` or
``{"AWS": "*"}``) on all S3 actions (``s3:*`` or ``*``): an Allow with a condition does not stop
other grants, and a Deny for one principal does not protect the bucket.

* PACS_AWS_S3_SECURE_TRANSPORT: such a Deny with ``Condition.Bool."aws:SecureTransport" = false``.
* PACS_AWS_S3_NETWORK_RESTRICTED: such a Deny that applies unless the request arrives through an
  approved network: ``StringNotEquals``/``StringNotEqualsIfExists`` on ``aws:SourceVpce`` or
  ``aws:SourceVpc``, or ``NotIpAddress``/``NotIpAddressIfExists`` on ``aws:SourceIp`` with no
  world CIDR. This is the AWS-documented pattern for "only from my VPC endpoint / office range";
  without it any principal granted access can read from anywhere on the internet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies.terraform.aws_common import connected_resources, statements
from policies.terraform.common import as_bool, first
from policies.terraform.common import is_zero_prefix as is_world
from scanner.policydoc import condition_values, denies_everyone_everything

StatementTest = Callable[[dict[str, Any]], bool]


def denies_insecure_transport(statement: dict[str, Any]) -> bool:
    """True for a blanket Deny conditioned on ``aws:SecureTransport`` being false."""
    if not denies_everyone_everything(statement):
        return False
    values = list(condition_values(statement, ("Bool",), "aws:SecureTransport"))
    return bool(values) and all(as_bool(v) is False for v in values)


def denies_outside_network(statement: dict[str, Any]) -> bool:
    """True for a blanket Deny that applies outside a VPC endpoint, VPC or non-world IP range."""
    if not denies_everyone_everything(statement):
        return False
    string_ops = ("StringNotEquals", "StringNotEqualsIfExists")
    for key in ("aws:SourceVpce", "aws:SourceVpc"):
        if list(condition_values(statement, string_ops, key)):
            return True
    ips = list(condition_values(statement, ("NotIpAddress", "NotIpAddressIfExists"), "aws:SourceIp"))
    return bool(ips) and not any(is_world(str(ip)) for ip in ips)


class BucketPolicyCheck(BaseResourceCheck):
    """Passes when at least one policy applying to the bucket has a statement meeting ``test``."""

    def __init__(self, name: str, check_id: str, test: StatementTest, wanted: str) -> None:
        self.test = test
        self.wanted = wanted
        super().__init__(
            name=name,
            id=check_id,
            categories=(CheckCategories.NETWORKING,),
            supported_resources=("aws_s3_bucket",),
        )

    def _policies(self, conf: dict[str, Any]) -> list[tuple[str, Any]] | None:
        found: list[tuple[str, Any]] = []
        if "policy" in conf:
            found.append(("aws_s3_bucket.policy", first(conf, "policy")))
        linked = connected_resources(self.graph, conf, "aws_s3_bucket_policy", "bucket")
        if linked is None:
            return None
        found.extend((str(n.get("__address__")), n.get("policy")) for n in linked)
        return found

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["policy"]
        policies = self._policies(conf)
        if policies is None:
            self.details = ["Checkov provided no resource graph; separate aws_s3_bucket_policy not visible"]
            return CheckResult.UNKNOWN
        if not policies:
            self.details = ["no bucket policy (inline or aws_s3_bucket_policy)"]
            return CheckResult.FAILED
        unresolved = False
        self.details = []
        for where, policy in policies:
            stmts = statements(policy)
            if stmts is None:
                unresolved = True
                self.details.append(f"{where}: policy not resolvable ({str(policy)[:80]})")
            elif any(self.test(s) for s in stmts):
                self.details.append(f"{where}: has {self.wanted}")
                return CheckResult.PASSED
            else:
                self.details.append(f"{where}: {len(stmts)} statement(s), none is {self.wanted}")
        return CheckResult.UNKNOWN if unresolved else CheckResult.FAILED


secure_transport_check = BucketPolicyCheck(
    "S3 bucket policy denies requests without TLS (aws:SecureTransport = false)",
    "PACS_AWS_S3_SECURE_TRANSPORT",
    denies_insecure_transport,
    "a Deny * on s3:* when aws:SecureTransport=false",
)
network_restricted_check = BucketPolicyCheck(
    "S3 bucket policy denies access from outside approved VPC endpoints, VPCs or IP ranges",
    "PACS_AWS_S3_NETWORK_RESTRICTED",
    denies_outside_network,
    "a Deny * on s3:* unless aws:SourceVpce/aws:SourceVpc/aws:SourceIp matches",
)
