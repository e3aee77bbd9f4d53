"""HCL's operator precedence over a chain flattened back into source order.

Lowest first: ``? :``, ``||``, ``&&``, ``== !=``, ``< <= > >=``, ``+ -``, ``* / %``; binary
operators are left-associative. Operands are already converted expressions (unary operators
and parenthesised expressions among them, so they bind tighter).
"""

from __future__ import annotations

from typing import Any

from scanner.iac.hcl.ast import Binary, Cond, Expr, Invalid

PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5,
              "*": 6, "/": 6, "%": 6}


class Pratt:
    """Precedence climbing over a flattened chain of operands and operators."""

    def __init__(self, tokens: list[Any], line: int) -> None:
        self.tokens = tokens
        self.pos = 0
        self.line = line

    def parse(self) -> Expr:
        result = self.conditional()
        if self.pos != len(self.tokens):
            return Invalid("operator chain does not parse", self.line)
        return result

    def peek(self) -> Any:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def conditional(self) -> Expr:
        cond = self.binary(1)
        if self.peek() != "?":
            return cond
        self.pos += 1
        then = self.conditional()
        if self.peek() != ":":
            return Invalid("conditional without ':'", self.line)
        self.pos += 1
        other = self.conditional()
        return Cond(cond, then, other, self.line)

    def binary(self, min_prec: int) -> Expr:
        left = self.operand()
        while True:
            op = self.peek()
            if not isinstance(op, str) or op not in PRECEDENCE or PRECEDENCE[op] < min_prec:
                return left
            self.pos += 1
            right = self.binary(PRECEDENCE[op] + 1)
            left = Binary(op, left, right, self.line)

    def operand(self) -> Expr:
        tok = self.peek()
        self.pos += 1
        if tok is None or isinstance(tok, str):
            return Invalid(f"operator {tok!r} without an operand", self.line)
        result: Expr = tok
        return result
