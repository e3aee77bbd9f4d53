"""Plans from the real Terraform CLI: values known only after apply are `unknown`, never `pass`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.errors import PlanError
from scanner.iac.plan import load_plan
from scanner.models import Source, Status
from tests import terraform_cli
from tests.conftest import FIXTURES

_REASON = terraform_cli.unavailable_reason()


@pytest.fixture(scope="module")
def pacs_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if _REASON:
        pytest.skip(_REASON)
    return terraform_cli.plan_json(FIXTURES / "plans" / "pacs-new", tmp_path_factory.mktemp("plan"))


def _by(findings: list, control: str) -> dict[str, tuple[Status, dict]]:  # type: ignore[type-arg]
    out = {}
    for f in findings:
        if f.control_id == control:
            have = out.get(f.resource.address)
            if have is None or f.status.rank > have[0].rank:
                out[f.resource.address] = (f.status, dict(f.evidence))
    return out


def test_plan_findings_land_on_buckets_including_module_instances(pacs_plan: Path, scan_tf) -> None:  # type: ignore[no-untyped-def]
    findings = scan_tf(plans=(pacs_plan,))
    assert findings and {f.source for f in findings} == {Source.TERRAFORM_PLAN}
    versioning = _by(findings, "INT-VERSION")
    assert versioning["aws_s3_bucket.pacs"][0] is Status.PASS
    assert versioning["aws_s3_bucket.scratch"][0] is Status.FAIL
    assert versioning["module.archive.aws_s3_bucket.this"][0] is Status.FAIL
    assert _by(findings, "NET-DICOM")["aws_security_group.orthanc"][0] is Status.FAIL


def test_key_known_only_after_apply_is_decided_by_what_it_refers_to(pacs_plan: Path, scan_tf) -> None:  # type: ignore[no-untyped-def]
    """The bucket key's ARN is known only after apply, but it is the ARN of an aws_kms_key of this
    configuration: a customer-managed key (it was unknown before keys were decided by reference)."""
    keys = _by(scan_tf(plans=(pacs_plan,)), "ENC-KEYS")
    status, evidence = keys["aws_s3_bucket.pacs"]
    assert status is Status.PASS
    assert evidence["observed"]["encryption.customer_managed_key"] is True
    assert "$unknown" in evidence["observed"]["encryption.kms_key_id"]
    assert keys["aws_s3_bucket.scratch"][0] is Status.FAIL


def test_plan_facts_keep_only_configured_unknowns(pacs_plan: Path) -> None:
    facts = load_plan(pacs_plan)
    assert "versioning" not in {p.split("/")[0] for p in facts.unknown["aws_s3_bucket.pacs"]}
    sse = facts.unknown["aws_s3_bucket_server_side_encryption_configuration.cfg_pacs"]
    assert "rule/apply_server_side_encryption_by_default/kms_master_key_id" in sse
    assert facts.references["module.archive.aws_s3_bucket_versioning.this"]["bucket"][0].startswith(
        "module.archive.aws_s3_bucket.this")


@pytest.mark.parametrize(("text", "words"), [
    ("{not json", "invalid JSON"),
    (json.dumps({"resources": []}), "not a Terraform plan"),
    ("[]", "not a Terraform plan"),
])
def test_invalid_plan_is_a_clear_error(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(PlanError, match=words):
        load_plan(path)
