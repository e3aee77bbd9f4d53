"""Native HCL syntax: the Lark tree of Checkov's grammar (``bc-python-hcl2``) to our syntax tree.

The grammar has no operator precedence: a chain such as ``a - b * c`` or ``a == b ? x : y``
comes back right-nested in source order (the latter as ``a == (b ? x : y)``). The chain is
flattened back into its source-order tokens and re-parsed with HCL's precedence, lowest first:
``? :``, ``||``, ``&&``, ``== !=``, ``< <= > >=``, ``+ -``, ``* / %``; binary operators are
left-associative and the unary ``!``/``-`` bind tighter than all of them.
"""

from __future__ import annotations

import functools
import io
from decimal import Decimal
from typing import Any

from lark import Token, Tree
from lark.exceptions import LarkError

from scanner.iac.hcl.ast import (
    Attr,
    Attribute,
    Block,
    Body,
    Call,
    Expr,
    ForExpr,
    Idx,
    Invalid,
    Lit,
    ObjectCons,
    Relative,
    Splat,
    Step,
    Traversal,
    TupleCons,
    Unary,
)
from scanner.iac.hcl.positions import BlockEnds, first_token, followed_by, last_token, trailing_closers
from scanner.iac.hcl.precedence import Pratt
from scanner.iac.hcl.template import parse_heredoc, parse_quoted

Node = Any  # a Lark ``Tree`` or ``Token`` of Checkov's grammar

_KEYWORDS = {"true": True, "false": False, "null": None}
_CHAIN = ("binary_op", "conditional")


@functools.cache
def lark_parser() -> Any:
    """Checkov's grammar (``bc-python-hcl2``'s LALR parser), loaded from its tables without
    position propagation (a third of the parse time; lines come from the tokens instead)."""
    from hcl2.parser import Hcl2
    from lark import Lark

    tables = io.BytesIO()
    Hcl2.lark_parser.save(tables, exclude_options={"propagate_positions"})
    tables.seek(0)
    return Lark.load(tables)


def parse_body(text: str) -> Body:
    """Parse a whole file's text (raises Lark's errors)."""
    tree = lark_parser().parse(text if text.endswith("\n") else text + "\n")
    return Converter(text).body(tree.children[0])


def parse_expression(text: str, line: int) -> Expr:
    """One expression (a template interpolation or a ``--var`` value); ``line`` is where its text
    starts. A syntax error gives an ``Invalid`` expression."""
    stripped = text.lstrip()
    line += text[:len(text) - len(stripped)].count("\n")
    stripped = stripped.rstrip()
    simple = _dotted_reference(stripped, line)
    if simple is not None:
        return simple
    source = "x = " + stripped + "\n"
    try:
        tree = _snippet_tree(source)
        return Converter(source, line - 1).expr(tree)
    except (LarkError, IndexError, RecursionError) as err:
        return Invalid(f"expression {stripped[:60]!r} does not parse ({type(err).__name__})", line)


@functools.lru_cache(maxsize=4096)
def _snippet_tree(source: str) -> Any:
    """The expression tree of ``x = <expr>`` (snippets repeat: ``${var.prefix}`` in every
    resource; the tree is only read)."""
    return lark_parser().parse(source).children[0].children[0].children[1]


def _dotted_reference(text: str, line: int) -> Expr | None:
    """``var.x``, ``each.key``, ``aws_s3_bucket.b.arn``: the common interpolation, read without
    the parser (identifiers joined by dots; anything else goes through the grammar)."""
    names = text.split(".")
    if not all(_is_identifier(n) for n in names):
        return None
    if len(names) == 1 and names[0] in _KEYWORDS:
        return Lit(_KEYWORDS[names[0]], line)
    return Traversal(names[0], tuple(Attr(n) for n in names[1:]), text, line)


def _is_identifier(name: str) -> bool:
    return bool(name) and (name[0].isascii() and (name[0].isalpha() or name[0] == "_")) and \
        all(c.isascii() and (c.isalnum() or c in "_-") for c in name)


