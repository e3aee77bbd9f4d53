"""Type conversion functions (tostring, tonumber, tobool, tolist, toset, tomap), the sensitivity marks
(sensitive, nonsensitive, issensitive) and the functions Terraform 0.12 removed (list, map).

``null`` converts to ``null``; an unknown argument makes the result unknown; unknown parts of a collection stay
where they are (see :mod:`.functions_values` for how element types are unified around them). Values carry no
sensitivity marks here: ``sensitive`` and ``nonsensitive`` give their argument, ``issensitive`` is unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.facts.values import Unknown

from .functions_base import Call, Param, Spec, UnknownResult
from .functions_types import BOOL, DYNAMIC, NUMBER, STRING, Ty, list_of, map_of, set_of
from .functions_values import convert

__all__ = ["FUNCTIONS"]


def _to(name: str, ty: Ty) -> Callable[[Call, Any], Any]:
    def impl(call: Call, value: Any) -> Any:
        return convert(value, ty, f"{call.name}: argument 1")

    impl.__doc__ = f"``{name}(value)``: ``value`` converted to {ty.kind} (Terraform's conversion rules)."
    return impl


def _same(call: Call, value: Any) -> Any:
    """``sensitive(value)``, ``nonsensitive(value)``: the value itself (marks are not tracked here)."""
    return value


def _issensitive(call: Call, value: Any) -> Any:
    """``issensitive(value)``: unknown, as sensitivity marks are not tracked here."""
    raise UnknownResult(Unknown("issensitive: whether a value is marked sensitive is not tracked"))


def _removed(name: str) -> Callable[..., Any]:
    def impl(call: Call, *values: Any) -> Any:
        raise call.error(f'the "{name}" function was deprecated in Terraform v0.12 and is no longer available')

    impl.__doc__ = f"``{name}(...)``: removed in Terraform 0.12, always an error."
    return impl


ANY_VALUE = Param(null=True, unknown=True)
FUNCTIONS: dict[str, Spec] = {
    **{name: Spec(_to(name, ty), (Param(null=True),))
       for name, ty in (("tostring", STRING), ("tonumber", NUMBER), ("tobool", BOOL), ("tolist", list_of(DYNAMIC)),
                        ("toset", set_of(DYNAMIC)), ("tomap", map_of(DYNAMIC)))},
    "sensitive": Spec(_same, (ANY_VALUE,)),
    "nonsensitive": Spec(_same, (ANY_VALUE,)),
    "issensitive": Spec(_issensitive, (ANY_VALUE,)),
    "list": Spec(_removed("list"), var=ANY_VALUE),
    "map": Spec(_removed("map"), var=ANY_VALUE),
}
