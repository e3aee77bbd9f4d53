"""Terraform's built-in functions, in Python, for the Terraform expression evaluator.

``call(name, args, base_dir=...)`` computes what Terraform computes, or an :class:`Unknown` saying why it cannot be
known, or raises :class:`FunctionError` for a call Terraform itself would reject (and ``KeyError`` for a function
not implemented here). Values follow :mod:`scanner.facts.values`: ``None``, ``bool``, ``int``/``float``, ``str``,
``list`` (lists, tuples, sets), ``dict`` (maps, objects), :class:`Unknown` and :class:`PartialDict`.

As in Terraform, arguments are first converted to the types a function's parameters declare (``upper(5)`` is
``"5"``, ``sum(["1", 2])`` is 3), and an argument that is unknown as a whole makes the result unknown unless the
function can decide without it. Each function's docstring says what it decides with unknown parts; the rules
shared by many are in :mod:`.functions_lists` (list elements) and :mod:`.functions_values` (conversions, sets).

Every name is also callable with Terraform's ``core::`` prefix. ``try``, ``can``, ``templatefile`` and
``templatestring`` belong to the evaluator (they evaluate expressions, not values).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scanner.facts.values import PartialDict, Unknown

from . import (
    functions_aggregate,
    functions_cidr,
    functions_convert,
    functions_csv,
    functions_encoding,
    functions_files,
    functions_format,
    functions_glob,
    functions_lists,
    functions_maps,
    functions_numbers,
    functions_regex,
    functions_sets,
    functions_strings,
    functions_yaml,
)
from .functions_base import Call, FunctionError, Spec, UnknownResult, norm_number, unknown_from
from .functions_values import convert

__all__ = ["SUPPORTED", "FunctionError", "call"]

_REGISTRY: dict[str, Spec] = {
    **functions_lists.FUNCTIONS, **functions_aggregate.FUNCTIONS, **functions_maps.FUNCTIONS,
    **functions_sets.FUNCTIONS, **functions_convert.FUNCTIONS, **functions_strings.FUNCTIONS,
    **functions_regex.FUNCTIONS, **functions_format.FUNCTIONS, **functions_encoding.FUNCTIONS,
    **functions_yaml.FUNCTIONS, **functions_cidr.FUNCTIONS, **functions_numbers.FUNCTIONS,
    **functions_files.FUNCTIONS, **functions_glob.FUNCTIONS, **functions_csv.FUNCTIONS,
}

#: every function :func:`call` implements
SUPPORTED: frozenset[str] = frozenset(_REGISTRY)

#: tests set this (or ``PACSCAN_HCL_STRICT=1``, as the evaluator's tests do) to see a defect's exception instead
#: of an unknown result
_RAISE_DEFECTS = False
_log = logging.getLogger("scanner.iac.hcl")


def call(name: str, args: Sequence[Any], *, base_dir: Path) -> Any:
    """The result of Terraform's function ``name`` applied to ``args`` in the module folder ``base_dir``."""
    spec = _REGISTRY[name.removeprefix("core::")]
    fn = Call(name.removeprefix("core::"), Path(base_dir))
    problem = spec.arity_error(len(args))
    if problem:
        raise fn.error(problem)
    try:
        converted, pending = _prepare(fn, spec, list(args))
        if pending is not None:
            return pending
        return _normalise(spec.impl(fn, *converted))
    except UnknownResult as result:
        return result.unknown
    except FunctionError:
        raise
    except (RecursionError, MemoryError) as exc:
        return Unknown(f"{fn.name}: the value is too large or too deeply nested to evaluate ({type(exc).__name__})")
    except Exception as exc:
        if _RAISE_DEFECTS or os.environ.get("PACSCAN_HCL_STRICT") == "1":
            raise
        _log.warning("function %s could not be evaluated", fn.name, exc_info=exc)
        return Unknown(f"{fn.name}: pacscan could not evaluate this call ({type(exc).__name__}: {exc})")


def _prepare(fn: Call, spec: Spec, args: list[Any]) -> tuple[list[Any], Unknown | None]:
    """The arguments converted to their parameters' types, and the unknown result an unknown argument a parameter
    does not accept makes (after the known arguments were checked, as Terraform checks them first)."""
    converted: list[Any] = []
    pending: Unknown | None = None
    for pos, arg in enumerate(args, 1):
        param = spec.param(pos - 1)
        if isinstance(arg, Unknown) and not param.unknown:
            if pending is None:
                pending = unknown_from(arg, f"{fn.name}: argument {pos} is unknown")
            converted.append(arg)
        elif arg is None and not param.null:
            raise fn.error(f"argument {pos} must not be null")
        else:
            converted.append(convert(arg, param.ty, f"{fn.name}: argument {pos}"))
    return converted, pending


def _normalise(value: Any) -> Any:
    """Integral floats as ints, throughout."""
    if isinstance(value, float):
        return norm_number(value)
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, PartialDict):
        return PartialDict({k: _normalise(v) for k, v in value.items()}, value.rest)
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return value
