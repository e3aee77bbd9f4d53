"""Parity with the real Terraform CLI: every value the evaluator claims to know equals the value
Terraform computes at plan time (unknowns may be known or unknown to Terraform; candidates must
include Terraform's value).

All fixture configurations (tests/fixtures/hcl/parity/*, and the PACS fixture) become modules of
one root, planned in ONE ``terraform init`` + ``terraform plan`` with the aws provider mirror and
fake credentials (no network: only ``aws_iam_policy_document`` is read, and it is computed locally).
Outputs are compared exactly; resource attributes allowing for the provider schema (the evaluator
reports configuration values: ``Index = 0`` in a ``map(string)`` is ``"0"`` in the plan, an
argument set to null may get the provider's default) and for set-typed blocks (order-insensitive).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from scanner.facts.values import PartialDict, Unknown
from scanner.iac.hcl import load_configuration
from scanner.iac.hcl.config import Configuration, Loader
from scanner.iac.hcl.ops import fmt_number, is_number, type_name
from scanner.iac.hcl.tfvars import root_inputs
from scanner.iac.hcl.types import plain
from tests import terraform_cli

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hcl"
PARITY = FIXTURES / "parity"
PROVIDER = """terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIAPARITYTEST"
  secret_key                  = "parity-test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
"""


def _root(source: Path) -> None:
    blocks = [PROVIDER]
    for case in sorted(p for p in PARITY.iterdir() if p.is_dir()):
        shutil.copytree(case, source / case.name)
        blocks.append(f'module "{case.name}" {{\n  source = "./{case.name}"\n}}\n')
        definition = Loader(source).module(str(source / case.name))
        blocks += [f'output "{case.name}__{o}" {{\n  value = module.{case.name}.{o}\n}}\n' for o in definition.outputs]
    shutil.copytree(FIXTURES / "pacs", source / "pacs")
    blocks.append('module "pacs" {\n  source = "./pacs"\n  allowed_cidrs = ["203.0.113.0/24"]\n}\n')
    (source / "main.tf").write_text("\n".join(blocks), encoding="utf-8")


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    reason = terraform_cli.unavailable_reason()
    if reason:
        pytest.skip(reason)
    source, work = tmp_path_factory.mktemp("parity-src"), tmp_path_factory.mktemp("parity-work")
    _root(source)
    plan = json.loads(terraform_cli.plan_json(source, work).read_text(encoding="utf-8"))
    return work, plan


def _our_outputs(root: Path) -> dict[str, Any]:
    loader = Loader(root)
    definition = loader.module(str(root))
    inputs = root_inputs(str(root), set(definition.variables), loader.display, var_files=(), variables=(),
                         environ={})
    configuration = Configuration(loader, str(root), definition, inputs)
    return {name: plain(configuration.root.output(name).value) for name in definition.outputs}


class Agreement:
    """Walks our value beside Terraform's; counts the known leaves compared."""

    def __init__(self, lenient: bool) -> None:
        self.lenient = lenient
        self.compared = 0

    def check(self, ours: Any, theirs: Any, path: str) -> None:
        if isinstance(ours, Unknown):
            if ours.candidates:
                assert any(self._matches(c, theirs, path) for c in ours.candidates), \
                    f"{path}: Terraform's {theirs!r} is not among our candidates {ours.candidates!r}"
                self.compared += 1
            return
        if isinstance(ours, dict):
            assert isinstance(theirs, dict), f"{path}: ours is an object, Terraform's {theirs!r}"
            if not self.lenient and not isinstance(ours, PartialDict):
                assert set(ours) == set(theirs), f"{path}: keys {sorted(ours)} != {sorted(theirs)}"
            for key, value in ours.items():
                assert key in theirs, f"{path}.{key}: Terraform has no such key"
                self.check(value, theirs[key], f"{path}.{key}")
            return
        if isinstance(ours, list):
            self._list(ours, theirs, path)
            return
        if ours is None and self.lenient:
            return  # an argument set to null is not configured: the provider may default it
        assert self._primitive(ours, theirs), f"{path}: ours {ours!r} != Terraform's {theirs!r}"
        self.compared += 1

    def _list(self, ours: list[Any], theirs: Any, path: str) -> None:
        assert isinstance(theirs, list), f"{path}: ours is a list, Terraform's {theirs!r}"
        if any(isinstance(v, Unknown) and v.spread for v in ours):
            return
        assert len(ours) == len(theirs), f"{path}: {len(ours)} elements, Terraform has {len(theirs)}"
        if self.lenient and ours and all(isinstance(v, dict) for v in ours):
            remaining = list(theirs)  # set-typed blocks: Terraform orders them by hash
            for i, item in enumerate(ours):
                match = next((t for t in remaining if self._matches(item, t, f"{path}[{i}]")), None)
                assert match is not None, f"{path}[{i}]: {item!r} matches no block of {theirs!r}"
                remaining.remove(match)
                self.check(item, match, f"{path}[{i}]")
            return
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            self.check(a, b, f"{path}[{i}]")

    def _matches(self, ours: Any, theirs: Any, path: str) -> bool:
        probe = Agreement(self.lenient)
        try:
            probe.check(ours, theirs, path)
        except AssertionError:
            return False
        return True

    def _primitive(self, ours: Any, theirs: Any) -> bool:
        if self.lenient and isinstance(theirs, str) and (is_number(ours) or isinstance(ours, bool)):
            return (fmt_number(ours) if is_number(ours) else str(ours).lower()) == theirs
        if type_name(ours) != type_name(theirs):
            return False
        return bool(ours == theirs)


def test_outputs_agree_with_terraform(planned: tuple[Path, dict[str, Any]]) -> None:
    work, plan = planned
    ours = _our_outputs(work)
    changes = plan.get("output_changes", {})
    agreement = Agreement(lenient=False)
    decided = 0
    for name, planned_output in plan["planned_values"]["outputs"].items():
        if "value" not in planned_output or changes.get(name, {}).get("after_unknown"):
            continue
        decided += 1
        agreement.check(ours[name], planned_output["value"], name)
    assert decided >= 40 and agreement.compared >= 90, (decided, agreement.compared)


def _planned_resources(module: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {r["address"]: r.get("values", {}) for r in module.get("resources", []) if r.get("mode") == "managed"}
    for child in module.get("child_modules", []):
        found.update(_planned_resources(child))
    return found


def test_resource_attributes_agree_with_terraform(planned: tuple[Path, dict[str, Any]]) -> None:
    work, plan = planned
    configuration = load_configuration(work, environ={})
    ours = {i.address: i for i in configuration.instances if i.mode == "managed"}
    theirs = _planned_resources(plan["planned_values"]["root_module"])
    unknown_after = {c["address"]: c["change"].get("after_unknown", {}) for c in plan.get("resource_changes", [])}
    assert set(theirs) <= set(ours), sorted(set(theirs) - set(ours))
    agreement = Agreement(lenient=True)
    for address, values in theirs.items():
        for name, value in ours[address].attrs.items():
            if unknown_after.get(address, {}).get(name) is True:
                continue
            agreement.check(value, values.get(name), f"{address}.{name}")
    assert agreement.compared >= 50, agreement.compared


def test_the_comparison_detects_a_wrong_value() -> None:
    strict = Agreement(lenient=False)
    with pytest.raises(AssertionError):
        strict.check({"a": 1}, {"a": "1"}, "x")
    with pytest.raises(AssertionError):
        strict.check(Unknown("u", candidates=("a", "b")), "c", "x")
    strict.check([Unknown("u", spread=True), "z"], ["p", "q", "z"], "x")
    assert strict.compared == 0
