"""The AWS collector: one account, every enabled region (or --region), all fact families.

Each family module exposes ``collect_*(session, regions, pool) -> (resources, failures)``;
this module runs them with one bounded thread pool (the families fan out inside it too) and
reports progress. botocore retries (adaptive by default) come from :class:`AwsSession`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from scanner.collectors.aws import (
    audit,
    backup,
    databases,
    endpoints,
    healthimaging,
    identity,
    keys,
    network,
    policies,
    storage,
)
from scanner.collectors.aws.session import AwsSession, AwsTarget, RetryPolicy
from scanner.collectors.base import Progress
from scanner.facts.resource import CollectionFailure, Inventory, Resource

log = logging.getLogger("pacscan.aws")

Family = Callable[[AwsSession, Sequence[str], Executor], tuple[list[Resource], list[CollectionFailure]]]

FAMILIES: tuple[tuple[str, Family], ...] = (
    ("S3 buckets", storage.collect_buckets),
    ("KMS keys", keys.collect_keys),
    ("AWS Backup", backup.collect_backup),
    ("RDS", databases.collect_databases),
    ("EBS encryption", databases.collect_ebs),
    ("security groups", network.collect_security_groups),
    ("network ACLs", network.collect_network_acls),
    ("VPC flow logs", network.collect_vpcs),
    ("load balancer listeners", endpoints.collect_listeners),
    ("CloudFront", endpoints.collect_distributions),
    ("CloudTrail", audit.collect_trails),
    ("account MFA", identity.collect_account),
    ("IAM users", identity.collect_users),
    ("IAM policies", policies.collect_policies),
    ("HealthImaging data stores", healthimaging.collect_datastores),
)


class AwsCollector:
    provider = "aws"

    def __init__(self, target: AwsTarget, *, parameters: Mapping[str, Any] | None = None, concurrency: int = 16,
                 retry: RetryPolicy | None = None, session: AwsSession | None = None) -> None:
        self.target = target
        self.parameters = dict(parameters or {})
        self.concurrency = max(1, concurrency)
        self.retry = retry
        self.session = session

    def collect(self, progress: Progress | None = None) -> Inventory:
        session = self.session or AwsSession(self.target, self.retry)
        self.session = session
        regions = session.regions()
        resources: list[Resource] = []
        failures: list[CollectionFailure] = []
        # families run one after another; each fans its calls out over the shared pool, whose
        # bound is the number of API calls in flight.
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="pacscan-aws") as pool:
            try:
                for done, (label, family) in enumerate(FAMILIES, start=1):
                    if progress:
                        progress(f"AWS {session.account}: {label} ({done}/{len(FAMILIES)}, {len(regions)} regions)")
                    found, failed = family(session, regions, pool)
                    resources += found
                    failures += failed
            except BaseException:
                # Ctrl-C (or any abort): queued calls are dropped and running workers stop at their
                # next API call, so nothing more reaches the account once the scan is abandoned
                session.cancel()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        log.debug("aws %s: %d resources, %d listing failures, %d calls", session.account, len(resources),
                  len(failures), sum(session.calls.values()))
        return Inventory(resources=tuple(resources), failures=tuple(failures),
                         identities={session.account: session.identity}, calls=dict(session.calls))
