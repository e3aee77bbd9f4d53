"""A ``lifecycle_rule`` block of ``google_storage_bucket`` as the live ``lifecycle.rule`` item:
``{action: {type, storage_class}, condition: {age, days_since_custom_time, is_live, ...}}``.

The provider cannot tell 0 from unset for its integer conditions: ``age``,
``days_since_custom_time``, ``num_newer_versions`` and ``days_since_noncurrent_time`` of 0 are
sent only when the matching ``send_..._if_zero`` is true (default false; for ``age`` the default
changed between provider versions, so ``age = 0`` without ``send_age_if_zero`` is 0 or unset).
Empty date strings are unset. ``with_state`` is ``is_live``: ``LIVE`` true, ``ARCHIVED`` false,
``ANY`` unset. A Delete rule matching by date only has an unknown age
(:func:`scanner.gcs.date_only_age`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import block
from scanner.facts.values import Unknown
from scanner.gcs import date_only_age

#: integer conditions -> their send-if-zero flag and its default (None: the default depends on the version)
_ZERO_FLAGS: dict[str, tuple[str, bool | None]] = {
    "age": ("send_age_if_zero", None),
    "days_since_custom_time": ("send_days_since_custom_time_if_zero", False),
    "num_newer_versions": ("send_num_newer_versions_if_zero", False),
    "days_since_noncurrent_time": ("send_days_since_noncurrent_time_if_zero", False),
}
_DATES = ("created_before", "custom_time_before", "noncurrent_time_before")
_STATES = {"LIVE": True, "ARCHIVED": False, "ANY": None, "": None}


def lifecycle_rule(raw: Any) -> Any:
    if isinstance(raw, Unknown):
        return Unknown(raw.reason, raw.origin, raw.error, raw.candidates, True)
    if not isinstance(raw, Mapping):
        return Unknown(f"not a lifecycle_rule block: {raw!r}")
    action = block(raw, "action")
    if isinstance(action, Mapping):
        action_facts: Any = {"type": action.get("type"), "storage_class": action.get("storage_class")}
    else:
        action_facts = action if isinstance(action, Unknown) else {"type": None, "storage_class": None}
    found = block(raw, "condition")
    if isinstance(found, Unknown):
        return {"action": action_facts, "condition": found}
    condition = conditions(found or {})
    action_type = action_facts.get("type") if isinstance(action_facts, Mapping) else None
    undated = date_only_age(action_type, condition)
    if undated is not None:
        condition["age"] = undated
    return {"action": action_facts, "condition": condition}


def conditions(raw: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (flag, default) in _ZERO_FLAGS.items():
        out[name] = _number(raw.get(name), raw.get(flag), default, name)
    for name in _DATES:
        text = raw.get(name)
        out[name] = None if text == "" else text
    out["is_live"] = _is_live(raw)
    return out


def _number(raw: Any, send: Any, default: bool | None, name: str) -> Any:
    if isinstance(raw, bool | Unknown) or raw != 0:
        return raw
    flag = default if send is None else send
    if flag is True:
        return 0
    if flag is False:
        return None
    if isinstance(flag, Unknown):
        return Unknown(f"{name} = 0 is sent only if its send_{name}_if_zero is true: {flag.reason}",
                       flag.origin, candidates=(0, None))
    return Unknown(f"{name} = 0 without send_{name}_if_zero: sent or not depending on the provider version",
                   candidates=(0, None))


def _is_live(raw: Mapping[str, Any]) -> Any:
    state = raw.get("with_state")
    if isinstance(state, Unknown):
        return state
    if isinstance(state, str) and state.upper() in _STATES:
        return _STATES[state.upper()]
    if state is not None:
        return Unknown(f"with_state is not LIVE, ARCHIVED or ANY: {state!r}")
    legacy = raw.get("is_live")  # removed from the provider in 5.0; true meant LIVE
    return legacy if legacy is not None else None
