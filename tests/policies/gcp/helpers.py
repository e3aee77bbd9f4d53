"""Judging Terraform folders and hand-built configurations through the GCP normalisers and rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from scanner.catalog import Catalog, load_catalog
from scanner.facts.values import Unknown
from scanner.iac.judge import configuration_findings
from scanner.iac.tfmodel import TfConfiguration, TfInstance
from scanner.models import Finding, Source, Status

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "tests" / "fixtures" / "terraform" / "gcp"


@cache
def catalog() -> Catalog:
    return load_catalog(REPO / "rules.yaml")


def judge(config: TfConfiguration, **overrides: Any) -> list[Finding]:
    parameters = {**catalog().defaults(), **overrides}
    source = Source.TERRAFORM_PLAN if config.instances and config.instances[0].input == "terraform-plan" \
        else Source.TERRAFORM
    return configuration_findings(catalog(), parameters, config, source)


def judge_folder(folder: Path, **overrides: Any) -> list[Finding]:
    from scanner.iac.hcl import load_configuration

    return judge(load_configuration(folder), **overrides)


def local_name(address: str) -> str:
    return re.sub(r"\[[^\]]*\]$", "", address).rsplit(".", 1)[-1]


def verdicts(findings: list[Finding], check_id: str) -> dict[str, str]:
    """resource local name -> status of one rule."""
    return {local_name(f.resource.address): f.status.value for f in findings if f.check_id == check_id}


def rollup(findings: list[Finding], control_id: str) -> dict[str, Status]:
    """resource address -> worst status over the control's rules."""
    worst: dict[str, Status] = {}
    for f in findings:
        if f.control_id != control_id:
            continue
        have = worst.get(f.resource.address)
        if have is None or f.status.rank > have.rank:
            worst[f.resource.address] = f.status
    return worst


def instance(type_: str, name: str, attrs: Mapping[str, Any], *, refs: Mapping[str, tuple[str, ...]] | None = None,
             exists: Unknown | None = None, mode: str = "managed", plan: bool = False) -> TfInstance:
    prefix = "data." if mode == "data" else ""
    return TfInstance(address=f"{prefix}{type_}.{name}", mode=mode, type=type_, name=name, module="",  # type: ignore[arg-type]
                      file="/cfg/main.tf", line_range=(1, 5), attrs=dict(attrs), refs=dict(refs or {}),
                      exists=exists, input="terraform-plan" if plan else "terraform")


def config(*instances: TfInstance) -> TfConfiguration:
    return TfConfiguration(root="/cfg", instances=tuple(instances))


def status(findings: list[Finding], check_id: str, address: str) -> str:
    found = [f.status.value for f in findings if f.check_id == check_id and f.resource.address == address]
    assert len(found) == 1, (check_id, address, found)
    return found[0]