class Converter:
    """Lark tree to syntax tree for one parsed text; ``offset`` is added to every line."""

    def __init__(self, source: str, offset: int = 0) -> None:
        self.source = source
        self.offset = offset
        self.block_ends = BlockEnds(source)

    def line(self, node: Node) -> int:
        token = first_token(node)
        return (token.line or 0) + self.offset if token is not None else 0

    def end_line(self, node: Node) -> int:
        token = last_token(node)
        return (token.end_line or token.line or 0) + self.offset if token is not None else 0

    # ------------------------------------------------------------ bodies

    def body(self, tree: Node) -> Body:
        attributes: dict[str, Attribute] = {}
        blocks: list[Block] = []
        for child in tree.children:
            if not isinstance(child, Tree):
                continue
            if child.data == "attribute":
                name = _identifier(child.children[0])
                attributes[name] = Attribute(name, self.expr(child.children[1]), self.line(child),
                                             self.end_line(child))
            elif child.data == "block":
                blocks.append(self.block(child))
        return Body(attributes, tuple(blocks))

    def block(self, tree: Node) -> Block:
        parts = tree.children
        body = parts[-1] if isinstance(parts[-1], Tree) and parts[-1].data == "body" else Tree("body", [])
        labels = tuple(_label(p) for p in parts[1:] if not (isinstance(p, Tree) and p.data == "body"))
        end = self.block_ends.end(tree)[0] + self.offset
        return Block(_identifier(parts[0]), labels, self.body(body), self.line(tree), end)

    # ------------------------------------------------------------ expressions

    def expr(self, node: Node) -> Expr:
        if isinstance(node, Token):
            return self.token(node)
        if node.data in _CHAIN:
            return Pratt(self.chain(node), self.line(node)).parse()
        handler = getattr(self, "_" + str(node.data), None)
        if handler is None:
            return Invalid(f"unsupported syntax {node.data}", self.line(node))
        result: Expr = handler(node)
        return result

    def token(self, tok: Token) -> Expr:
        line = self.line(tok)
        if tok.type == "STRING_LIT":
            return parse_quoted(str(tok), line, parse_expression)
        return Invalid(f"unexpected token {str(tok)[:40]!r}", line)

    def chain(self, node: Node) -> list[Any]:
        """Source-order tokens of an unparenthesised operator chain: operands, operator strings,
        and ``"?"``/``":"`` markers."""
        if isinstance(node, Tree) and node.data == "binary_op":
            left, term = node.children
            op_tree, right = term.children
            return [*self.chain(left), str(op_tree.children[0]), *self.chain(right)]
        if isinstance(node, Tree) and node.data == "conditional":
            cond, then, other = node.children
            return [*self.chain(cond), "?", *self.chain(then), ":", *self.chain(other)]
        return [self.expr(node)]

    def _expr_term(self, tree: Node) -> Expr:
        child = tree.children[0]
        if isinstance(child, Token):
            return self.token(child)
        return self.expr(child)

    def _identifier(self, tree: Node) -> Expr:
        name = _identifier(tree)
        if name in _KEYWORDS:
            return Lit(_KEYWORDS[name], self.line(tree))
        return Traversal(name, (), name, self.line(tree))

    def _int_lit(self, tree: Node) -> Expr:
        return Lit(int("".join(str(t) for t in tree.children)), self.line(tree))

    def _float_lit(self, tree: Node) -> Expr:
        return Lit(number_literal("".join(str(t) for t in tree.children)), self.line(tree))

    def _unary_op(self, tree: Node) -> Expr:
        children = _significant(tree.children)
        op, operand = str(children[0]), self.expr(children[1])
        if op == "-" and isinstance(operand, Lit) and isinstance(operand.value, int | float) \
                and not isinstance(operand.value, bool):
            return Lit(-operand.value, operand.line)
        return Unary(op, operand, self.line(tree))

    def _tuple(self, tree: Node) -> Expr:
        return TupleCons(tuple(self.expr(c) for c in tree.children), self.line(tree))

    def _object(self, tree: Node) -> Expr:
        items = []
        for elem in tree.children:
            key_node, value_node = elem.children
            if isinstance(key_node, Tree) and key_node.data == "identifier":
                key: Expr = Lit(_identifier(key_node), self.line(key_node))
            else:
                key = self.expr(key_node)
            items.append((key, self.expr(value_node)))
        return ObjectCons(tuple(items), self.line(tree))

    def _heredoc_template(self, tree: Node) -> Expr:
        return parse_heredoc(str(tree.children[0]), self.line(tree), parse_expression)

    _heredoc_template_trim = _heredoc_template

    def _function_call(self, tree: Node) -> Expr:
        name = _identifier(tree.children[0])
        args: list[Node] = list(tree.children[1].children) if len(tree.children) > 1 else []
        expand = bool(args) and self._ends_with_ellipsis(args[-1], tree)
        return Call(name, tuple(self.expr(a) for a in args), expand, self.line(tree))

    def _ends_with_ellipsis(self, last: Node, call: Node) -> bool:
        """The grammar drops the ``...`` token of ``f(args...)``: read it from the source after
        the last argument."""
        token = last_token(last)
        return token is not None and followed_by(self.source, token, "...", trailing_closers(last))

    def _provider_function_call(self, tree: Node) -> Expr:
        names = [_identifier(c) for c in tree.children if isinstance(c, Tree) and c.data == "identifier"]
        args_tree = tree.children[-1] if isinstance(tree.children[-1], Tree) and \
            tree.children[-1].data == "arguments" else None
        args = tuple(self.expr(a) for a in args_tree.children) if args_tree is not None else ()
        return Call("::".join(names), args, False, self.line(tree))

    def _index_expr_term(self, tree: Node) -> Expr:
        return _extend(self.expr(tree.children[0]), (self.index(tree.children[1]),), self.line(tree))

    def _get_attr_expr_term(self, tree: Node) -> Expr:
        return _extend(self.expr(tree.children[0]), (self.get_attr(tree.children[1]),), self.line(tree))

    def _attr_splat_expr_term(self, tree: Node) -> Expr:
        return Splat(self.expr(tree.children[0]), self.steps(tree.children[1]), True, self.line(tree))

    def _full_splat_expr_term(self, tree: Node) -> Expr:
        return Splat(self.expr(tree.children[0]), self.steps(tree.children[1]), False, self.line(tree))

    def steps(self, tree: Node) -> tuple[Step, ...]:
        return tuple(self.get_attr(c) if c.data == "get_attr" else self.index(c) for c in tree.children)

    def get_attr(self, tree: Node) -> Step:
        return Attr(_identifier(tree.children[0]))

    def index(self, tree: Node) -> Step:
        children = tree.children
        if all(isinstance(c, Token) for c in children):  # legacy ``.0``
            return Idx(Lit(int("".join(str(c) for c in children)), self.line(tree)))
        return Idx(self.expr(children[0]))

    def _for_tuple_expr(self, tree: Node) -> Expr:
        return self._for(tree, is_object=False)

    def _for_object_expr(self, tree: Node) -> Expr:
        return self._for(tree, is_object=True)

    def _for(self, tree: Node, *, is_object: bool) -> Expr:
        parts = [c for c in _significant(tree.children) if isinstance(c, Tree) or str(c) == "..."]
        intro = _significant(parts[0].children)
        names = [_identifier(c) for c in intro if isinstance(c, Tree) and c.data == "identifier"]
        coll = next(c for c in reversed(intro) if not (isinstance(c, Token) and str(c) in (":", "in")))
        rest = parts[1:]
        cond = None
        if rest and isinstance(rest[-1], Tree) and rest[-1].data == "for_cond":
            cond = self.expr(_significant(rest[-1].children)[-1])
            rest = rest[:-1]
        group = bool(rest) and isinstance(rest[-1], Token)
        exprs = [self.expr(r) for r in rest if isinstance(r, Tree)]
        key = exprs[0] if is_object else None
        value = exprs[-1]
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        return ForExpr(key_var, value_var, self.expr(coll), key, value, cond, group, self.line(tree))


