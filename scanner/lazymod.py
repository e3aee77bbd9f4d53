"""Defer a third-party module's execution until something actually uses it.

Checkov imports several libraries at start-up that a Terraform scan never touches (its async
HTTP client, boto3 for its platform upload, docker for image scanning). ``defer(name)``
registers the module in ``sys.modules`` without running it; the first attribute read runs it
in place, so a caller that does use it sees no difference.

``importlib.util.LazyLoader`` does not do here: the import system reads ``__spec__`` on every
``import name`` of a module already in ``sys.modules``, and any attribute read makes LazyLoader
execute the module. This class answers the import system's own attributes (``__spec__``, ...)
without executing anything. Only ``import name`` is deferred: ``from name import x`` and
``import name.sub`` run the module at once.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from typing import Any

#: attributes the import system reads on a registered module for ``import name``; reading them
#: runs nothing. ``__path__`` is not among them: a submodule import reads it, and runs the
#: package first, as an ordinary import would (a package's submodules may rely on it).
_IMPORT_METADATA = frozenset({
    "__spec__", "__name__", "__loader__", "__package__", "__file__", "__cached__", "__class__",
})
_lock = threading.RLock()


class _Deferred(types.ModuleType):
    """A module registered but not yet executed."""

    def __getattribute__(self, attr: str) -> Any:
        if attr in _IMPORT_METADATA:
            return super().__getattribute__(attr)
        _execute(self)
        return getattr(self, attr)


def _execute(module: types.ModuleType) -> None:
    with _lock:
        if type(module) is not _Deferred:  # another thread got here first
            return
        spec = object.__getattribute__(module, "__spec__")
        # Back to a plain module first: while its code runs, the module (and its submodules)
        # read its attributes the ordinary way.
        object.__setattr__(module, "__class__", types.ModuleType)
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(spec.name, None)  # as a failed import leaves it: not half-initialised
            raise


def defer(name: str) -> bool:
    """Register ``name`` (a top-level module) to run on first use. False when it is already
    imported or not installed (nothing to defer)."""
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return False
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _Deferred
    sys.modules[name] = module
    return True


def is_deferred(name: str) -> bool:
    """True while ``name`` is registered but has not run."""
    return type(sys.modules.get(name)) is _Deferred
