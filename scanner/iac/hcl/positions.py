"""Line numbers from the tokens of a Lark tree built without ``propagate_positions``.

Position propagation costs a third of Lark's parse time, so the parser is loaded without it and
lines come from the tokens themselves: a node starts on its first token's line; a block ends on
the line of the ``}`` that follows its last token (the grammar drops that anonymous token).
"""

from __future__ import annotations

from typing import Any

from lark import Token, Tree


def first_token(node: Any) -> Token | None:
    while isinstance(node, Tree):
        if not node.children:
            return None
        node = node.children[0]
    return node if isinstance(node, Token) else None


def last_token(node: Any) -> Token | None:
    """The last token of ``node`` (an empty subtree is skipped for the one before it)."""
    if isinstance(node, Token):
        return node
    if isinstance(node, Tree):
        for child in reversed(node.children):
            found = last_token(child)
            if found is not None:
                return found
    return None


def skip_blank(source: str, pos: int) -> tuple[int, int]:
    """The position after whitespace and comments from ``pos``, and the newlines passed."""
    newlines = 0
    n = len(source)
    while pos < n:
        ch = source[pos]
        if ch in " \t\r":
            pos += 1
        elif ch == "\n":
            newlines += 1
            pos += 1
        elif ch == "#" or source.startswith("//", pos):
            end = source.find("\n", pos)
            pos = n if end < 0 else end
        elif source.startswith("/*", pos):
            end = source.find("*/", pos + 2)
            stop = n if end < 0 else end + 2
            newlines += source.count("\n", pos, stop)
            pos = stop
        else:
            break
    return pos, newlines


def _path_to_last_token(node: Any) -> tuple[Token | None, list[Tree[Token]]]:
    """The last token under ``node`` and the trees that contain it, outermost first."""
    if isinstance(node, Token):
        return node, []
    if isinstance(node, Tree):
        for child in reversed(node.children):
            token, path = _path_to_last_token(child)
            if token is not None:
                return token, [node, *path]
    return None, []


def _open_around(path: list[Tree[Token]]) -> int:
    """How many of ``path`` close with a bracket after the token they contain."""
    count = 0
    for tree, inner in zip(path, [*path[1:], None], strict=True):
        if tree.data in _CLOSED or (tree.data == "index" and isinstance(inner, Tree)):
            count += 1
        elif tree.data == "expr_term" and isinstance(inner, Tree) and inner.data in _EXPRESSIONS:
            count += 1  # a parenthesised expression
    return count


def unmatched_closer(source: str, pos: int, line: int, skip: int) -> tuple[int, int]:
    """Scanning punctuation from ``pos`` (blanks, comments, ``=``/``,``/``...`` and bracket pairs
    opened on the way), the line of the ``skip + 1``-th closing bracket that was opened before
    ``pos``, and the position after it."""
    depth, n = 0, len(source)
    while True:
        pos, newlines = skip_blank(source, pos)
        line += newlines
        if pos >= n:
            return line, pos
        ch = source[pos]
        pos += 1
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            if depth:
                depth -= 1
            elif skip:
                skip -= 1
            else:
                return line, pos


class BlockEnds:
    """Where each block of one text ends: the line of its ``}`` (after its last token, past the
    brackets the grammar dropped: those of expressions that end the block, and of empty ``[]``
    and ``{}``, which have no token at all)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._ends: dict[int, tuple[int, int]] = {}

    def end(self, block: Tree[Token]) -> tuple[int, int]:
        """The closing ``}``: its line and the position after it."""
        known = self._ends.get(id(block))
        if known is None:
            known = self._ends[id(block)] = self._find(block)
        return known

    def _find(self, block: Tree[Token]) -> tuple[int, int]:
        body = block.children[-1]
        inner = [c for c in body.children if isinstance(c, Tree)] if isinstance(body, Tree) else []
        if inner and inner[-1].data == "block":
            line, pos = self.end(inner[-1])
            return unmatched_closer(self.source, pos, line, 0)
        token, path = _path_to_last_token(inner[-1] if inner else block)
        if token is None:
            return 0, 0
        start, line = token.end_pos or 0, token.end_line or token.line or 0
        if not inner:  # an empty block: its own { } follow the last label
            start, newlines = skip_blank(self.source, start)
            return unmatched_closer(self.source, start + 1, line + newlines, 0)
        return unmatched_closer(self.source, start, line, _open_around(path))


def followed_by(source: str, after: Token, text: str, closers: int = 0) -> bool:
    """Whether ``text`` comes next after ``after`` and ``closers`` closing brackets (blanks,
    comments and splat operators skipped)."""
    pos, _newlines = skip_blank(source, after.end_pos or 0)
    while True:
        for marker in ("[*]", ".*"):
            if source.startswith(marker, pos):
                pos, _newlines = skip_blank(source, pos + len(marker))
                break
        else:
            if closers and pos < len(source) and source[pos] in ")]}":
                closers -= 1
                pos, _newlines = skip_blank(source, pos + 1)
                continue
            return closers == 0 and source.startswith(text, pos)


_CLOSED = {"tuple", "object", "function_call", "provider_function_call"}
_EXPRESSIONS = ("expr_term", "binary_op", "conditional", "unary_op")


def trailing_closers(node: Any) -> int:
    """How many closing brackets the grammar dropped after the last token of ``node``: one per
    tuple, object, call, bracket index or parenthesised expression ending it."""
    count = 0
    while isinstance(node, Tree) and node.children:
        last = node.children[-1]
        if node.data in _CLOSED or (node.data == "index" and isinstance(last, Tree)):
            count += 1
        elif node.data == "expr_term" and isinstance(last, Tree) and last.data in (
                "expr_term", "binary_op", "conditional", "unary_op"):
            count += 1  # a parenthesised expression
        node = last
    return count
