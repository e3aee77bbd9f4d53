"""The "declared inline or on a connected resource" checks (policies/terraform/declared.py):
the cases the per-control fixtures do not cover: values Checkov cannot render, several
sub-resources, and a graph-less scan. (The S3 cases moved with the S3 rules to
tests/policies/aws/test_s3.py.)"""

from __future__ import annotations

from pathlib import Path

from checkov.common.models.enums import CheckResult

from policies.terraform.common import Observation
from policies.terraform.declared import best, values
from tests.conftest import write_tree

AZURE = '''
variable "action" {}

resource "azurerm_storage_account" "unknown_default_action" {
  name                     = "unknowndefaultaction"
  resource_group_name      = "rg"
  location                 = "eastus"
  account_tier             = "Standard"
  account_replication_type = "GRS"
  network_rules {
    default_action = var.action
  }
}

resource "azurerm_storage_account" "pass_separate_rules" {
  name                     = "passseparaterules"
  resource_group_name      = "rg"
  location                 = "eastus"
  account_tier             = "Standard"
  account_replication_type = "GRS"
}
resource "azurerm_storage_account_network_rules" "pass_separate_rules" {
  storage_account_id = azurerm_storage_account.pass_separate_rules.id
  default_action     = "Deny"
}

resource "azurerm_storage_account" "fail_allow_and_public" {
  name                          = "failallowandpublic"
  resource_group_name           = "rg"
  location                      = "eastus"
  account_tier                  = "Standard"
  account_replication_type      = "GRS"
  public_network_access_enabled = true
  network_rules {
    default_action = "Allow"
  }
}
'''


def _statuses(findings: list, check_id: str) -> dict[str, str]:  # type: ignore[type-arg]
    return {f.resource.address: f.status.value for f in findings if f.check_id == check_id}


def test_azure_declared_settings(scan_tf, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    findings = scan_tf(write_tree(tmp_path / "azure", {"main.tf": AZURE}))
    assert _statuses(findings, "PACS_AZURE_STORAGE_NETWORK") == {
        "azurerm_storage_account.unknown_default_action": "unknown",
        "azurerm_storage_account.pass_separate_rules": "pass",
        "azurerm_storage_account.fail_allow_and_public": "fail",
    }
    assert set(_statuses(findings, "PACS_AZURE_STORAGE_CMK").values()) == {"fail"}


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
