"""Terraform's override files, merged into the module's primary blocks.

Each top-level block of an override file (``override.tf``, ``*_override.tf``, lexical order)
merges into the primary block it names (resources and data sources by type and name; variables,
outputs and module calls by name; providers by name and ``alias``; each local by its own name):

* every argument set in the override replaces the original one (``count`` and ``for_each``
  exclude each other, so setting one drops the other);
* nested blocks of a type the override contains (static or ``dynamic``) replace all the original
  blocks of that type, except ``lifecycle``, whose arguments merge one by one;
* an override block naming nothing in the primary files is an error in Terraform: it is
  reported, and ignored.
"""

from __future__ import annotations

from scanner.iac.hcl.ast import Attribute, Block, Body, Lit

Located = tuple[str, Block]
_EXCLUSIVE = {"count": "for_each", "for_each": "count"}


def block_identity(block: Block) -> tuple[str, ...] | None:
    """What an override block is matched by (None for blocks that merge differently)."""
    if block.type in ("resource", "data", "variable", "output", "module"):
        return (block.type, *block.labels)
    if block.type == "provider":
        alias = block.body.attributes.get("alias")
        alias_text = alias.expr.value if alias and isinstance(alias.expr, Lit) else ""
        return ("provider", *block.labels, str(alias_text))
    if block.type == "terraform":
        return ("terraform",)
    return None


def merge_overrides(primary: list[Located], overrides: list[Located]) -> tuple[list[Located], list[str]]:
    """Primary blocks with the overrides merged in, and a note for each override that named no
    primary block."""
    merged = list(primary)
    notes: list[str] = []
    for path, block in overrides:
        if block.type == "locals":
            notes += _override_locals(merged, path, block)
            continue
        identity = block_identity(block)
        index = next((i for i, (_p, b) in enumerate(merged) if identity and block_identity(b) == identity), None)
        if index is None:
            notes.append(f"{path}:{block.line}: override {block.type} {' '.join(block.labels)} has no base block")
            continue
        base_path, base = merged[index]
        merged[index] = (base_path, Block(base.type, base.labels, merge_body(base.body, block.body), base.line,
                                          base.end_line))
    return merged, notes


def merge_body(base: Body, override: Body) -> Body:
    attributes = dict(base.attributes)
    for name, attr in override.attributes.items():
        attributes.pop(_EXCLUSIVE.get(name, ""), None)
        attributes[name] = attr
    replaced = {_block_kind(b) for b in override.blocks if b.type != "lifecycle"}
    blocks = [b for b in base.blocks if _block_kind(b) not in replaced]
    for new in override.blocks:
        if new.type == "lifecycle":
            old = next((i for i, b in enumerate(blocks) if b.type == "lifecycle"), None)
            if old is not None:
                b = blocks[old]
                blocks[old] = Block(b.type, b.labels, merge_body(b.body, new.body), b.line, b.end_line)
                continue
        blocks.append(new)
    return Body(attributes, tuple(blocks))


def _block_kind(block: Block) -> str:
    if block.type == "dynamic" and block.labels:
        return block.labels[0]
    return block.type


def _override_locals(merged: list[Located], path: str, block: Block) -> list[str]:
    notes = []
    for name, attr in block.body.attributes.items():
        index = next((i for i, (_p, b) in enumerate(merged) if b.type == "locals" and name in b.body.attributes),
                     None)
        if index is None:
            notes.append(f"{path}:{attr.line}: override local {name} has no base definition")
            continue
        base_path, base = merged[index]
        attributes: dict[str, Attribute] = {**base.body.attributes, name: attr}
        merged[index] = (base_path, Block("locals", (), Body(attributes, base.body.blocks), base.line, base.end_line))
    return notes
