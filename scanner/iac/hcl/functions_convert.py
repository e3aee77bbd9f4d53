"""Type conversion functions: tostring, tonumber, tobool, tolist, toset, tomap.

``null`` converts to ``null``; an unknown argument makes the result unknown; unknown parts of a collection stay
where they are (see :mod:`.functions_values` for how element types are unified around them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .functions_base import Call, Param, Spec
from .functions_types import BOOL, DYNAMIC, NUMBER, STRING, Ty, list_of, map_of, set_of
from .functions_values import convert

__all__ = ["FUNCTIONS"]


def _to(ty: Ty) -> Callable[[Call, Any], Any]:
    def impl(call: Call, value: Any) -> Any:
        return convert(value, ty, f"{call.name}: argument 1")

    impl.__doc__ = f"``{{name}}(value)``: ``value`` converted to {ty.kind} (Terraform's conversion rules)."
    return impl


FUNCTIONS: dict[str, Spec] = {
    name: Spec(_to(ty), (Param(null=True),))
    for name, ty in (("tostring", STRING), ("tonumber", NUMBER), ("tobool", BOOL), ("tolist", list_of(DYNAMIC)),
                     ("toset", set_of(DYNAMIC)), ("tomap", map_of(DYNAMIC)))
}
