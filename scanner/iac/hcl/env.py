"""What an expression is evaluated against: the module scope, local symbols, and the record of
what its value was computed from (``Deps``: resource addresses and trace lines)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from scanner.iac.hcl.ast import Traversal


class Deps:
    """Resource/data addresses a value was computed from, and the trace lines of the variables,
    locals, module inputs and outputs it came through (both in first-seen order); ``sensitive``
    once a sensitive variable or output contributed (its value is then never written)."""

    __slots__ = ("refs", "sensitive", "trace")

    def __init__(self) -> None:
        self.refs: dict[str, None] = {}
        self.trace: dict[str, None] = {}
        self.sensitive = False

    def add_ref(self, address: str) -> None:
        self.refs[address] = None

    def add_trace(self, line: str) -> None:
        self.trace[line] = None

    def merge(self, other: Deps) -> None:
        self.refs.update(other.refs)
        self.trace.update(other.trace)
        self.sensitive = self.sensitive or other.sensitive


class Lazy:
    """A resource or module instance object: attributes evaluated on demand; ``force`` makes
    the whole object a value."""

    __slots__ = ()

    def get(self, name: str, env: Env, line: int) -> Any:
        raise NotImplementedError

    def force(self, env: Env) -> Any:
        raise NotImplementedError


class Scope(Protocol):
    """Names a module instance defines: ``var``, ``local``, ``module``, ``data``, resources,
    ``path``, ``terraform``, and (per block) ``count``/``each``."""

    def reference(self, expr: Traversal, env: Env) -> tuple[Any, int]:
        """The value the traversal's root names and how many of its steps that consumed."""
        ...

    def display(self, path: str) -> str:
        """A file as reasons and trace lines name it (relative to the scanned folder)."""
        ...

    @property
    def base_dir(self) -> str: ...


class Env:
    """One evaluation: scope, symbols bound by ``for`` and ``dynamic`` iterators, ``count`` and
    ``each`` of the enclosing block, and where the dependencies are recorded."""

    __slots__ = ("count", "deps", "each", "file", "scope", "symbols")

    def __init__(self, scope: Scope, file: str, deps: Deps | None = None, symbols: dict[str, Any] | None = None,
                 each: Any = None, count: Any = None) -> None:
        self.scope = scope
        self.file = file  # the file the evaluated expression is written in
        self.deps = deps if deps is not None else Deps()
        self.symbols = symbols or {}
        self.each = each  # EachBinding or None
        self.count = count  # CountBinding or None

    def origin(self, line: int) -> str:
        where = self.scope.display(self.file)
        return f"{where}:{line}" if line else where

    def child(self, **symbols: Any) -> Env:
        return Env(self.scope, self.file, self.deps, {**self.symbols, **symbols}, self.each, self.count)

    def with_deps(self, deps: Deps) -> Env:
        return Env(self.scope, self.file, deps, self.symbols, self.each, self.count)
