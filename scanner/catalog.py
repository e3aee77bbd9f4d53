"""Load the control catalog: ``rules.yaml`` and the ``rules/*.yaml`` files it includes.

Everything is validated here, once, against ``schemas/catalog.schema.json`` and for
cross-file consistency (unique ids, mappings that name real controls); errors name the file
and line. What leaves this module is immutable.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from scanner import vcache, yamlfile
from scanner.engine.rules import Rule, parameters_used, parse_rule
from scanner.errors import CatalogError
from scanner.facts.schema import KindSchema, parse_kind, undeclared_parents
from scanner.models import (
    PROVIDERS,
    CheckId,
    Citation,
    Control,
    ControlId,
    Evaluation,
    ProviderFix,
    Remediation,
    Safeguard,
    Severity,
)

#: the parameter that says which storage holds imaging data (read by scanner.scope)
SCOPE_PARAMETER = "imaging_data"


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    schema: Mapping[str, Any]
    default: Any


@dataclass(frozen=True)
class ParentLink:
    """A Terraform resource type that configures another one (``aws_s3_bucket_versioning``
    configures the ``aws_s3_bucket`` named in its ``bucket`` attribute)."""

    child_type: str
    parent_types: tuple[str, ...]
    via: str
    match: str | None = None


@dataclass(frozen=True)
class Catalog:
    path: Path
    sha256: str
    parameters: Mapping[str, Parameter]
    controls: tuple[Control, ...]
    parents: Mapping[str, ParentLink] = field(default_factory=dict)
    #: the rules, one set for Terraform and live clouds
    rules: tuple[Rule, ...] = ()
    #: resource kind -> its fact schema
    kinds: Mapping[str, KindSchema] = field(default_factory=dict)

    def rules_for(self, provider: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.provider == provider)

    def rules_by_control(self) -> Mapping[str, tuple[Rule, ...]]:
        out: dict[str, list[Rule]] = {}
        for rule in self.rules:
            for control in rule.controls:
                out.setdefault(control, []).append(rule)
        return {k: tuple(v) for k, v in out.items()}

    def probes_judging(self, control: Control) -> tuple[str, ...]:
        """The inputs in ``control.probed_by`` that some rule of this catalog lets judge it (a rule
        mapping the control over a kind the input produces)."""
        return tuple(p for p in control.probed_by
                     if any(control.id in r.controls and p in self.kinds[r.resource].produced_by for r in self.rules))

    def control(self, control_id: str) -> Control:
        for control in self.controls:
            if control.id == control_id:
                return control
        raise KeyError(control_id)

    def defaults(self) -> dict[str, Any]:
        return {name: p.default for name, p in self.parameters.items()}

    def terraform_check_ids(self) -> tuple[CheckId, ...]:
        seen: dict[CheckId, None] = {}
        for control in self.controls:
            for check in control.terraform_checks:
                seen[check] = None
        return tuple(seen)

    def controls_for_check(self) -> Mapping[CheckId, tuple[ControlId, ...]]:
        out: dict[CheckId, list[ControlId]] = {}
        for control in self.controls:
            for check in control.terraform_checks:
                out.setdefault(check, []).append(control.id)
        return {k: tuple(v) for k, v in out.items()}


@cache
def _schema_bytes() -> bytes:
    return resources.files("scanner").joinpath("schemas/catalog.schema.json").read_bytes()


def catalog_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_schema_bytes())
    return schema


def default_catalog_path() -> Path:
    """rules.yaml beside the package (a source checkout or editable install), else the copy
    installed under ``<prefix>/share/pacscan``."""
    here = Path(__file__).resolve().parent.parent / "rules.yaml"
    if here.is_file():
        return here
    return Path(sys.prefix) / "share" / "pacscan" / "rules.yaml"


def load_catalog(path: Path | None = None) -> Catalog:
    root_path = path or default_catalog_path()
    root = _load_part(root_path, is_root=True)
    digest = hashlib.sha256()
    _digest(digest, root)
    parameters = _parameters(root)
    parts = [root]
    for index, rel in enumerate(root.data.get("include", [])):
        try:
            include_path = (root_path.parent / rel).resolve()
        except (OSError, RuntimeError):  # a symlink loop
            raise root.error(f"include: {rel}: cannot be resolved (symlink loop?)", ("include", index),
                             CatalogError) from None
        if not include_path.is_file():
            raise root.error(f"include: {rel}: file not found", ("include", index), CatalogError)
        part = _load_part(include_path, is_root=False)
        for key in ("parameters", "include", "schema_version"):
            if key in part.data:
                raise part.error(f"{key}: only allowed in the catalog root", (key,), CatalogError)
        _digest(digest, part)
        parts.append(part)
    controls = _controls(parts)
    checks = _terraform_checks(parts, controls)
    final = tuple(
        Control(**{**c.__dict__, "terraform_checks": tuple(checks.get(c.id, ()))}) for c in controls
    )
    for control in final:
        if control.evaluation is Evaluation.ATTESTATION and control.terraform_checks:
            raise CatalogError(f"{control.id}: an attestation control cannot map Terraform checks",
                               path=str(root_path))
        if control.evaluation is Evaluation.AUTOMATED and control.probed_by:
            raise CatalogError(f"{control.id}: probed_by is for attestation controls (an automated control's "
                               "rules judge it in every scan)", path=str(root_path))
    kinds = _kinds(parts)
    rules = _rules(parts, {c.id: c for c in final}, set(parameters), kinds)
    return Catalog(
        path=root_path,
        sha256=digest.hexdigest(),
        parameters=MappingProxyType(parameters),
        controls=tuple(replace(c, parameters=_parameters_read(c.id, rules, kinds, parameters)) for c in final),
        parents=MappingProxyType(_parents(parts)),
        rules=rules,
        kinds=MappingProxyType(kinds),
    )


def _parameters_read(control_id: str, rules: tuple[Rule, ...], kinds: Mapping[str, KindSchema],
                     declared: Mapping[str, Parameter]) -> tuple[str, ...]:
    """The parameters a control's rules read, in declaration order: those named in a rule's
    ``when``/``check``, and ``imaging_data`` when a rule judges storage the scope selects."""
    used: set[str] = set()
    for rule in rules:
        if control_id not in rule.controls:
            continue
        used.update(parameters_used(rule.check), parameters_used(rule.when))
        kind = kinds[rule.resource]
        if kind.storage and not kind.always_imaging:
            used.add(SCOPE_PARAMETER)
    return tuple(name for name in declared if name in used)


def _load_part(path: Path, *, is_root: bool) -> yamlfile.Document:
    """Read one catalog file and check it on its own: the schema, and for the root its
    parameters. Bytes that passed these checks before are not checked again (``vcache``)."""
    doc = yamlfile.load(path, CatalogError)
    if not isinstance(doc.data, dict):
        raise doc.error("expected a mapping at the top level", (), CatalogError)
    marker = vcache.key("catalog-root" if is_root else "catalog-part", _schema_bytes(), doc.raw)
    if vcache.seen(marker):
        return doc
    yamlfile.validate(doc, catalog_schema(), CatalogError)
    _check_check_ids(doc)
    if is_root:
        if "parameters" not in doc.data or "schema_version" not in doc.data:
            raise doc.error("a catalog root needs `schema_version` and `parameters`", (), CatalogError)
        _check_parameters(doc)
    vcache.remember(marker)
    return doc


def _check_check_ids(doc: yamlfile.Document) -> None:
    """Every mapped Checkov check id exists in the installed Checkov: a misspelt id would otherwise
    never run and its control would never fail."""
    mapped = doc.data.get("terraform", {}).get("checks", {})
    if not mapped:
        return
    from scanner.iac.builtin_checks import known_check_ids

    known = known_check_ids()
    for control_id, ids in mapped.items():
        for position, check in enumerate(ids):
            if check not in known:
                raise doc.error(f"terraform.checks.{control_id}: {check} is not a check id of the installed "
                                f"Checkov nor of pacscan's policies", ("terraform", "checks", control_id, position),
                                CatalogError)


def _digest(digest: Any, doc: yamlfile.Document) -> None:
    digest.update(doc.path.name.encode())
    digest.update(b"\0")
    digest.update(doc.raw)
    digest.update(b"\0")


def _check_parameters(root: yamlfile.Document) -> None:
    """Every parameter's schema is a valid JSON Schema and its default satisfies it."""
    import jsonschema

    for name, spec in root.data["parameters"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(spec["schema"])
            jsonschema.validate(spec["default"], spec["schema"])
        except jsonschema.SchemaError as err:
            raise root.error(f"parameters.{name}.schema: {err.message}",
                             ("parameters", name, "schema"), CatalogError) from None
        except jsonschema.ValidationError as err:
            raise root.error(f"parameters.{name}.default: {err.message}",
                             ("parameters", name, "default"), CatalogError) from None


def _parameters(root: yamlfile.Document) -> dict[str, Parameter]:
    return {name: Parameter(name, spec["description"], MappingProxyType(spec["schema"]), spec["default"])
            for name, spec in root.data["parameters"].items()}


def _controls(parts: list[yamlfile.Document]) -> list[Control]:
    seen: set[str] = set()
    out: list[Control] = []
    for doc in parts:
        for index, raw in enumerate(doc.data.get("controls", [])):
            if raw["id"] in seen:
                raise doc.error(f"controls[{index}].id: duplicate control id {raw['id']}",
                                ("controls", index, "id"), CatalogError)
            seen.add(raw["id"])
            out.append(_control(raw))
    return out


def _control(raw: dict[str, Any]) -> Control:
    rem = raw["remediation"]
    return Control(
        id=ControlId(raw["id"]),
        title=raw["title"],
        safeguard=Safeguard(raw["safeguard"]),
        evaluation=Evaluation(raw["evaluation"]),
        citations=tuple(Citation(c["section"], c["title"], c["specification"]) for c in raw["citations"]),
        severity=Severity(raw["severity"]),
        rationale=raw["rationale"].strip(),
        remediation=Remediation(rem["text"].strip(), rem.get("terraform"), rem.get("cli"), providers=tuple(
            ProviderFix(p, rem[p]["text"].strip(), rem[p].get("terraform"), rem[p].get("cli"))
            for p in PROVIDERS if p in rem)),
        references=tuple(raw.get("references", ())),
        probed_by=tuple(raw.get("probed_by", ())),
    )


def _terraform_checks(parts: list[yamlfile.Document], controls: list[Control]) -> dict[str, list[CheckId]]:
    known = {c.id for c in controls}
    out: dict[str, list[CheckId]] = {}
    for doc in parts:
        for control_id, ids in doc.data.get("terraform", {}).get("checks", {}).items():
            if control_id not in known:
                raise doc.error(f"terraform.checks: unknown control id {control_id}",
                                ("terraform", "checks", control_id), CatalogError)
            bucket = out.setdefault(control_id, [])
            bucket.extend(CheckId(i) for i in ids if i not in bucket)
    return out


def _kinds(parts: list[yamlfile.Document]) -> dict[str, KindSchema]:
    out: dict[str, KindSchema] = {}
    for doc in parts:
        for kind, raw in doc.data.get("kinds", {}).items():
            if kind in out:
                raise doc.error(f"kinds.{kind}: declared twice", ("kinds", kind), CatalogError)
            schema = parse_kind(kind, raw)
            for key in undeclared_parents(schema):
                raise doc.error(f"kinds.{kind}.facts.{key}: its parent key is not declared",
                                ("kinds", kind, "facts", key), CatalogError)
            out[kind] = schema
    return out


def _rules(parts: list[yamlfile.Document], controls: Mapping[str, Control], parameters: set[str],
           kinds: Mapping[str, KindSchema]) -> tuple[Rule, ...]:
    """Every rule, checked against the catalog: known controls and parameters, a declared kind,
    and only fact keys that kind's schema declares (a misspelt key would otherwise read as
    "not collected" forever and the control would never fail)."""
    seen: set[str] = set()
    out: list[Rule] = []
    for doc in parts:
        for index, raw in enumerate(doc.data.get("rules", [])):
            where: tuple[str | int, ...] = ("rules", index)
            if raw["id"] in seen:
                raise doc.error(f"rules[{index}].id: duplicate rule id {raw['id']}", (*where, "id"), CatalogError)
            seen.add(raw["id"])
            for position, control in enumerate(raw["controls"]):
                if control not in controls:
                    raise doc.error(f"rules[{index}].controls: unknown control id {control}",
                                    (*where, "controls", position), CatalogError)
            for name in parameters_used(raw):
                if name not in parameters:
                    raise doc.error(f"rules[{index}]: unknown parameter {name!r}", where, CatalogError)
            rule = parse_rule(raw, f"{doc.path.name}:{doc.line_of(where)}")
            schema = kinds.get(rule.resource)
            if schema is None:
                raise doc.error(f"rules[{index}].resource: no input produces resource kind {rule.resource!r} "
                                f"(no fact schema declares it under `kinds`)", (*where, "resource"), CatalogError)
            for key in (*rule.reads(), *rule.evidence, *rule.digest):
                if not schema.declares(key):
                    raise doc.error(f"rules[{index}] ({rule.id}): fact key {key!r} is not in the fact schema of "
                                    f"{rule.resource}", where, CatalogError)
            for control_id in rule.controls:
                _check_judges(doc, index, rule, controls[control_id], schema)
            out.append(rule)
    return tuple(out)


def _check_judges(doc: yamlfile.Document, index: int, rule: Rule, control: Control, schema: KindSchema) -> None:
    """A rule may judge an attestation control only over kinds that inputs named in the control's
    ``probed_by`` produce: a Terraform or cloud finding must never replace an attestation."""
    if control.evaluation is not Evaluation.ATTESTATION:
        return
    others = [s for s in schema.produced_by if s not in control.probed_by]
    if others:
        raise doc.error(f"rules[{index}] ({rule.id}): {control.id} is an attestation control; only the inputs in its "
                        f"probed_by ({', '.join(control.probed_by) or 'none'}) may judge it, but {rule.resource} is "
                        f"also produced by {', '.join(others)}", ("rules", index, "controls"), CatalogError)


def _parents(parts: list[yamlfile.Document]) -> dict[str, ParentLink]:
    out: dict[str, ParentLink] = {}
    for doc in parts:
        for child, spec in doc.data.get("terraform", {}).get("parents", {}).items():
            if child in out:
                raise doc.error(f"terraform.parents: {child} declared twice",
                                ("terraform", "parents", child), CatalogError)
            out[child] = ParentLink(child, tuple(spec["parent"]), spec["via"], spec.get("match"))
    return out
