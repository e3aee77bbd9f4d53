"""The AWS collector: one account, every enabled region (or --region), the fact families the scan needs.

Each family module exposes ``collect_*(session, regions, pool) -> (resources, failures)``;
this module runs them with one bounded thread pool (the families fan out inside it too) and
reports progress. botocore retries (adaptive by default) come from :class:`AwsSession`.

The scan's read plan (``scanner/engine/plan.py``, from the rules in scope) is put on the session,
where the families read it: a family none of whose kinds (:data:`FAMILY_KINDS`) a selected rule
judges is not run at all, and within a family only the per-resource calls the plan needs are made
(``reads.py`` names the call behind each fact). Calls are counted per resource kind as well
(``Inventory.calls_by_kind``): the pool's tasks inherit the kind they were submitted for.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

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
from scanner.collectors.aws.reads import READS
from scanner.collectors.aws.session import AwsSession, AwsTarget, RetryPolicy, for_kind
from scanner.collectors.base import Progress
from scanner.engine.plan import ReadPlan
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

#: family (FAMILIES label) -> the resource kinds it produces, the first being the one its calls count
#: for unless the family says otherwise; a family with no entry always runs
FAMILY_KINDS: Mapping[str, tuple[str, ...]] = {
    "S3 buckets": (storage.BUCKET,),
    "KMS keys": (keys.KEY,),
    "AWS Backup": (backup.VAULT, backup.PLAN),
    "RDS": (databases.INSTANCE, databases.CLUSTER),
    "EBS encryption": (databases.EBS_DEFAULT, databases.VOLUME),
    "security groups": ("aws.ec2.security_group",),
    "network ACLs": ("aws.ec2.network_acl",),
    "VPC flow logs": ("aws.ec2.vpc",),
    "load balancer listeners": (endpoints.LISTENER,),
    "CloudFront": (endpoints.DISTRIBUTION,),
    "CloudTrail": (audit.TRAIL, audit.ACCOUNT),
    "account MFA": (identity.ACCOUNT,),
    "IAM users": (identity.USER,),
    "IAM policies": (policies.POLICY,),
    "HealthImaging data stores": (healthimaging.KIND,),
}

P = ParamSpec("P")
T = TypeVar("T")


class _ContextPool(ThreadPoolExecutor):
    """Tasks run in a copy of the submitter's context, so the kind their calls count for follows them."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)  # type: ignore[arg-type]


def with_feeds(plan: ReadPlan) -> ReadPlan:
    """``plan``, also reading the facts other kinds are built from when those are needed (the
    trails' status and event selectors for CloudTrail's account summary)."""
    for kind, table in READS.items():
        for path, read in table.items():
            if any(plan.kind(other).wants(fact) for other, fact in read.feeds):
                plan = plan.also(kind, [path])
    return plan


def wanted(plan: ReadPlan, label: str) -> bool:
    kinds = FAMILY_KINDS.get(label)
    return kinds is None or any(plan.wants_kind(k) for k in kinds)


class AwsCollector:
    provider = "aws"

    def __init__(self, target: AwsTarget, *, parameters: Mapping[str, Any] | None = None, concurrency: int = 16,
                 retry: RetryPolicy | None = None, session: AwsSession | None = None) -> None:
        self.target = target
        self.parameters = dict(parameters or {})
        self.concurrency = max(1, concurrency)
        self.retry = retry
        self.session = session

    def collect(self, progress: Progress | None = None, plan: ReadPlan | None = None) -> Inventory:
        """Everything ``plan`` needs (by default: every fact of every family)."""
        session = self.session or AwsSession(self.target, self.retry)
        self.session = session
        session.plan = with_feeds(plan or ReadPlan.read_everything())
        regions = session.regions()
        resources: list[Resource] = []
        failures: list[CollectionFailure] = []
        families = [(label, family) for label, family in FAMILIES if wanted(session.plan, label)]
        # families run one after another; each fans its calls out over the shared pool, whose
        # bound is the number of API calls in flight.
        with _ContextPool(max_workers=self.concurrency, thread_name_prefix="pacscan-aws") as pool:
            try:
                for done, (label, family) in enumerate(families, start=1):
                    if progress:
                        progress(f"AWS {session.account}: {label} ({done}/{len(families)}, {len(regions)} regions)")
                    with for_kind(FAMILY_KINDS.get(label, (label,))[0]):
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
                         identities={session.account: session.identity}, calls=dict(session.calls),
                         calls_by_kind={k: dict(v) for k, v in session.calls_by_kind.items()})
