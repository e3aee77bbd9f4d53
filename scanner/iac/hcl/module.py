"""One module folder's declarations, read from its parsed files (override files merged in).

Terraform loads a module from every ``.tf``/``.tf.json`` file of its folder; ``override.tf``,
``*_override.tf`` (and their ``.tf.json`` forms) are merged afterwards, in lexical order, per
Terraform's override rules (see :mod:`scanner.iac.hcl.overrides`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from scanner.iac.hcl.ast import Attribute, Block, Body, Expr, FileAst, Lit
from scanner.iac.hcl.overrides import merge_overrides


@dataclass(frozen=True)
class Variable:
    name: str
    file: str
    line: int
    type_expr: Expr | None
    default: Attribute | None
    sensitive: bool
    nullable: bool


@dataclass(frozen=True)
class Named:
    """A local, an output: a name, its expression and where it is written."""

    name: str
    expr: Expr
    file: str
    line: int
    sensitive: bool = False


@dataclass(frozen=True)
class Resource:
    mode: str  # "managed" or "data"
    type: str
    name: str
    body: Body
    file: str
    line: int
    end_line: int

    @property
    def key(self) -> str:
        return f"{self.type}.{self.name}" if self.mode == "managed" else f"data.{self.type}.{self.name}"


@dataclass(frozen=True)
class ModuleCall:
    name: str
    source: str | None
    body: Body
    file: str
    line: int


@dataclass(frozen=True)
class Provider:
    name: str
    body: Body
    file: str


@dataclass
class ModuleDef:
    dir: str
    files: tuple[str, ...] = ()
    variables: dict[str, Variable] = field(default_factory=dict)
    locals: dict[str, Named] = field(default_factory=dict)
    outputs: dict[str, Named] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)  # by "type.name" / "data.type.name"
    calls: dict[str, ModuleCall] = field(default_factory=dict)
    providers: list[Provider] = field(default_factory=list)
    override_notes: list[str] = field(default_factory=list)  # overrides that matched nothing

    def resource_types(self) -> set[str]:
        return {r.type for r in self.resources.values() if r.mode == "managed"}


def is_override(path: str) -> bool:
    name = os.path.basename(path)
    for ext in (".tf.json", ".tf"):
        if name.endswith(ext):
            stem = name[:-len(ext)]
            return stem == "override" or stem.endswith("_override")
    return False


def build_module(folder: str, files: list[FileAst]) -> ModuleDef:
    """Declarations of one folder; ``files`` in lexical order."""
    primary = [f for f in files if not is_override(f.path)]
    overrides = [f for f in files if is_override(f.path)]
    blocks = [(f.path, b) for f in primary for b in f.body.blocks]
    blocks, notes = merge_overrides(blocks, [(f.path, b) for f in overrides for b in f.body.blocks])
    module = ModuleDef(folder, tuple(f.path for f in files), override_notes=notes)
    for path, block in blocks:
        _declare(module, path, block)
    return module


def _declare(module: ModuleDef, path: str, block: Block) -> None:
    kind, labels, body = block.type, block.labels, block.body
    if kind == "variable" and len(labels) == 1:
        module.variables[labels[0]] = Variable(
            labels[0], path, block.line, _expr(body, "type"), body.attributes.get("default"),
            _flag(body, "sensitive", False), _flag(body, "nullable", True))
    elif kind == "locals":
        for attr in body.attributes.values():
            module.locals[attr.name] = Named(attr.name, attr.expr, path, attr.line)
    elif kind == "output" and len(labels) == 1 and "value" in body.attributes:
        attr = body.attributes["value"]
        module.outputs[labels[0]] = Named(labels[0], attr.expr, path, attr.line, _flag(body, "sensitive", False))
    elif kind in ("resource", "data") and len(labels) == 2:
        resource = Resource("managed" if kind == "resource" else "data", labels[0], labels[1], body, path,
                            block.line, block.end_line)
        module.resources[resource.key] = resource
    elif kind == "module" and len(labels) == 1:
        source = body.attributes.get("source")
        text = source.expr.value if source and isinstance(source.expr, Lit) and isinstance(source.expr.value, str) \
            else None
        module.calls[labels[0]] = ModuleCall(labels[0], text, body, path, block.line)
    elif kind == "provider" and len(labels) == 1:
        module.providers.append(Provider(labels[0], body, path))


def _expr(body: Body, name: str) -> Expr | None:
    attr = body.attributes.get(name)
    return attr.expr if attr else None


def _flag(body: Body, name: str, default: bool) -> bool:
    """A literal boolean meta-argument (``sensitive``, ``nullable``)."""
    expr = _expr(body, name)
    if isinstance(expr, Lit) and isinstance(expr.value, bool):
        return expr.value
    return default
