"""Block bodies as values: arguments, nested blocks and ``dynamic`` blocks.

Nested blocks of one type become a list of dicts under the type's name, static and ``dynamic``
ones in source order. A ``dynamic "T"`` block makes one ``T`` block per element of its
``for_each`` (a list by index, a map or object by key in lexical order), binding its iterator
(``iterator = name``, default ``T``) to ``{key, value}`` inside ``content``; ``labels`` only
label the generated blocks. A ``for_each`` that cannot be known contributes one unknown element
standing for zero or more blocks, as does an element nobody could see.
"""

from __future__ import annotations

from typing import Any

from scanner.facts.values import Unknown
from scanner.iac.hcl.access import items
from scanner.iac.hcl.ast import Attribute, Block, Body, Lit, Traversal
from scanner.iac.hcl.env import Env
from scanner.iac.hcl.evaluator import evaluate
from scanner.iac.hcl.ops import EvalError, internal_error

#: resource/data arguments and blocks that are Terraform's, not the provider's
META = frozenset({"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"})


def attribute_value(attr: Attribute, env: Env) -> Any:
    """The argument's value; an error Terraform would raise becomes an unknown saying so."""
    try:
        return evaluate(attr.expr, env)
    except EvalError as err:
        return Unknown(f"{attr.name}: Terraform would reject this: {err}", env.origin(attr.line))
    except RecursionError:
        return Unknown(f"{attr.name}: expression nested too deeply", env.origin(attr.line))
    except Exception as err:  # a pacscan bug must not stop the scan: this value is unknown
        return internal_error(attr.name, err, env.origin(attr.line))


def block_types(body: Body, *, skip: frozenset[str] = frozenset()) -> list[str]:
    """Nested block types in first-appearance order (a dynamic block counts as its label)."""
    seen: dict[str, None] = {}
    for block in body.blocks:
        name = _block_type(block)
        if name is not None and name not in skip:
            seen[name] = None
    return list(seen)


def _block_type(block: Block) -> str | None:
    if block.type == "dynamic":
        return block.labels[0] if block.labels else None
    return block.type


def body_value(body: Body, env: Env) -> dict[str, Any]:
    """A nested block's body as a dict: its arguments, then its nested block lists."""
    out = {name: attribute_value(attr, env) for name, attr in body.attributes.items()}
    for name in block_types(body):
        out[name] = blocks_value(body, name, env)
    return out


def blocks_value(body: Body, type_: str, env: Env) -> list[Any]:
    """Every ``type_`` block of ``body`` (static and dynamic, in source order) as a list."""
    out: list[Any] = []
    for block in body.blocks:
        if block.type == type_:
            out.append(body_value(block.body, env))
        elif block.type == "dynamic" and block.labels and block.labels[0] == type_:
            out += _dynamic(block, type_, env)
    return out


def _dynamic(block: Block, type_: str, env: Env) -> list[Any]:
    origin = env.origin(block.line)
    for_each = block.body.attributes.get("for_each")
    content = next((b for b in block.body.blocks if b.type == "content"), None)
    if for_each is None or content is None:
        return [Unknown(f"dynamic {type_!r} block needs for_each and content (Terraform rejects it)", origin,
                        spread=True)]
    collection = attribute_value(for_each, env)
    if isinstance(collection, Unknown):
        return [Unknown(f"dynamic {type_!r}: for_each is unknown: {collection.reason}", collection.origin or origin,
                        collection.error, spread=True)]
    if collection is None:
        return [Unknown(f"dynamic {type_!r}: for_each is null (Terraform rejects it)", origin, spread=True)]
    iterator = _iterator_name(block.body.attributes.get("iterator"), type_)
    out: list[Any] = []
    try:
        pairs = list(items(collection))
    except EvalError as err:
        return [Unknown(f"dynamic {type_!r}: {err}", origin, spread=True)]
    for key, value in pairs:
        if isinstance(value, Unknown) and value.spread:
            out.append(Unknown(f"dynamic {type_!r}: for_each holds elements nobody could see: {value.reason}",
                               value.origin, value.error, spread=True))
            continue
        out.append(body_value(content.body, env.child(**{iterator: {"key": key, "value": value}})))
    return out


def _iterator_name(attr: Attribute | None, default: str) -> str:
    if attr is None:
        return default
    if isinstance(attr.expr, Traversal) and not attr.expr.steps:
        return attr.expr.root
    if isinstance(attr.expr, Lit) and isinstance(attr.expr.value, str):
        return attr.expr.value
    return default
