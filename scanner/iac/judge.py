"""A Terraform configuration (folder or plan) -> findings, through the same facts and rules as the
live clouds.

The normalisers (``policies/terraform``) turn instances into facts; the engine judges them with
every rule that applies to Terraform. What could not be read at all is never silent: a module call
whose source is not on disk is one ``unknown`` finding per automated control at ``module.NAME``
(with the source in the evidence), and a file that does not parse is one ``error`` finding per
automated control for that file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from scanner.catalog import Catalog
from scanner.engine.evaluate import judge
from scanner.engine.rules import Rule
from scanner.iac.tfmodel import TfConfiguration, UnreadModule
from scanner.models import Control, Evaluation, Finding, ResourceRef, Source, Status
from scanner.source_paths import display_path


def terraform_rules(catalog: Catalog, source: Source) -> list[Rule]:
    """Rules over kinds a Terraform input produces, and that apply to Terraform."""
    out = []
    for rule in catalog.rules:
        kind = catalog.kinds[rule.resource]
        if source.value in kind.produced_by and (not rule.inputs or source.value in rule.inputs):
            out.append(rule)
    return out


def configuration_findings(catalog: Catalog, parameters: Mapping[str, Any], config: TfConfiguration,
                           source: Source) -> list[Finding]:
    from policies.terraform.normalise import normalise
    from scanner.iac.skips import apply_skip_comments

    normalised = normalise(config)
    resources = [dataclasses.replace(r, file=display_path(r.file)) if r.file else r for r in normalised]
    findings = judge(catalog, parameters, resources, rules=terraform_rules(catalog, source))
    findings = apply_skip_comments(findings, normalised)
    for module in config.unread_modules:
        findings += unread_module_findings(catalog, module, source)
    return findings


def terraform_controls(catalog: Catalog, source: Source) -> list[Control]:
    """The automated controls Terraform can judge: a rule over a kind Terraform produces, or a
    mapped Checkov check. What could not be read of a configuration leaves exactly these open."""
    judged = {c for rule in terraform_rules(catalog, source) for c in rule.controls} | {
        c.id for c in catalog.controls if c.terraform_checks}
    return [c for c in catalog.controls if c.evaluation is Evaluation.AUTOMATED and c.id in judged]


def unread_module_findings(catalog: Catalog, module: UnreadModule, source: Source) -> list[Finding]:
    """One ``error`` per control Terraform judges: the module's source could not be read (it is not
    fetched), so nothing inside it was evaluated and the scan is incomplete (not undecidable)."""
    ref = ResourceRef(address=module.address, type="module", file=display_path(module.file),
                      line_range=(module.line, module.line) if module.line else None)
    message = (f"module {module.address} was not evaluated: {module.reason} (source {module.source}); "
               f"run `terraform init` so its source is on disk")
    evidence = {"module": module.address, "source": module.source, "reason": module.reason}
    return [Finding(control_id=c.id, status=Status.ERROR, severity=c.severity, source=source, resource=ref,
                    check_id="module-not-read", message=message, evidence=evidence, remediation=c.remediation.text)
            for c in terraform_controls(catalog, source)]
