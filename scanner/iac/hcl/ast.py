"""The evaluator's own syntax tree: small frozen dataclasses, picklable, with line numbers.

Both syntaxes (native HCL through the Lark grammar, and Terraform's JSON syntax) become these
nodes, so the evaluator never sees a Lark tree. Expressions carry the line they start on, which
becomes the ``origin`` of any unknown they produce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Lit:
    """A literal: number, bool, null or a string without interpolation."""

    value: Any
    line: int = 0


@dataclass(frozen=True, slots=True)
class Attr:
    """``.name`` in a traversal."""

    name: str


@dataclass(frozen=True, slots=True)
class Idx:
    """``[key]`` in a traversal (``.0`` legacy index too, as a literal key)."""

    key: Expr


Step = Attr | Idx


@dataclass(frozen=True, slots=True)
class Traversal:
    """A reference rooted at a name: ``var.x``, ``aws_s3_bucket.b[0].arn``, ``each.value.rules``.

    ``text`` is the reference as a reviewer reads it (index keys that are not literals shown as
    ``[...]``); unknown reasons name it."""

    root: str
    steps: tuple[Step, ...]
    text: str
    line: int = 0


@dataclass(frozen=True, slots=True)
class Relative:
    """Attribute and index steps applied to any other expression: ``f(x)[0].a``."""

    source: Expr
    steps: tuple[Step, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Splat:
    """``source[*].a.b`` (full splat) or ``source.*.a`` (legacy attribute-only splat: an index
    after it applies to the resulting list, not to each element)."""

    source: Expr
    steps: tuple[Step, ...]
    attr_only: bool
    line: int = 0


@dataclass(frozen=True, slots=True)
class Call:
    """``name(args...)``; ``expand`` when the last argument is written ``args...``."""

    name: str
    args: tuple[Expr, ...]
    expand: bool = False
    line: int = 0


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Expr
    right: Expr
    line: int = 0


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "!" or "-"
    operand: Expr
    line: int = 0


@dataclass(frozen=True, slots=True)
class Cond:
    cond: Expr
    then: Expr
    other: Expr
    line: int = 0


@dataclass(frozen=True, slots=True)
class TupleCons:
    items: tuple[Expr, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class ObjectCons:
    """``{k = v, ...}``; a key written as a bare identifier is a ``Lit`` string."""

    items: tuple[tuple[Expr, Expr], ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class ForExpr:
    """``[for k, v in coll : val if cond]`` or ``{for k, v in coll : key => val... if cond}``."""

    key_var: str | None
    value_var: str
    collection: Expr
    key: Expr | None  # object form only
    value: Expr
    cond: Expr | None
    group: bool
    line: int = 0


@dataclass(frozen=True, slots=True)
class Template:
    """A string template: literal strings, interpolations and directives, in order."""

    parts: tuple[TemplatePart, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class TemplateIf:
    cond: Expr
    then: tuple[TemplatePart, ...]
    other: tuple[TemplatePart, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class TemplateFor:
    key_var: str | None
    value_var: str
    collection: Expr
    body: tuple[TemplatePart, ...]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Invalid:
    """An expression the evaluator cannot read (e.g. a template interpolation the grammar does
    not parse): always unknown, with the reason."""

    reason: str
    line: int = 0


Expr = (Lit | Traversal | Relative | Splat | Call | Binary | Unary | Cond | TupleCons | ObjectCons | ForExpr | Template
        | Invalid)
TemplatePart = str | Expr | TemplateIf | TemplateFor

# ---------------------------------------------------------------- bodies


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    expr: Expr
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class Body:
    """Attributes by name and blocks in source order."""

    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()

    def blocks_of(self, type_: str) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.type == type_)


@dataclass(frozen=True, slots=True)
class FileAst:
    """One parsed file: its absolute path and top-level body."""

    path: str
    body: Body