def _significant(children: list[Node]) -> list[Node]:
    """Children without the newline and comment tokens that rules written with ``!`` keep."""
    return [c for c in children if not (isinstance(c, Token) and c.type == "_NEW_LINE_OR_COMMENT")]


def _extend(base: Expr, steps: tuple[Step, ...], line: int) -> Expr:
    if isinstance(base, Traversal):
        return Traversal(base.root, base.steps + steps, base.text + step_text(steps), base.line)
    if isinstance(base, Relative):
        return Relative(base.source, base.steps + steps, base.line)
    return Relative(base, steps, line)


def step_text(steps: tuple[Step, ...]) -> str:
    out = []
    for step in steps:
        if isinstance(step, Attr):
            out.append("." + step.name)
        elif isinstance(step.key, Lit) and isinstance(step.key.value, str):
            out.append(f'["{step.key.value}"]')
        elif isinstance(step.key, Lit):
            out.append(f"[{step.key.value}]")
        elif isinstance(step.key, Traversal):
            out.append(f"[{step.key.text}]")
        else:
            out.append("[...]")
    return "".join(out)


def _identifier(tree: Node) -> str:
    if isinstance(tree, Token):
        return str(tree)
    return str(tree.children[0])


def _label(node: Node) -> str:
    if isinstance(node, Token):
        text = str(node)
        return text[1:-1] if text.startswith('"') else text
    return _identifier(node)


def number_literal(text: str) -> int | float:
    """A number literal: integral values are ints (Terraform has one number type)."""
    value = Decimal(text)
    if value == value.to_integral_value():
        return int(value)
    return float(value)
