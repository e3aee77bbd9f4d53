"""``pacscan cloud aws|gcp --deid-sample N``: after the cloud scan, sample the objects of every bucket
the ``deidentified_data`` parameter marks (a tag or a name pattern; with neither, no bucket) and
judge them as ``pacscan deid`` would. Object reads need permissions the read-only scan policy does
not grant (``policies/iam/pacscan-aws-deid.json``; docs/deid.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from scanner.collectors.base import Collector, Progress
from scanner.collectors.deid.collector import KIND, SOURCE, DeidCollector, DeidOptions
from scanner.collectors.deid.sources import ObjectSource
from scanner.engine.plan import ReadPlan
from scanner.facts.resource import CollectionFailure, Inventory, Resource
from scanner.facts.values import Unknown
from scanner.scope import ImagingScope

BUCKET_KINDS = frozenset({"aws.s3.bucket", "gcp.storage.bucket"})

#: a marked bucket -> where to read its objects (built after the cloud scan, with its session)
SourceFactory = Callable[[Resource], ObjectSource]


class WithDeidSample:
    """A cloud collector, followed by the de-identification check of the buckets it marks."""

    def __init__(self, inner: Collector, parameters: Mapping[str, Any], options: DeidOptions,
                 source_for: SourceFactory) -> None:
        self.inner = inner
        self.scope = ImagingScope.from_parameter(parameters["deidentified_data"])
        self.options = options
        self.source_for = source_for

    @property
    def provider(self) -> str:
        return self.inner.provider

    def collect(self, progress: Progress | None = None, plan: ReadPlan | None = None) -> Inventory:
        if plan is not None:  # the buckets are needed, and their tags where the marking reads tags
            for kind in BUCKET_KINDS:
                if kind.startswith(f"{self.provider}."):
                    plan = plan.also(kind, ["tags"] if self.scope.tags else [])
        inventory = self.inner.collect(progress, plan)
        if not self.scope.tags and not self.scope.name_patterns:
            note = "--deid-sample: no bucket is marked de-identified (the deidentified_data parameter is empty)"
            return replace(inventory, notes=(*inventory.notes, note))
        marked: list[Resource] = []
        failures: list[CollectionFailure] = []
        for bucket in inventory.resources:
            if bucket.type not in BUCKET_KINDS:
                continue
            selector = self.scope.selector(bucket.scope_names, bucket.tags)
            if isinstance(selector, Unknown):
                why = selector.reason.replace("imaging data (imaging_data)", "de-identified data (deidentified_data)")
                failures.append(CollectionFailure(SOURCE, KIND, bucket.account or "", bucket.region,
                                                  f"{bucket.name}: {why}"))
            elif selector is not None:
                marked.append(bucket)
        if not marked and not failures:
            note = "--deid-sample: no bucket matches the deidentified_data parameter"
            return replace(inventory, notes=(*inventory.notes, note))
        found = DeidCollector([self.source_for(b) for b in marked], self.options).collect(progress)
        return replace(inventory, resources=(*inventory.resources, *found.resources),
                       failures=(*inventory.failures, *failures, *found.failures),
                       notes=(*inventory.notes, *found.notes), inputs=(*inventory.inputs, SOURCE))
