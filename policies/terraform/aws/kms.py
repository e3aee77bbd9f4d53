"""Terraform -> ``aws.kms.key`` (``aws_kms_key``), and who manages a key a setting names.

``aws_kms_key`` facts, as the live collector reads them from DescribeKey / GetKeyRotationStatus
(provider defaults where an argument is absent): ``key_manager`` CUSTOMER (a Terraform-managed key
is always the customer's), ``state`` Enabled/Disabled (``is_enabled``, default true), ``key_spec``
(``customer_master_key_spec``, default SYMMETRIC_DEFAULT), ``key_usage`` (default ENCRYPT_DECRYPT),
``origin`` AWS_KMS, or AWS_CLOUDHSM / EXTERNAL_KEY_STORE for a key in a custom key store
(``custom_key_store_id``, ``xks_key_id``), ``multi_region`` (default false), ``rotation``
``{enabled: enable_key_rotation (default false), period_days: rotation_period_in_days (365 when
rotation is on)}``, None where AWS cannot rotate the key (not symmetric, not AWS_KMS), as live.

:func:`customer_managed` answers, for a key id/ARN/alias a setting names (``kms_master_key_id``),
whether it is a customer-managed key: ``alias/aws/*`` (name or alias ARN) is AWS-managed; any other
literal is the customer's (a customer alias cannot point at an AWS-managed key); a reference to an
``aws_kms_key``/``aws_kms_alias`` (or replica/external key) resource is the customer's, decided from
the reference (the unknown value's symbol; in a plan, where every variable is known, the argument's
references), not the value known only after apply; a ``data.aws_kms_key``/``data.aws_kms_alias``
looked up by an ``alias/aws/...`` name is AWS-managed; anything else is unknown (a value computed from
a reference and a variable nobody set, ``coalesce(var.key, aws_kms_key.k.arn)``, included).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policies.terraform.attrs import arg, resource, where
from policies.terraform.index import Index, config_address
from scanner.facts.logic import Truth, agree
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

KEY = "aws.kms.key"
#: managed resources whose id/ARN (or alias) is always a customer-managed key
_CUSTOMER_KEYS = frozenset({"aws_kms_key", "aws_kms_replica_key", "aws_kms_external_key",
                            "aws_kms_replica_external_key", "aws_kms_alias"})
#: data sources, and the argument naming the key they look up
_LOOKUPS = {"aws_kms_key": "key_id", "aws_kms_alias": "name"}


def normalise_keys(index: Index) -> Iterator[Resource]:
    for key in index.of_type("aws_kms_key"):
        yield _key(key)


def _key(key: TfInstance) -> Resource:
    attrs = key.attrs
    spec = arg(attrs, "customer_master_key_spec", "SYMMETRIC_DEFAULT")
    store = arg(attrs, "custom_key_store_id")
    origin: Any = "AWS_KMS"
    if isinstance(store, Unknown):
        origin = Unknown(f"custom_key_store_id: {store.reason}", store.origin, store.error)
    elif store is not None:
        origin = "EXTERNAL_KEY_STORE" if arg(attrs, "xks_key_id") is not None else "AWS_CLOUDHSM"
    enabled = arg(attrs, "is_enabled", True)
    facts: dict[str, Any] = {
        "key_manager": "CUSTOMER",
        "state": enabled if isinstance(enabled, Unknown) else ("Enabled" if enabled in (True, "true") else "Disabled"),
        "key_spec": spec,
        "key_usage": arg(attrs, "key_usage", "ENCRYPT_DECRYPT"),
        "origin": origin,
        "multi_region": arg(attrs, "multi_region", False),
        "rotation": _rotation(attrs, spec, origin),
        "tags": arg(attrs, "tags", {}),
    }
    traced = {"rotation": ("enable_key_rotation", "rotation_period_in_days", "customer_master_key_spec"),
              "key_spec": ("customer_master_key_spec",), "origin": ("custom_key_store_id", "xks_key_id"),
              "state": ("is_enabled",), "tags": ("tags",)}
    origins = dict.fromkeys(facts, f"{key.address} ({where(key)})")
    return resource(KEY, key, facts, tags=facts["tags"], origins=origins, traced=traced)


def _rotation(attrs: Any, spec: Any, origin: Any) -> Any:
    """As live: None where AWS cannot rotate the key; unknown where that cannot be told."""
    rotatable: list[Truth] = [spec if isinstance(spec, Unknown) else spec == "SYMMETRIC_DEFAULT",
                              origin if isinstance(origin, Unknown) else origin == "AWS_KMS"]
    if False in rotatable:
        return None
    enabled = arg(attrs, "enable_key_rotation", False)
    period = arg(attrs, "rotation_period_in_days")
    value = {"enabled": enabled, "period_days": period if period is not None else (365 if enabled is True else None)}
    unseen = [r for r in rotatable if isinstance(r, Unknown)]
    if unseen:
        return Unknown(f"whether AWS can rotate this key is not known: {unseen[0].reason}", unseen[0].origin,
                       candidates=(None, value))
    return value


# --- who manages a key a setting names -----------------------------------------------------------


def aws_managed_name(value: str) -> bool:
    """``alias/aws/...`` or an alias ARN ``arn:...:alias/aws/...``: an AWS-managed key."""
    text = value.strip()
    return text.startswith("alias/aws/") or (text.startswith("arn:") and ":alias/aws/" in text)


def customer_managed(index: Index, instance: TfInstance, argument: str, value: Any) -> Any:
    """True / False / Unknown: is the key ``value`` (an argument of ``instance``, under the
    top-level ``argument``) customer-managed? None or ``""`` is no key (False: the AWS-managed
    default key of the service)."""
    if value is None or value == "":
        return False
    if isinstance(value, str):
        return not aws_managed_name(value)
    if not isinstance(value, Unknown):
        return Unknown(f"not a KMS key id: {str(value)[:60]}")
    if value.candidates:
        answers = [customer_managed(index, instance, argument, c) for c in value.candidates]
        return agree([a if isinstance(a, bool | Unknown) else Unknown("not a key") for a in answers], value)
    if instance.input == "terraform-plan":
        # a plan knows every variable: what is still unknown comes from the resources referred to
        # (its unknowns name the attribute itself, not what it was computed from)
        found = [index.get(ref) or _first(index, ref) for ref in instance.refs.get(argument, ())]
        answers = [_manages(index, f, value) for f in found if f is not None]
        if found and len(answers) == len(found):
            return agree(answers, value)
    elif value.symbol:
        return _by_symbol(index, value)
    # from a folder, a value without a symbol may mix a reference with a variable nobody set
    # (coalesce(var.key, aws_kms_key.k.arn), a conditional): the references do not decide it
    return Unknown(f"who manages the KMS key cannot be told: {value.reason}", value.origin, value.error)


def _first(index: Index, ref: str) -> TfInstance | None:
    matches = [i for i in index.config.instances if config_address(i.address) == ref]
    return matches[0] if len(matches) == 1 else None


def _by_symbol(index: Index, value: Unknown) -> Truth:
    symbol = value.symbol or ""
    if symbol.startswith("alias/aws/") or ":alias/aws/" in symbol:
        return False
    address, _, _attribute = symbol.rpartition(".")
    found = index.get(address) if "${" not in symbol else None
    if found is None:
        return Unknown(f"who manages the KMS key cannot be told: {value.reason}", value.origin, value.error)
    return _manages(index, found, value)


def _manages(index: Index, found: TfInstance, value: Unknown) -> Truth:
    """Is the key ``found`` (a resource or data source the value was computed from) the customer's?"""
    if found.mode == "managed" and found.type in _CUSTOMER_KEYS:
        return True
    lookup = _LOOKUPS.get(found.type) if found.mode == "data" else None
    if lookup is not None:
        name = found.attrs.get(lookup)
        if isinstance(name, str) and aws_managed_name(name):
            return False
        return Unknown(f"{found.address} looks the key up in the account: whether it is customer-managed is "
                       f"known only there ({lookup} = {name if isinstance(name, str) else 'unknown'})",
                       value.origin)
    return Unknown(f"the key comes from {found.address}: who manages it cannot be told: {value.reason}",
                   value.origin, value.error)
