"""One load: parsed files and module folders (each read once), and the evaluation of one root
module tree (:class:`Configuration`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

from scanner.facts.values import Unknown
from scanner.iac.hcl.ast import FileAst
from scanner.iac.hcl.discovery import folder_files, load_modules_json, resolve_source
from scanner.iac.hcl.env import Env
from scanner.iac.hcl.evaluator import evaluate
from scanner.iac.hcl.module import ModuleCall, ModuleDef, build_module
from scanner.iac.hcl.ops import EvalError
from scanner.iac.hcl.parse import parse_file
from scanner.iac.hcl.variables import RootInputs
from scanner.iac.tfmodel import ParseFailure, UnreadModule
from scanner.source_paths import display_path

MAX_DEPTH = 24


class Prefetched(Protocol):
    """Files another process already parsed (:mod:`scanner.iac.prefetch`), handed out once."""

    def take(self, file: Any) -> Any | None: ...
_OTHER_PARTITIONS = ("us-gov-", "cn-")


class Loader:
    """Files and module folders read during one ``load_configuration`` call."""

    def __init__(self, target: Path, ahead: Prefetched | None = None) -> None:
        self.target_dir = os.path.abspath(target if target.is_dir() else target.parent)
        self.ahead = ahead
        self.parsed: dict[str, FileAst | ParseFailure] = {}
        self.modules: dict[tuple[str, tuple[str, ...]], ModuleDef] = {}

    def display(self, path: str) -> str:
        """Relative to the scan's repository root; outside a scan, to the scanned folder."""
        return display_path(path, fallback=self.target_dir)

    def parse(self, path: str) -> FileAst | ParseFailure:
        if path not in self.parsed:
            ready = self.ahead.take(path) if self.ahead is not None else None
            self.parsed[path] = ready if isinstance(ready, FileAst) else parse_file(Path(path))
        return self.parsed[path]

    def module(self, folder: str, files: list[str] | None = None) -> ModuleDef:
        chosen = tuple(files if files is not None else folder_files(folder))
        key = (folder, chosen)
        if key not in self.modules:
            asts = [a for a in (self.parse(f) for f in chosen) if isinstance(a, FileAst)]
            self.modules[key] = build_module(folder, asts)
        return self.modules[key]

    def failures(self) -> list[ParseFailure]:
        return [p for p in self.parsed.values() if isinstance(p, ParseFailure)]


class Configuration:
    """A root module and every module it calls, evaluated as one Terraform working directory
    (``path.cwd`` and relative file paths are the root folder)."""

    def __init__(self, loader: Loader, root_dir: str, definition: ModuleDef, inputs: RootInputs) -> None:
        from scanner.iac.hcl.scope import ModuleInstance

        self.loader = loader
        self.root_dir = root_dir
        self.modules_json = load_modules_json(root_dir)
        self.unread: dict[str, UnreadModule] = {}
        self._partition: str | Unknown | None = None
        self._partition_busy = False
        self.root = ModuleInstance(self, definition, "", (), inputs)

    def display(self, path: str) -> str:
        return self.loader.display(path)

    def module_definition(self, parent: object, call: ModuleCall) -> tuple[ModuleDef | None, str]:
        """The called module's declarations, or None and why (reported once per ``module``
        block, by its address without instance keys: ``module.a.module.b``)."""
        from scanner.iac.hcl.scope import ModuleInstance

        assert isinstance(parent, ModuleInstance)
        address = ".".join(f"module.{name}" for name in (*parent.key_path, call.name))
        if parent.depth >= MAX_DEPTH:
            reason = f"modules nested more than {MAX_DEPTH} deep (a module calling itself?)"
            folder = None
        else:
            folder, reason = resolve_source(call.source, parent.definition.dir, (*parent.key_path, call.name),
                                            self.modules_json)
        if folder is None:
            self.unread.setdefault(address, UnreadModule(address, call.source or "(not a literal)", call.file,
                                                         call.line, reason))
            return None, reason
        return self.loader.module(folder), ""

    def partition(self) -> str | Unknown:
        """The AWS partition ARNs are built in: ``aws`` unless an AWS provider block sets a region
        outside it (``us-gov-*``, ``cn-*``) or a region that cannot be known."""
        if self._partition is None:
            if self._partition_busy:
                return Unknown("the AWS partition depends on a value that depends on it")
            self._partition_busy = True
            try:
                self._partition = self._find_partition()
            finally:
                self._partition_busy = False
        return self._partition

    def _find_partition(self) -> str | Unknown:
        from scanner.iac.hcl.scope import ModuleInstance

        pending: list[ModuleInstance] = [self.root]
        while pending:
            instance = pending.pop()
            for provider in instance.definition.providers:
                region = provider.body.attributes.get("region")
                if provider.name != "aws" or region is None:
                    continue
                where = f"{self.display(provider.file)}:{region.line}"
                try:
                    value = evaluate(region.expr, Env(instance, provider.file))
                except EvalError as err:
                    return Unknown(f"the AWS provider region at {where} is invalid: {err}", where)
                if isinstance(value, Unknown):
                    return Unknown(f"the AWS provider region at {where} is unknown ({value.reason}), so the "
                                   "partition is", where)
                if isinstance(value, str) and value.startswith(_OTHER_PARTITIONS):
                    return Unknown(f"the AWS provider at {where} uses region {value}, outside the aws partition",
                                   where)
            for group in instance.calls():
                pending += group.instances()
        return "aws"
