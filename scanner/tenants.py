"""``tenants.yaml``: the clients an MSP scans with ``pacscan cloud --tenants``.

    tenants:
      - name: bright-smiles                 # lowercase slug: the evidence file is <name>.json
        tags: {tier: gold, region: midwest}
        parameters:                          # per-client overrides of catalog parameters
          min_retention_days: 3650
          imaging_data: {tags: {data: dicom}}
        aws:
          role_arn: arn:aws:iam::111111111111:role/PacscanReadOnly
          external_id_env: BRIGHT_SMILES_EXTERNAL_ID   # or external_id: <literal> (not a secret)
          regions: [us-east-1]
      - name: elm-endo
        aws:
          profile: elm-endo-audit            # management account credentials
          organizations: {role_name: PacscanReadOnly}   # every ACTIVE member account
        azure:
          tenant: elm-endo.onmicrosoft.com
          subscriptions: [00000000-0000-0000-0000-000000000000]
          client_id_env: ELM_AZURE_CLIENT_ID
          client_secret_env: ELM_AZURE_SECRET
        gcp:
          projects: [elm-endo-imaging]
          key_file_env: ELM_GCP_KEY_FILE      # env var holding the key file's path; else ADC

Secrets never live in this file: credentials are referenced by environment variable name
(``*_env`` keys). A file holding a literal secret (a ``password``/``token``/``secret``/
``access_key`` key with a value, or any value shaped like an AWS access key id or secret key,
a PEM block, a JWT or an Azure client secret) is rejected with file, line and key; the value
is never echoed. Every other problem (schema, duplicate names, unknown parameters, values that
do not fit a parameter's schema) is an :class:`~scanner.errors.InputError` naming file and line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner import yamlfile
from scanner.attestations import evaluate_attestations
from scanner.catalog import Catalog
from scanner.errors import InputError
from scanner.models import Finding

__all__ = [
    "AwsAccess",
    "AzureAccess",
    "GcpAccess",
    "Organizations",
    "Tenant",
    "TenantsError",
    "load_tenants",
]


class TenantsError(InputError):
    """The tenants file is malformed, holds a secret, or overrides an unknown parameter."""


_ENV = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
_IDS = {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"type": "string", "minLength": 1}}
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["tenants"],
    "properties": {
        "tenants": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "anyOf": [{"required": ["aws"]}, {"required": ["azure"]}, {"required": ["gcp"]}],
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,62}$",
                             "not": {"enum": ["index", "manifest"]}},
                    "tags": {"type": "object", "additionalProperties": {"type": "string"}},
                    "parameters": {"type": "object"},
                    "attestations": {"type": "string", "minLength": 1,
                                     "description": "this client's attestations.yaml (relative to tenants.yaml)"},
                    "aws": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "profile": {"type": "string", "minLength": 1},
                            "role_arn": {"type": "string", "pattern": r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$"},
                            "external_id": {"type": "string", "minLength": 2, "maxLength": 1224},
                            "external_id_env": _ENV,
                            "regions": _IDS,
                            "organizations": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["role_name"],
                                "properties": {
                                    "role_name": {"type": "string", "pattern": r"^[\w+=,.@/-]{1,512}$"},
                                    "skip_accounts": {"type": "array", "uniqueItems": True,
                                                      "items": {"type": "string", "pattern": r"^\d{12}$"}},
                                },
                            },
                        },
                        "not": {"required": ["external_id", "external_id_env"]},
                    },
                    "azure": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "tenant": {"type": "string", "minLength": 1},
                            "subscriptions": _IDS,
                            "client_id_env": _ENV,
                            "client_secret_env": _ENV,
                            "certificate_path_env": _ENV,
                            "certificate_password_env": _ENV,
                        },
                    },
                    "gcp": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["projects"],
                        "properties": {"projects": _IDS, "key_file_env": _ENV},
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class Organizations:
    role_name: str
    skip_accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class AwsAccess:
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None  # literal (an external id is not a secret)
    external_id_env: str | None = None
    regions: tuple[str, ...] = ()
    organizations: Organizations | None = None


@dataclass(frozen=True)
class AzureAccess:
    tenant: str | None = None
    subscriptions: tuple[str, ...] = ()
    client_id_env: str | None = None
    client_secret_env: str | None = None
    certificate_path_env: str | None = None
    certificate_password_env: str | None = None


@dataclass(frozen=True)
class GcpAccess:
    projects: tuple[str, ...]
    key_file_env: str | None = None


@dataclass(frozen=True)
class Tenant:
    name: str
    line: int | None = None  # where the entry starts in the file, for messages
    tags: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)  # validated overrides only
    #: this client's attestations, already evaluated (attested / expired / missing per control)
    attested: tuple[Finding, ...] | None = None
    aws: AwsAccess | None = None
    azure: AzureAccess | None = None
    gcp: GcpAccess | None = None

    @property
    def clouds(self) -> tuple[str, ...]:
        return tuple(c for c, v in (("aws", self.aws), ("azure", self.azure), ("gcp", self.gcp)) if v is not None)


def load_tenants(path: Path, catalog: Catalog, today: dt.date | None = None) -> tuple[Tenant, ...]:
    """Read, check for secrets, validate and build the tenants (in file order)."""
    doc = yamlfile.load(path, TenantsError)
    if doc.data is None:
        raise TenantsError("empty file: expected `tenants:` with at least one entry", path=str(path))
    reject_secrets(doc)
    yamlfile.validate(doc, _SCHEMA, TenantsError)
    tenants: list[Tenant] = []
    seen: set[str] = set()
    for i, raw in enumerate(doc.data["tenants"]):
        where = ("tenants", i, "name")
        if raw["name"] in seen:
            raise doc.error(f"tenants[{i}].name: tenant {raw['name']!r} is listed twice", where, TenantsError)
        seen.add(raw["name"])
        _check_parameters(doc, catalog, i, raw.get("parameters") or {})
        tenant = _tenant(raw, doc.line_of(("tenants", i)))
        if raw.get("attestations"):
            attestations = path.parent / raw["attestations"]
            tenant = dataclasses.replace(
                tenant, attested=evaluate_attestations(catalog.controls, attestations,
                                                       today or dt.datetime.now(dt.UTC).date()))
        tenants.append(tenant)
    return tuple(tenants)


def _check_parameters(doc: yamlfile.Document, catalog: Catalog, index: int, overrides: Mapping[str, Any]) -> None:
    import jsonschema

    for name, value in overrides.items():
        where = ("tenants", index, "parameters", name)
        key = f"tenants[{index}].parameters.{name}"
        if name not in catalog.parameters:
            known = ", ".join(sorted(catalog.parameters))
            raise doc.error(f"{key}: unknown parameter (known: {known})", where, TenantsError)
        try:
            jsonschema.validate(value, dict(catalog.parameters[name].schema))
        except jsonschema.ValidationError as err:
            raise doc.error(f"{key}: {err.message}", where, TenantsError) from None


def _tenant(raw: Mapping[str, Any], line: int | None) -> Tenant:
    aws = raw.get("aws")
    azure = raw.get("azure")
    gcp = raw.get("gcp")
    return Tenant(
        name=raw["name"],
        line=line,
        tags=dict(raw.get("tags") or {}),
        parameters=dict(raw.get("parameters") or {}),
        aws=_aws(aws) if aws is not None else None,
        azure=AzureAccess(**{**azure, "subscriptions": tuple(azure.get("subscriptions", ()))})
        if azure is not None else None,
        gcp=GcpAccess(projects=tuple(gcp["projects"]), key_file_env=gcp.get("key_file_env"))
        if gcp is not None else None,
    )


def _aws(raw: Mapping[str, Any]) -> AwsAccess:
    org = raw.get("organizations")
    return AwsAccess(
        profile=raw.get("profile"),
        role_arn=raw.get("role_arn"),
        external_id=raw.get("external_id"),
        external_id_env=raw.get("external_id_env"),
        regions=tuple(raw.get("regions", ())),
        organizations=Organizations(org["role_name"], tuple(org.get("skip_accounts", ())))
        if org is not None else None,
    )


# --- secrets -------------------------------------------------------------------------------------

#: key names that hold a secret when given a literal value (``*_env`` names a variable instead)
_SECRET_KEY = re.compile(
    r"(^|_)(secret|secrets|password|passwd|passphrase|token|credentials?|access_key|secret_key|private_key|"
    r"api_key|apikey|client_secret|session_token|key_material|connection_string)$", re.IGNORECASE)
_SECRET_VALUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an AWS access key id", re.compile(r"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}\b")),
    ("a private key or certificate (PEM block)", re.compile(r"-----BEGIN [A-Z0-9 ]+-----")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")),
    ("an Azure client secret", re.compile(r"(?<![A-Za-z0-9~_.-])[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9~_.-]{31,34}"
                                          r"(?![A-Za-z0-9~_.-])")),
)
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def reject_secrets(doc: yamlfile.Document) -> None:
    """Raise naming file, line and key for the first literal secret; never echo the value."""
    for path, key, value in _scalars(doc.data, ()):
        what = _secret_kind(key, value)
        if what is not None:
            dotted = ".".join(str(p) for p in path) or "(top level)"
            raise doc.error(f"{dotted}: looks like {what}; secrets must not be stored in this file "
                            "(name an environment variable with a *_env key instead)", path, TenantsError)


def _scalars(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """(path, key, value) for every scalar value, and for every mapping key itself."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = (*path, str(key))
            yield child, "", str(key)  # a secret pasted as a key
            if isinstance(value, dict | list):
                yield from _scalars(value, child)
            else:
                yield child, str(key), value
    elif isinstance(node, list):
        for i, item in enumerate(node):
            last = path[-1] if path else ""
            if isinstance(item, dict | list):
                yield from _scalars(item, (*path, i))
            else:
                yield (*path, i), str(last), item


def _secret_kind(key: str, value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if key and not key.lower().endswith("_env") and _SECRET_KEY.search(key) and str(value).strip():
        return f"a literal secret under key {key!r}"
    if not isinstance(value, str):
        return None
    for what, pattern in _SECRET_VALUES:
        if pattern.search(value):
            return what
    for match in _AWS_SECRET.finditer(value):
        token = match.group(0)
        if any(c.islower() for c in token) and any(c.isupper() for c in token) and any(c.isdigit() for c in token):
            return "an AWS secret access key"
    return None
