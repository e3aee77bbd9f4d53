"""Every S3 bucket and KMS key of the AWS fixtures, judged as ``pacscan iac`` will judge them: the
evaluator's configuration (scanner.iac.hcl) -> normalisers -> rules (scanner.iac.judge).

In tests/fixtures/terraform/aws/<CONTROL>[-variant]/, a bucket or key named ``pass_*`` rolls up to
pass for the control, ``fail_*`` to fail, ``unknown_*`` to unknown (never pass), ``na_*`` to
not_applicable; both directions are checked, and no other bucket or key may be judged. (Other kinds
in the same folders, EBS volumes or RDS instances, belong to other normalisers.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from scanner.iac.hcl import load_configuration
from scanner.iac.judge import configuration_findings
from scanner.models import Source, Status
from tests.conftest import FIXTURES

AWS_FIXTURES = FIXTURES / "terraform" / "aws"
SLICE = ("aws_s3_bucket", "aws_kms_key")
PREFIXES = {"pass_": Status.PASS, "fail_": Status.FAIL, "unknown_": Status.UNKNOWN, "na_": Status.NOT_APPLICABLE}
_DECLARED = re.compile(r'^\s*resource\s+"(' + "|".join(SLICE) + r')"\s+"((?:pass|fail|unknown|na)_[\w-]*)"', re.M)


def declared(folder: Path) -> dict[str, set[str]]:
    text = "\n".join(p.read_text() for p in sorted(folder.rglob("*.tf")))
    names = [m.group(2) for m in _DECLARED.finditer(text)]
    return {prefix: {n for n in names if n.startswith(prefix)} for prefix in PREFIXES}


def folders() -> list[Path]:
    return sorted(p for p in AWS_FIXTURES.iterdir() if p.is_dir() and any(declared(p).values()))


def local_name(address: str) -> str:
    return re.sub(r"\[[^\]]*\]$", "", address).rsplit(".", 1)[-1]


def judged(catalog: Any, folder: Path, control: str, **parameters: Any) -> dict[str, Status]:
    """address -> the worst status of the control's rules for each bucket/key of the folder."""
    findings = configuration_findings(catalog, {**catalog.defaults(), **parameters}, load_configuration(folder),
                                      Source.TERRAFORM)
    worst: dict[str, Status] = {}
    for f in findings:
        if f.control_id == control and f.resource.type in SLICE:
            have = worst.get(f.resource.address)
            worst[f.resource.address] = f.status if have is None or f.status.rank > have.rank else have
    return worst


def control_of(catalog: Any, folder: Path) -> str:
    ids = [c.id for c in catalog.controls if folder.name == c.id or folder.name.startswith(c.id + "-")]
    assert ids, f"{folder.name} does not start with a control id"
    return max(ids, key=len)


@pytest.mark.parametrize("folder", folders(), ids=lambda p: p.name)
def test_named_buckets_and_keys_get_exactly_their_verdict(catalog: Any, folder: Path) -> None:
    control = control_of(catalog, folder)
    rollup = judged(catalog, folder, control)
    want = declared(folder)
    unnamed = {a for a in rollup if not local_name(a).startswith(tuple(PREFIXES))}
    assert unnamed == set(), f"{control}: judged but not named for a verdict"
    for prefix, status in PREFIXES.items():
        got = {local_name(a) for a, s in rollup.items() if s is status}
        assert got == want[prefix], f"{control}: {status.value} set differs"


def test_every_issue_case_has_its_fixture() -> None:
    """The cases of pacscan issue #12 for S3 and KMS, each in a fixture named for it."""
    names = {n for f in folders() for names in declared(f).values() for n in names}
    cases = {"fail_alias_aws_s3", "fail_alias_arn_aws_s3", "fail_data_alias_aws_s3", "fail_data_key_aws_s3",
             "unknown_data_key_lookup", "pass_key_reference", "fail_deny_bucket_arn_only", "fail_deny_objects_only",
             "fail_tls_deny_principal_account", "fail_tls_deny_principal_org", "fail_vpce_deny_principal_account",
             "pass_generated_name_document", "unknown_resource_variable", "pass_covered_by_account_block",
             "unknown_account_flag_variable", "unknown_block_flag", "fail_dynamic_inline_30_days",
             "fail_dynamic_rule_30_days", "unknown_expiration_date", "pass_disabled_dynamic_rule",
             "fail_prefix_filtered_expiration", "fail_lock_5_years", "pass_lock_6_years", "pass_literal_name",
             "pass_versioned_by_module", "fail_same_name_in_module_only", "unknown_unversioned",
             "fail_public_policy_allow_everyone", "fail_inline_source_ip_objects_only"}
    assert cases - names == set()
