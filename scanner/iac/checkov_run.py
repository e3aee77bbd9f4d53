"""Run Checkov in-process, restricted to the checks the catalog maps, and hand back plain values.

Checkov is imported lazily (only the Terraform runners) and configured through the environment
first, so nothing else in pacscan pays for it. A new Runner is used per scan.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from scanner.iac import builtin_checks
from scanner.iac.resources import ResourceIndex, address_type, index_definitions

log = logging.getLogger("pacscan.iac")

_CHECKOV_ENV = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "CHECKOV_PARALLELIZATION_TYPE": "none",
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    "BC_SKIP_MAPPING": "TRUE",
    "LOG_LEVEL": os.environ.get("LOG_LEVEL", "ERROR"),
}


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckRecord:
    check_id: str
    check_name: str
    outcome: Outcome
    address: str
    resource_type: str
    file: str
    line_range: tuple[int, int] | None
    evaluated_keys: frozenset[str]
    details: tuple[str, ...]
    skip_reason: str | None = None


@dataclass(frozen=True)
class CheckovOutput:
    records: tuple[CheckRecord, ...]
    parse_errors: tuple[str, ...]
    index: ResourceIndex


def environment() -> None:
    """What must hold before Checkov is first imported (here, or in the parse-ahead helper)."""
    for key, value in _CHECKOV_ENV.items():
        os.environ.setdefault(key, value)
    builtin_checks.stub_provider_packages()


def _prepare() -> None:
    environment()
    logging.getLogger("checkov").setLevel(logging.ERROR)
    _keep_unknown_results()


_unknown_records: list[Any] = []
_unknown_lock = threading.Lock()


def _keep_unknown_results() -> None:
    """Checkov's Report drops results a check returned as UNKNOWN (Python checks, and graph
    checks that could not resolve a value); a compliance scanner must not: an unknown silently
    vanishing reads as nothing wrong. Collect them for the scan in progress."""
    from checkov.common.models.enums import CheckResult
    from checkov.common.output.report import Report

    if getattr(Report.add_record, "_pacscan_keeps_unknown", False):
        return
    original = Report.add_record

    def add_record(self: Any, record: Any) -> None:
        if record.check_result.get("result") == CheckResult.UNKNOWN:
            with _unknown_lock:
                _unknown_records.append(record)
            return
        original(self, record)

    add_record._pacscan_keeps_unknown = True  # type: ignore[attr-defined]
    Report.add_record = add_record  # type: ignore[method-assign]


def load_policies(check_ids: Sequence[str] | None = None) -> None:
    """Register the built-in checks among ``check_ids`` with Checkov (all built-ins when None)."""
    _prepare()
    if check_ids is None:
        builtin_checks.load_all()
    else:
        builtin_checks.load(check_ids)


def supported_types(check_ids: Sequence[str]) -> frozenset[str]:
    """The resource types the given checks judge (their registries, once loaded)."""
    load_policies(check_ids)
    from checkov.terraform.checks.resource.registry import resource_registry

    wanted = set(check_ids)
    types = {kind for kind, checks in resource_registry.checks.items() if any(c.id in wanted for c in checks)}
    graph = {c for c in wanted if not any(c in (x.id for x in cs) for cs in resource_registry.checks.values())}
    if graph:  # a graph check (YAML) names its types only in its definition: read them
        types |= builtin_checks.graph_check_types(graph)
    return frozenset(types)


def _filter(check_ids: Sequence[str]) -> Any:
    return _memo_filter_class()(framework=["terraform", "terraform_plan"], checks=list(check_ids),
                                show_progress_bar=False)


@functools.cache
def _memo_filter_class() -> type:
    """Checkov's RunnerFilter, answering ``should_run_check`` once per check instead of once per
    check and resource (about a millisecond each: the largest single cost of running the Python
    checks on a big estate). The answer depends on the file only through skip-path patterns,
    which pacscan never sets; with any set, every call is answered afresh."""
    from checkov.runner_filter import RunnerFilter

    class MemoRunnerFilter(RunnerFilter):
        def should_run_check(self, check: Any = None, check_id: str | None = None, bc_check_id: str | None = None,
                             severity: Any = None, report_type: str | None = None,
                             file_origin_paths: list[str] | None = None, root_folder: str | None = None) -> bool:
            if self.skip_checks_regex_patterns:
                return bool(super().should_run_check(check, check_id, bc_check_id, severity, report_type,
                                                     file_origin_paths, root_folder))
            if check is not None:
                check_id, bc_check_id, severity = check.id, check.bc_id, check.severity
            key = (check_id, bc_check_id, severity, report_type, root_folder, bool(file_origin_paths))
            memo: dict[tuple[Any, ...], bool] = self.__dict__.setdefault("_pacscan_memo", {})
            if key not in memo:
                memo[key] = bool(super().should_run_check(None, check_id, bc_check_id, severity, report_type,
                                                          file_origin_paths, root_folder))
            return memo[key]

    return MemoRunnerFilter


@contextlib.contextmanager
def _only(check_ids: Sequence[str]) -> Iterator[None]:
    """Run with Checkov's Python-check registries holding only the checks the catalog maps.

    The RunnerFilter alone already restricts results, but Checkov still walks every registered
    check for every resource to ask the filter; pruning for the duration of the run removes
    that cost. The registries are restored afterwards (they are process-global)."""
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.module.registry import module_registry
    from checkov.terraform.checks.provider.registry import provider_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    wanted = set(check_ids)
    saved = []
    for registry in (resource_registry, data_registry, module_registry, provider_registry):
        saved.append((registry, registry.checks, registry.wildcard_checks))
        registry.checks = defaultdict(list, {
            kind: kept for kind, checks in registry.checks.items() if (kept := [c for c in checks if c.id in wanted])})
        registry.wildcard_checks = defaultdict(list, {
            kind: kept for kind, checks in registry.wildcard_checks.items()
            if (kept := [c for c in checks if c.id in wanted])})
    try:
        yield
    finally:
        for registry, checks, wildcard in saved:
            registry.checks, registry.wildcard_checks = checks, wildcard


def _run(runner: Any, check_ids: Sequence[str], **where: Any) -> CheckovOutput:
    with _unknown_lock:
        _unknown_records.clear()
    with _only(check_ids):
        report = runner.run(runner_filter=_filter(check_ids),
                            **where)
    with _unknown_lock:
        unknown = list(_unknown_records)
        _unknown_records.clear()
    return CheckovOutput(_records(report, unknown), tuple(sorted(report.parsing_errors)),
                         index_definitions(runner.definitions or {}))


def run_directory(root: Path, check_ids: Sequence[str]) -> CheckovOutput:
    load_policies(check_ids)
    from checkov.terraform.runner import Runner

    return _run(Runner(), check_ids, root_folder=str(root))


def run_files(files: Sequence[Path], check_ids: Sequence[str]) -> CheckovOutput:
    load_policies(check_ids)
    from checkov.terraform.runner import Runner

    return _run(Runner(), check_ids, root_folder=None, files=[str(f) for f in files])


def run_plan(plan: Path, check_ids: Sequence[str]) -> CheckovOutput:
    load_policies(check_ids)
    from checkov.terraform.plan_runner import Runner as PlanRunner

    return _run(PlanRunner(), check_ids, root_folder=None, files=[str(plan)])


def _records(report: Any, unknown: list[Any]) -> tuple[CheckRecord, ...]:
    out: list[CheckRecord] = []
    buckets = ((report.passed_checks, Outcome.PASSED), (report.failed_checks, Outcome.FAILED),
               (report.skipped_checks, Outcome.SKIPPED), (unknown, Outcome.UNKNOWN))
    for bucket, outcome in buckets:
        for rec in bucket:
            out.append(_record(rec, outcome))
    return tuple(out)


def _record(rec: Any, outcome: Outcome) -> CheckRecord:
    result = rec.check_result or {}
    lines = tuple(rec.file_line_range) if rec.file_line_range else None
    address = str(rec.resource_address or rec.resource)
    rtype = address_type(address)
    return CheckRecord(
        check_id=str(rec.check_id),
        check_name=str(rec.check_name),
        outcome=outcome,
        address=address,
        resource_type=rtype,
        file=str(rec.file_abs_path),
        line_range=(int(lines[0]), int(lines[1])) if lines and int(lines[0]) >= 1 else None,
        evaluated_keys=frozenset(str(k) for k in (result.get("evaluated_keys") or [])),
        details=tuple(str(d) for d in (rec.details or [])),
        skip_reason=str(result.get("suppress_comment")) if outcome is Outcome.SKIPPED else None,
    )
