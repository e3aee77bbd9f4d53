"""The GCP collector: every ``--project`` (ADC, or that project's service-account key file) ->
one :class:`~scanner.facts.resource.Inventory`.

Per project, five independent parts run concurrently (bounded): Cloud Storage (storage.py),
Compute Engine (compute.py), Cloud KMS (kms.py), the project's audit-log configuration (iam.py) and
Cloud Healthcare API datasets and DICOM stores (healthcare.py), whose stores then take the project's
audit configs as iam.py read them.
The fact keys of each resource type are documented in those modules. Nothing is skipped silently:
a listing that fails is a ``CollectionFailure``; a per-resource read that fails is a fact error.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from scanner.collectors.base import CollectorError, Progress
from scanner.collectors.gcp import compute, healthcare, iam, kms, storage
from scanner.collectors.gcp.credentials import GcpProject, default_project, resolve
from scanner.collectors.gcp.reads import READS
from scanner.collectors.gcp.session import GcpEndpoints, GcpSession, RetryPolicy
from scanner.collectors.planned import calls_by_kind
from scanner.engine.plan import NOT_READ, ReadPlan
from scanner.facts.resource import CollectionFailure, Inventory, Resource

Part = Callable[[GcpSession], tuple[list[Resource], list[CollectionFailure]]]


class GcpCollector:
    def __init__(self, projects: Sequence[GcpProject | str] = (), *, credentials: Any = None,
                 endpoints: GcpEndpoints | None = None, retry: RetryPolicy | None = None, workers: int = 16,
                 on_call: Callable[[str], None] | None = None) -> None:
        self._projects = tuple(p if isinstance(p, GcpProject) else GcpProject(p) for p in projects)
        self._credentials = credentials
        self._endpoints = endpoints or GcpEndpoints.from_env()
        self._retry = retry or RetryPolicy()
        self._workers = max(1, workers)
        self._on_call = on_call

    @property
    def provider(self) -> str:
        return "gcp"

    def projects(self) -> tuple[GcpProject, ...]:
        if self._projects:
            return self._projects
        project = default_project()
        if project is None:
            raise CollectorError("GCP: no --project given and application default credentials name no project")
        return (GcpProject(project),)

    def collect(self, progress: Progress | None = None, plan: ReadPlan | None = None) -> Inventory:
        """Everything ``plan`` needs (by default every fact): parts whose kinds no selected rule judges
        are not listed, and a bucket's IAM policy is read only where needed."""
        reads = plan or ReadPlan.read_everything()
        sessions = [self._session(p) for p in self.projects()]
        resources: list[Resource] = []
        failures: list[CollectionFailure] = []
        for session in sessions:
            if progress is not None:
                progress(f"gcp: scanning project {session.project} as {session.identity}")
            found, failed = self._scan(session, reads)
            resources += found
            failures += failed
        calls: Counter[str] = Counter()
        for session in sessions:
            calls.update(session.calls)
        return Inventory(resources=tuple(resources), failures=tuple(failures),
                         identities={s.project: s.identity for s in sessions}, calls=dict(calls),
                         calls_by_kind=calls_by_kind(calls, READS))

    def _session(self, project: GcpProject) -> GcpSession:
        resolved = resolve(project, self._credentials)
        return GcpSession(project.project_id, resolved.credentials, resolved.identity, self._endpoints,
                          self._retry, self._on_call)

    def _scan(self, session: GcpSession, plan: ReadPlan) -> tuple[list[Resource], list[CollectionFailure]]:
        # the project's IAM policy: its audit configs, and those of the DICOM stores
        audit = plan.wants_kind(iam.TYPE) or plan.kind(healthcare.STORE).wants("audit_configs")
        parts: list[Part] = [
            *([lambda s: storage.collect(s, self._workers, plan.kind(storage.TYPE))]
              if plan.wants_kind(storage.TYPE) else []),
            lambda s: compute.collect(s, plan),
            *([lambda s: kms.collect(s, self._workers)] if plan.wants_kind(kms.TYPE) else []),
            *([iam.collect] if audit else []),
            *([lambda s: healthcare.collect(s, self._workers)]
              if plan.wants_kind(healthcare.DATASET) or plan.wants_kind(healthcare.STORE) else []),
        ]
        resources: list[Resource] = []
        failures: list[CollectionFailure] = []
        with ThreadPoolExecutor(max_workers=len(parts)) as pool:
            for found, failed in pool.map(lambda part: part(session), parts):
                resources += found
                failures += failed
        if not audit:
            return [replace(r, skipped={**r.skipped, "audit_configs": NOT_READ}) if r.type == healthcare.STORE else r
                    for r in resources], failures
        return healthcare.with_audit(resources, failures, session.project), failures
