"""The "declared inline or on a connected resource" helpers (policies/terraform/declared.py). The S3
cases moved with the S3 rules to tests/policies/aws/test_s3.py, the Azure ones with the Azure rules."""

from __future__ import annotations

from checkov.common.models.enums import CheckResult

from policies.terraform.common import Observation
from policies.terraform.declared import best, values


def test_best_of_and_value_shapes() -> None:
    passed, failed, unknown = (Observation("p", CheckResult.PASSED), Observation("f", CheckResult.FAILED),
                               Observation("u", CheckResult.UNKNOWN))
    assert best([failed, unknown, passed]) is CheckResult.PASSED
    assert best([failed, unknown]) is CheckResult.UNKNOWN
    assert best([failed]) is CheckResult.FAILED
    assert best([]) is CheckResult.FAILED  # declared nowhere
    check_shape = {"rule": [{"apply": [{"algo": ["aws:kms"]}]}, {"apply": [{"algo": ["AES256"]}]}]}
    vertex_shape = {"rule": {"apply": {"algo": "aws:kms"}}}
    assert values(check_shape, ("rule", "apply", "algo")) == ["aws:kms", "AES256"]
    assert values(vertex_shape, ("rule", "apply", "algo")) == ["aws:kms"]
    assert values(vertex_shape, ("rule", "missing", "algo")) == []
