"""The Azure control fixtures (tests/fixtures/terraform/azure/<CONTROL>[-variant]/; their verdicts are
checked by tests/iac/test_fixtures.py): every folder names a control and judges something, every
control an Azure rule can fail has both outcomes, and the imaging-data scope case (which needs a
parameter the per-control harness does not set)."""

from __future__ import annotations

import re
from pathlib import Path

from scanner.iac.hcl import load_configuration
from scanner.iac.judge import configuration_findings
from scanner.models import Source, Status
from tests.conftest import FIXTURES
from tests.policies.azure.support import catalog

FOLDERS = sorted(p for p in (FIXTURES / "terraform" / "azure").iterdir() if p.is_dir())
#: resource types judged by a built-in check only (rules/terraform-azure.yaml)
BUILTIN_ONLY = {"azurerm_managed_disk"}
PREFIXES = {"pass_": Status.PASS, "fail_": Status.FAIL, "unknown_": Status.UNKNOWN, "na_": Status.NOT_APPLICABLE}


def _control(folder: Path) -> str:
    ids = [c.id for c in catalog().controls if folder.name == c.id or folder.name.startswith(c.id + "-")]
    assert ids, f"{folder.name}: no control id"
    return max(ids, key=len)


def _declared(folder: Path) -> dict[str, str]:
    """local name -> expected status, for the judged resource blocks of the folder."""
    text = "\n".join(p.read_text() for p in sorted(folder.rglob("*.tf")))
    out = {}
    for kind, name in re.findall(r'^\s*resource\s+"([\w-]+)"\s+"([\w-]+)"', text, flags=re.M):
        prefix = next((p for p in PREFIXES if name.startswith(p)), None)
        if prefix and kind not in BUILTIN_ONLY:
            out[name] = PREFIXES[prefix].value
    return out


def test_every_folder_names_a_control_and_judges_something() -> None:
    for folder in FOLDERS:
        _control(folder)
        assert _declared(folder), folder.name


def test_fixtures_cover_pass_and_fail_of_every_azure_rule_control() -> None:
    """Both outcomes for every control an Azure rule can fail (not the by-design encryption at rest)."""
    controls = {c for rule in catalog().rules if rule.provider == "azure" and not rule.by_design
                for c in rule.controls}
    for control in controls:
        expected: set[str] = set()
        for folder in FOLDERS:
            if _control(folder) == control:
                expected |= set(_declared(folder).values())
        assert {"pass", "fail"} <= expected, control


def test_storage_whose_scope_cannot_be_read_stays_unknown() -> None:
    parameters = {**catalog().defaults(), "imaging_data": {"tags": {"data": "imaging"}, "name_patterns": []}}
    found = configuration_findings(catalog(), parameters, load_configuration(FIXTURES / "azure-scope"),
                                   Source.TERRAFORM)
    tls = {f.resource.address.rsplit(".", 1)[-1]: f.status.value for f in found if f.check_id == "AZURE-STORAGE-TLS"}
    assert tls == {"unknown_tags_from_unset_variable": "unknown", "unknown_merged_tags_without_the_selector": "unknown",
                   "pass_tagged_imaging": "pass"}
