"""Terraform folders evaluated with Terraform's semantics: parser, evaluator and built-in functions.

:func:`load_configuration` reads a folder (or one ``.tf`` file) into a
:class:`~scanner.iac.tfmodel.TfConfiguration`: every resource and data source instance with its
arguments evaluated as Terraform would at plan time, or :class:`~scanner.facts.values.Unknown`
(with why) where Terraform would not know them yet or where pacscan cannot decide them. It never
guesses: an unresolved value is never read as empty.

Every folder under the target holding Terraform files that no other scanned folder calls as a
module is a root module (with its own ``terraform.tfvars``); folders only reached as modules are
evaluated through their calls.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from scanner.errors import TerraformInputError
from scanner.iac.hcl.collect import instances
from scanner.iac.hcl.config import Configuration, Loader, Prefetched
from scanner.iac.hcl.discovery import is_local_source, scan
from scanner.iac.hcl.module import ModuleDef
from scanner.iac.hcl.tfvars import parse_var_option, root_inputs
from scanner.iac.tfmodel import SkippedPath, TfConfiguration, TfInstance, UnreadModule

__all__ = ["TerraformInputError", "load_configuration", "parse_var_option"]

_RECURSION_LIMIT = 20_000


def load_configuration(target: Path, *, var_files: Sequence[Path] = (), variables: Sequence[tuple[str, str]] = (),
                       environ: Mapping[str, str] | None = None,
                       files: Sequence[Path] | None = None, ahead: Prefetched | None = None) -> TfConfiguration:
    """Evaluate every root module under ``target``.

    ``variables`` are ``--var`` pairs in command-line order, ``var_files`` the ``--var-file``
    files (applied before every ``--var``), ``environ`` supplies ``TF_VAR_*`` (default
    ``os.environ``), ``files`` restricts which Terraform files under ``target`` are read (module
    folders reached through calls are read whole); ``ahead`` hands out files a helper process
    already parsed (:mod:`scanner.iac.prefetch`). Raises :class:`TerraformInputError` for a
    ``--var`` no root module declares or a ``--var-file`` that cannot be read.
    """
    with _collector_paused():
        return _load(Path(target), var_files, variables, os.environ if environ is None else environ, files, ahead)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while loading: the syntax trees are hundreds of thousands of
    small objects that each collection would walk again (40% of the time at 5,000 resources).
    The recursion limit is raised meanwhile: evaluation recurses through chains of locals,
    module inputs and outputs as deep as a configuration makes them (Python 3.11 calls between
    Python functions do not use the C stack)."""
    enabled = gc.isenabled()
    limit = sys.getrecursionlimit()
    gc.disable()
    sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)
        if enabled:
            gc.enable()


def _load(target: Path, var_files: Sequence[Path], variables: Sequence[tuple[str, str]], environ: Mapping[str, str],
          files: Sequence[Path] | None, ahead: Prefetched | None = None) -> TfConfiguration:
    loader = Loader(target, ahead)
    found = scan(target, files)
    definitions = {folder: loader.module(folder, paths) for folder, paths in found.folders.items()}
    roots = _root_folders(definitions)
    _check_variables(variables, [definitions[f] for f in roots])
    all_instances: list[TfInstance] = []
    read: set[str] = set()
    unread: dict[str, UnreadModule] = {}
    for folder in roots:
        definition = definitions[folder]
        inputs = root_inputs(folder, set(definition.variables), loader.display, var_files=var_files,
                             variables=variables, environ=environ)
        read.update(inputs.files)
        configuration = Configuration(loader, folder, definition, inputs)
        relative = os.path.relpath(folder, loader.target_dir).replace(os.sep, "/")
        all_instances += instances(configuration.root, "" if relative == "." else relative)
        unread.update({f"{loader.display(folder)}:{k}": v for k, v in configuration.unread.items()})
    skipped = list(found.skipped) + _override_notes(definitions)
    failures = sorted(loader.failures(), key=lambda f: f.file)
    return TfConfiguration(root=os.path.abspath(target), instances=tuple(all_instances),
                           unread_modules=tuple(unread.values()), skipped=tuple(skipped),
                           parse_failures=tuple(failures), files=tuple(sorted(read | set(loader.parsed))))


def _root_folders(definitions: dict[str, ModuleDef]) -> list[str]:
    """Folders no other scanned folder calls as a local module."""
    called: set[str] = set()
    for folder, definition in definitions.items():
        for call in definition.calls.values():
            if call.source is not None and is_local_source(call.source):
                target = os.path.normpath(os.path.join(folder, call.source))
                if target != folder:
                    called.add(target)
    return [f for f in sorted(definitions) if f not in called]


def _check_variables(variables: Sequence[tuple[str, str]], roots: list[ModuleDef]) -> None:
    declared = {name for definition in roots for name in definition.variables}
    for name, _value in variables:
        if not name:
            raise TerraformInputError("--var needs NAME=VALUE")
        if name not in declared:
            raise TerraformInputError(f"--var {name}: no root module declares a variable {name!r}")


def _override_notes(definitions: dict[str, ModuleDef]) -> list[SkippedPath]:
    return [SkippedPath(note.split(":", 1)[0], note) for d in definitions.values() for note in d.override_notes]
