"""The memoising RunnerFilter answers exactly as Checkov's own, once per check."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.iac import checkov_run

#: built-in checks to compare on (the catalog maps only a few now): AWS, Azure and GCP storage,
#: network and key checks
SAMPLE = ["CKV_AWS_3", "CKV_AWS_7", "CKV_AWS_16", "CKV_AWS_17", "CKV_AWS_18", "CKV_AWS_19", "CKV_AWS_20",
          "CKV_AWS_21", "CKV_AWS_23", "CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_35", "CKV_AWS_36", "CKV_AWS_42",
          "CKV_AWS_67", "CKV_AWS_106", "CKV_AWS_145", "CKV_AWS_166", "CKV_AZURE_2", "CKV_AZURE_3",
          "CKV_AZURE_9", "CKV_AZURE_10", "CKV_AZURE_35", "CKV_GCP_2", "CKV_GCP_3", "CKV_GCP_29"]


@pytest.fixture(scope="module")
def checks(catalog) -> list[Any]:  # type: ignore[no-untyped-def]
    checkov_run.load_policies([*catalog.terraform_check_ids(), *SAMPLE])
    from checkov.terraform.checks.resource.registry import resource_registry

    found = {c.id: c for group in resource_registry.checks.values() for c in group}
    return list(found.values())


def test_same_answers_as_checkov(checks: list[Any], catalog) -> None:  # type: ignore[no-untyped-def]
    from checkov.runner_filter import RunnerFilter

    mapped = [*catalog.terraform_check_ids(), *SAMPLE[:9]]
    ours = checkov_run._filter(mapped)
    theirs = RunnerFilter(framework=["terraform", "terraform_plan"], checks=mapped, show_progress_bar=False)
    assert len(checks) > 20
    for check in checks:
        for report_type in ("terraform", "terraform_plan", None):
            for paths in (["/x/main.tf"], None):
                expected = theirs.should_run_check(check, report_type=report_type, file_origin_paths=paths)
                assert ours.should_run_check(check, report_type=report_type, file_origin_paths=paths) == expected
                assert ours.should_run_check(check_id=check.id, bc_check_id=check.bc_id, severity=check.severity,
                                             report_type=report_type, file_origin_paths=paths) == expected
    assert any(ours.should_run_check(c, report_type="terraform") for c in checks)
    assert not all(ours.should_run_check(c, report_type="terraform") for c in checks)


def test_skip_path_patterns_are_never_memoised(checks: list[Any]) -> None:
    check = checks[0]
    ours = checkov_run._filter([check.id])
    ours.skip_checks_regex_patterns[check.id].append("skipped/.*")  # what `--skip-check ID:path` sets
    assert ours.should_run_check(check, report_type="terraform", file_origin_paths=["kept/main.tf"])
    assert not ours.should_run_check(check, report_type="terraform", file_origin_paths=["skipped/main.tf"])
    assert "_pacscan_memo" not in ours.__dict__
