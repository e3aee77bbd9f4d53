"""The Checkov checks the catalog still maps (``rules/terraform-*.yaml``), run in-process.

Checkov is imported and run only when the configuration holds a resource one of those checks
judges: on an estate where every control is judged by pacscan's own rules it costs nothing. A
check's pass stands only where pacscan's evaluator knows every value the check read; a value it
could not know (a variable with no value, an iterator Checkov left unrendered, a value known only
after apply) turns the pass into ``unknown``. A file Checkov could not parse although pacscan could
leaves the controls those checks judge in ``error`` for it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from scanner.catalog import Catalog
from scanner.facts.values import Unknown, unknowns
from scanner.iac.file_limits import too_large
from scanner.iac.tfmodel import ParseFailure, TfConfiguration, TfInstance
from scanner.models import Finding, Source
from scanner.scope import ImagingScope

_INSTANCE_KEY_SUFFIX = "["


def builtin_findings(catalog: Catalog, parameters: Mapping[str, Any], config: TfConfiguration, source: Source,
                     progress: Any = None, plan: Path | None = None) -> list[Finding]:
    from scanner.iac import checkov_run
    from scanner.iac.findings import parse_error_findings, to_findings
    from scanner.iac.plan import load_plan

    checks = catalog.terraform_check_ids()
    if not checks or not _any_judged(checks, config):
        return []
    if progress:
        progress(f"Checkov built-in checks: {plan or config.root}")
    if plan is not None:
        output = checkov_run.run_plan(plan, checks)
        facts = load_plan(plan)
        output.index.attribute(catalog.parents, facts.references)
    else:
        root = Path(config.root)
        oversize = {f.file for f in config.parse_failures if _too_large(f.file)}
        if oversize:  # Checkov would parse them whole (gigabytes): give it the files pacscan read instead
            readable = [Path(f) for f in config.files if f not in oversize and f.endswith((".tf", ".tf.json"))]
            output = checkov_run.run_files(readable, checks)
        elif root.is_dir():
            output = checkov_run.run_directory(root, checks)
        else:
            output = checkov_run.run_files([root], checks)
        output.index.attribute(catalog.parents)
        facts = None
    scope = ImagingScope.from_parameter(parameters["imaging_data"])
    findings = to_findings(catalog, output, source, scope, facts, _Knowledge(config).unknown_of)
    ours = {os.path.realpath(f.file) for f in config.parse_failures}
    missed = [ParseFailure(f, None, "Checkov could not parse it: its built-in checks did not run")
              for f in output.parse_errors if os.path.realpath(f) not in ours]
    judged = [c for c in catalog.controls if c.terraform_checks]
    return findings + parse_error_findings(catalog, missed, source, judged)


def _too_large(file: str) -> bool:
    try:
        return too_large(os.path.getsize(file)) is not None
    except OSError:
        return False


def _any_judged(checks: Sequence[str], config: TfConfiguration) -> bool:
    from scanner.iac import checkov_run

    types = checkov_run.supported_types(checks)
    return "*" in types or any(i.type in types for i in config.instances)


class _Knowledge:
    """What pacscan's evaluator knows of each instance, by Checkov's resource address."""

    def __init__(self, config: TfConfiguration) -> None:
        self.by_address: dict[str, list[TfInstance]] = {}
        for instance in config.instances:
            self.by_address.setdefault(instance.address, []).append(instance)
            base = instance.address.split(_INSTANCE_KEY_SUFFIX, 1)[0]
            if base != instance.address:
                self.by_address.setdefault(base, []).append(instance)

    def unknown_of(self, record: Any) -> str | None:
        instances = self.by_address.get(record.address) or self.by_address.get(
            record.address.split(_INSTANCE_KEY_SUFFIX, 1)[0], [])
        for instance in instances:
            if instance.exists is not None:
                return f"whether {instance.address} exists is not known: {instance.exists.reason}"
            for key in record.evaluated_keys:
                unknown = _unknown_at(instance.attrs, key)
                if unknown is not None:
                    return f"{instance.address}.{key.replace('/', '.')}: {unknown.reason}"
        return None


def _decisive(unknown: Unknown | None) -> Unknown | None:
    """An unknown that Checkov's verdict cannot have seen through. A resource's own attribute known
    only after apply (``aws_kms_key.k.arn``) will hold a value of that resource: checks that only
    ask whether something is set judge it right, and Checkov sees the reference, never a value a
    comparison could wrongly match. Anything else (a variable with no value, an iterator, a
    template around an unknown) is decisive."""
    if unknown is None or (unknown.symbol and "${" not in unknown.symbol and not unknown.error):
        return None
    return unknown


def _unknown_at(attrs: Mapping[str, Any], key: str) -> Unknown | None:
    return _decisive(_first_unknown_at(attrs, key))


def _first_unknown_at(attrs: Mapping[str, Any], key: str) -> Unknown | None:
    """The first unknown at or under a Checkov evaluated key (``a/b/0/c``, ``a/[0]/c``)."""
    node: Any = attrs
    for raw in key.split("/"):
        if isinstance(node, Unknown):
            return node
        part = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
        if isinstance(node, list):
            if not part.isdigit():
                node = node[0] if len(node) == 1 else None
                if node is None:
                    return None
                node = node.get(part) if isinstance(node, Mapping) else None
                continue
            index = int(part)
            unseen = [item for item in node[: index + 1] if isinstance(item, Unknown)]
            if unseen:
                return unseen[0]
            node = node[index] if index < len(node) else None
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
        if node is None:
            return None
    return next((u for u in unknowns(node) if _decisive(u) is not None), None)
