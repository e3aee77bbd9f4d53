"""A Terraform plan (``terraform show -json``) as a :class:`~scanner.iac.tfmodel.TfConfiguration`.

Terraform has already evaluated everything a plan can know: ``planned_values`` holds each
instance's arguments after the change, and ``resource_changes[].change.after_unknown`` marks the
values Terraform will know only after apply, which become ``Unknown("known only after apply")``.
The ``configuration`` section records which resources each argument's expression referred to:
those become ``refs``, so a versioning resource whose ``bucket`` is still unknown in the plan is
still attributed to the bucket it names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfConfiguration, TfInstance

_KEYS = re.compile(r"\[[^\]]*\]")
_NOT_RESOURCES = ("var.", "local.", "each.", "count.", "path.", "terraform.", "self.", "module.")


def plan_configuration(path: Path, data: Mapping[str, Any]) -> TfConfiguration:
    unknown = {str(c.get("address")): (c.get("change") or {}).get("after_unknown") or {}
               for c in data.get("resource_changes") or []}
    refs: dict[str, dict[str, tuple[str, ...]]] = {}
    root_config = (data.get("configuration") or {}).get("root_module") or {}
    _config_refs(root_config, "", refs)
    planned = (data.get("planned_values") or {}).get("root_module") or {}
    instances = [_instance(path, raw, unknown.get(str(raw.get("address")), {}), refs)
                 for raw in _resources(planned)]
    return TfConfiguration(root=str(path), instances=tuple(instances), files=(str(path),))


def _resources(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from module.get("resources") or []
    for child in module.get("child_modules") or []:
        yield from _resources(child)


def _instance(path: Path, raw: Mapping[str, Any], after_unknown: Any,
              refs: Mapping[str, Mapping[str, tuple[str, ...]]]) -> TfInstance:
    address = str(raw["address"])
    module = address[: -len(_own_address(raw)) - 1] if address != _own_address(raw) else ""
    values = raw.get("values") or {}
    attrs = _merge_unknown(values, after_unknown, address)
    static = _KEYS.sub("", address)
    return TfInstance(
        address=address, mode="data" if raw.get("mode") == "data" else "managed", type=str(raw.get("type")),
        name=str(raw.get("name")), module=module, file=str(path), line_range=None,
        attrs=attrs if isinstance(attrs, dict) else {}, refs=refs.get(static, {}), input="terraform-plan",
    )


def _own_address(raw: Mapping[str, Any]) -> str:
    """``aws_s3_bucket.b["k"]`` (or ``data.x.y``) of an instance, without its module path."""
    own = f"{raw.get('type')}.{raw.get('name')}"
    if raw.get("mode") == "data":
        own = "data." + own
    index = raw.get("index")
    if isinstance(index, str):
        own += f'["{index}"]'
    elif isinstance(index, int):
        own += f"[{index}]"
    return own


def _merge_unknown(value: Any, unknown: Any, where: str) -> Any:
    """``value`` with every place ``after_unknown`` marks true replaced by an Unknown."""
    if unknown is True:
        return Unknown("known only after apply", where, symbol=where)
    if isinstance(unknown, Mapping):
        base = dict(value) if isinstance(value, Mapping) else {}
        for key, mark in unknown.items():
            base[key] = _merge_unknown(base.get(key), mark, f"{where}.{key}")
        return base
    if isinstance(unknown, list):
        items = list(value) if isinstance(value, list) else []
        items += [None] * (len(unknown) - len(items))
        pairs = enumerate(zip(items, unknown, strict=True))
        return [_merge_unknown(item, mark, f"{where}[{n}]") for n, (item, mark) in pairs]
    return value


def _config_refs(module: Mapping[str, Any], prefix: str, out: dict[str, dict[str, tuple[str, ...]]]) -> None:
    for resource in module.get("resources") or []:
        address = prefix + str(resource.get("address", ""))
        found: dict[str, tuple[str, ...]] = {}
        for argument, expression in (resource.get("expressions") or {}).items():
            addresses = tuple(dict.fromkeys(_resource_of(prefix, r) for r in _references(expression)))
            found[argument] = tuple(a for a in addresses if a)
        out[address] = found
    for name, call in (module.get("module_calls") or {}).items():
        _config_refs(call.get("module") or {}, f"{prefix}module.{name}.", out)


def _references(expression: Any) -> Iterator[str]:
    """Every reference under an expression (nested blocks included)."""
    if isinstance(expression, Mapping):
        for ref in expression.get("references") or []:
            yield str(ref)
        for key, value in expression.items():
            if key != "references":
                yield from _references(value)
    elif isinstance(expression, list):
        for item in expression:
            yield from _references(item)


def _resource_of(prefix: str, reference: str) -> str:
    """``aws_s3_bucket.b.id`` -> ``<prefix>aws_s3_bucket.b``; '' for a variable, local, module output."""
    if reference.startswith(_NOT_RESOURCES):
        return ""
    parts = reference.split(".")
    if parts[0] == "data":
        return prefix + ".".join(parts[:3]) if len(parts) >= 3 else ""
    if len(parts) < 2:
        return ""
    return prefix + ".".join(parts[:2])
