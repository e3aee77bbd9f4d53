"""AUD-ACCESS: S3 server access logging, inline ``logging`` or an ``aws_s3_bucket_logging`` for this bucket.

PACS_AWS_S3_ACCESS_LOGGING replaces CKV_AWS_18, whose graph connection has no direction: a bucket
that only *receives* other buckets' logs (``target_bucket``) passes it without logging of its own.
Here an ``aws_s3_bucket_logging`` counts only when its ``bucket`` argument is this bucket.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies.terraform.aws_common import blocks, connected_resources
from policies.terraform.common import first


class AccessLoggingCheck(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="S3 bucket has server access logging (inline logging or aws_s3_bucket_logging)",
            id="PACS_AWS_S3_ACCESS_LOGGING",
            categories=(CheckCategories.LOGGING,),
            supported_resources=("aws_s3_bucket",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["logging"]
        inline = blocks(conf, "logging")
        if inline:
            self.details = [f"logging.target_bucket={first(inline[0], 'target_bucket')}"]
            return CheckResult.PASSED
        linked = connected_resources(self.graph, conf, "aws_s3_bucket_logging", "bucket")
        if linked is None:
            self.details = ["Checkov provided no resource graph; aws_s3_bucket_logging not visible"]
            return CheckResult.UNKNOWN
        if linked:
            self.details = [f"{n.get('__address__')}: target_bucket={n.get('target_bucket')}" for n in linked]
            return CheckResult.PASSED
        self.details = ["no logging block and no aws_s3_bucket_logging with bucket = this bucket"]
        return CheckResult.FAILED


access_logging_check = AccessLoggingCheck()
