"""Small Terraform configurations for the AWS normaliser tests, judged by the real catalog.

Two ways in: hand-built :class:`TfInstance`s (:func:`instance`, :func:`judge_instances`) to state
exactly what the evaluator hands a normaliser, and HCL text through the real evaluator
(:func:`judge_hcl`). Either way the facts go through ``configuration_findings``: the normalisers,
the fact schema and the rules, as ``pacscan iac`` runs them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from scanner.catalog import Catalog, load_catalog
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.judge import configuration_findings
from scanner.iac.tfmodel import TfConfiguration, TfInstance
from scanner.models import Finding, Source

_CATALOG: list[Catalog] = []

#: variables, data sources and resources the unresolvable forms below refer to
UNRESOLVED_HEADER = """
variable "unset_string" { type = string }
variable "unset_number" { type = number }
variable "unset_bool" { type = bool }
variable "unset_list" { type = list(string) }
variable "unset_rules" {}
data "aws_ssm_parameter" "p" { name = "/pacs/setting" }
resource "aws_ssm_parameter" "other" {
  name  = "/pacs/other"
  type  = "String"
  value = "x"
}
"""

#: what the evaluator cannot know, by the type of the argument it stands in for: an unset typed
#: variable, a data source, a function of a variable, an attribute known only after apply, an
#: iterator over an unknown collection
UNRESOLVED_FORMS: Mapping[str, tuple[str, ...]] = {
    "string": ("var.unset_string", "data.aws_ssm_parameter.p.value", "lower(var.unset_string)",
               "aws_ssm_parameter.other.version", "one([for s in var.unset_list : s])"),
    "number": ("var.unset_number", "tonumber(data.aws_ssm_parameter.p.value)", "var.unset_number + 1",
               "aws_ssm_parameter.other.version", "one([for s in var.unset_list : tonumber(s)])"),
    "bool": ("var.unset_bool", "tobool(data.aws_ssm_parameter.p.value)", "!var.unset_bool",
             "aws_ssm_parameter.other.version == 1", "one([for s in var.unset_list : s == \"on\"])"),
    "list": ("var.unset_list", "concat(var.unset_list, [\"10.0.0.0/8\"])", "[for c in var.unset_list : c]",
             "[var.unset_list[0], \"10.0.0.0/8\"]", "split(\",\", data.aws_ssm_parameter.p.value)",
             "[aws_ssm_parameter.other.arn]"),
    # a list whose every element is unknown, where a known element would already decide (present/absent)
    "list_unseen": ("var.unset_list", "[for c in var.unset_list : c]", "compact(var.unset_list)", "var.unset_rules"),
}


def catalog() -> Catalog:
    if not _CATALOG:
        _CATALOG.append(load_catalog())
    return _CATALOG[0]


def instance(address: str, attrs: Mapping[str, Any], *, refs: Mapping[str, Iterable[str]] | None = None,
             exists: Unknown | None = None, input: str = "terraform", line: int = 1) -> TfInstance:
    """One managed (or ``data.``) instance as the evaluator would hand it."""
    mode = "data" if address.startswith("data.") else "managed"
    own = address.removeprefix("data.").split(".")
    module = ".".join(address.split(".")[:-2]) if address.startswith("module.") else ""
    return TfInstance(address=address, mode=mode, type=own[-2] if module else own[0],
                      name=own[-1].split("[", 1)[0], module=module, file="/work/main.tf", line_range=(line, line),
                      attrs=dict(attrs), refs={k: tuple(v) for k, v in (refs or {}).items()}, exists=exists,
                      input=input)  # type: ignore[arg-type]


def configuration(*instances: TfInstance) -> TfConfiguration:
    return TfConfiguration(root="/work", instances=tuple(instances))


def normalise(*instances: TfInstance) -> list[Resource]:
    from policies.terraform.normalise import normalise as run

    return run(configuration(*instances))


def judge_instances(*instances: TfInstance, **parameters: Any) -> list[Finding]:
    return configuration_findings(catalog(), {**catalog().defaults(), **parameters}, configuration(*instances),
                                  Source.TERRAFORM)


def judge_hcl(text: str, **parameters: Any) -> list[Finding]:
    from scanner.iac.hcl import load_configuration

    with tempfile.TemporaryDirectory(prefix="pacscan-aws-") as folder:
        (Path(folder) / "main.tf").write_text(text, encoding="utf-8")
        config = load_configuration(Path(folder), environ={})
        return configuration_findings(catalog(), {**catalog().defaults(), **parameters}, config, Source.TERRAFORM)


def verdicts(findings: Iterable[Finding], rule: str) -> dict[str, str]:
    """Resource address -> status for one rule."""
    return {f.resource.address: f.status.value for f in findings if f.check_id == rule}


def statuses(findings: Iterable[Finding], address: str) -> dict[str, str]:
    """Rule id -> status for one resource."""
    return {f.check_id: f.status.value for f in findings if f.resource.address == address}


def facts(resources: Iterable[Resource], address: str) -> Mapping[str, Any]:
    found = [r for r in resources if r.id == address]
    assert len(found) == 1, f"{address}: {len(found)} resources"
    return found[0].facts


def unknown(reason: str = "variable \"x\" has no value", *, spread: bool = False, symbol: str | None = None,
            candidates: tuple[Any, ...] = ()) -> Unknown:
    return Unknown(reason, "main.tf:1", candidates=candidates, spread=spread, symbol=symbol)


def hcl(kind: str, name: str, /, *blocks: str, **arguments: object) -> str:
    """``resource "kind" "name" { argument = <HCL expression> ... <blocks> }``: string arguments are
    written as HCL expressions (quote literals yourself: ``protocol='"tcp"'``), others as Python
    renders them (numbers, ``true``/``false`` for booleans)."""
    def expression(value: object) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    lines = [f"  {key} = {expression(value)}" for key, value in arguments.items()]
    lines += [f"  {b}" for b in blocks]
    head = f'data "{kind.removeprefix("data.")}"' if kind.startswith("data.") else f'resource "{kind}"'
    return head + f' "{name}" {{\n' + "\n".join(lines) + "\n}\n"
