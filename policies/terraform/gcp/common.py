"""Reading the google provider's arguments: what an unset, computed or referenced value means.

* :func:`value`: the argument as the provider sees it, its documented default when absent. In a
  plan, an argument the configuration does not write (no expression for it) that the plan marks
  known only after apply is computed by the provider from its default: the default, known.
* :func:`identifier`: a value known only after apply that is certainly set: a reference to the
  ``id``, ``name`` or ``self_link`` of a resource (or data source) of the expected types, shown as
  the reference (``google_kms_crypto_key.images.id``). "Is a key configured" is then decided; the
  value itself stays the reference.
* :func:`as_list`: a list argument, ``[]`` when absent; unknown elements stay in place.
* :func:`made`: the ``origins`` and ``traced`` of facts taken from one instance's arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from policies.terraform.attrs import arg, where
from policies.terraform.index import Index, config_address
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

#: attributes of a Google resource that are never null once it exists
_IDENTIFYING = frozenset({"id", "name", "self_link"})


def value(instance: TfInstance, name: str, default: Any = None) -> Any:
    """``instance.<name>``, the provider's ``default`` when absent or null (or, in a plan, computed
    because the configuration does not set it)."""
    raw = instance.attrs.get(name)
    if isinstance(raw, Unknown) and unwritten(instance, name):
        return default
    return arg(instance.attrs, name, default)


def unwritten(instance: TfInstance, name: str) -> bool:
    """A plan's argument that the configuration does not write (its expressions are known)."""
    return instance.input == "terraform-plan" and bool(instance.refs) and name not in instance.refs


def identifier(index: Index, instance: TfInstance, argument: str, raw: Any, types: Iterable[str]) -> Any:
    """``raw`` (a value under ``instance.<argument>``), or, when it is known only after apply as a
    reference to an identifying attribute of a resource of ``types``, that reference as text."""
    if not isinstance(raw, Unknown) or raw.candidates or raw.error or raw.partial is not None:
        return raw
    wanted = tuple(types)
    referenced = index.referenced(instance, argument, *wanted)
    if not referenced:
        return raw
    if instance.input == "terraform-plan":  # the plan's unknown is the value of a written reference
        return f"{referenced[0].address} (known only after apply)"
    symbol = raw.symbol or ""
    head, _, attribute = symbol.rpartition(".")
    if attribute not in _IDENTIFYING:
        return raw
    addresses = {i.address for i in referenced} | {config_address(i.address) for i in referenced}
    addresses |= {"data." + a for a in addresses}
    if head in addresses or config_address(head) in addresses or any(a.endswith("." + head) for a in addresses):
        return symbol
    return raw


def as_list(raw: Any) -> Any:
    """A list argument: ``[]`` when absent; a set or tuple as a list; anything else as it is (the
    fact's type decides whether it is valid)."""
    if raw is None:
        return []
    if isinstance(raw, tuple | set | frozenset):
        return list(raw)
    return raw


def lower(raw: Any) -> Any:
    return raw.strip().lower() if isinstance(raw, str) else raw


def upper(raw: Any) -> Any:
    return raw.strip().upper() if isinstance(raw, str) else raw


def located(instance: TfInstance) -> str:
    return f"{instance.address} ({where(instance)})"


def made(instance: TfInstance, sources: Mapping[str, Iterable[str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(origins, traced) for facts computed from arguments of ``instance``: fact -> arguments."""
    origins = dict.fromkeys(sources, located(instance))
    traced = {fact: list(arguments) for fact, arguments in sources.items()}
    return origins, traced


def known_text(raw: Any) -> str | None:
    """A known, non-empty string, else None."""
    return raw if isinstance(raw, str) and raw else None


def labels(instance: TfInstance) -> Any:
    """A resource's labels; in a plan, ``terraform_labels`` (provider default labels included)."""
    if instance.input == "terraform-plan":
        merged = instance.attrs.get("terraform_labels")
        if isinstance(merged, Mapping):
            return merged
    own = instance.attrs.get("labels")
    return {} if own is None else own
