"""HCL string templates: ``"a${x}b"``, ``%{ if }``/``%{ for }`` directives, escapes, heredocs.

The grammar hands a quoted string or heredoc over as one raw token; this module scans its
template structure by hand (no regular expressions) and parses each interpolation with the
expression parser it is given. HCL semantics implemented here:

* ``$${`` and ``%%{`` are the literal text ``${`` and ``%{``;
* in quoted strings (not heredocs) backslash escapes ``\\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN``;
* literal text is a sequence of tokens: one between two interpolations/directives in a quoted
  string; in a heredoc or a template file also cut after every newline (as HCL's scanner does);
* a ``~`` just inside ``${``/``%{`` or before the closing ``}`` strips all whitespace (newlines
  included) from the adjacent literal *token*: in a heredoc ``%{ for x in y ~}`` strips the rest
  of its own line, not the next line's indentation;
* a template that is exactly one interpolation (``"${x}"``) yields the value itself, unconverted
  (a list stays a list);
* a heredoc's content runs from the line after ``<<EOT`` to the newline before the closing
  marker (that newline included); ``<<-EOT`` then removes, from every literal token that starts
  a line, the smallest leading whitespace of those tokens (a whitespace-only line is neither
  counted nor trimmed; an interpolation starting a line counts as no indentation). A line
  "starts" only after a literal token ending in a newline, so a line after a ``~}`` that ate the
  newline keeps its indentation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scanner.iac.hcl.ast import Expr, ForExpr, Invalid, Lit, Template, TemplateFor, TemplateIf, TemplatePart

ExprParser = Callable[[str, int], Expr]

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


class TemplateSyntaxError(ValueError):
    pass


@dataclass
class _Token:
    kind: str  # "lit", "interp", "dir"
    text: str
    line: int
    strip_left: bool = False
    strip_right: bool = False


def parse_quoted(token: str, line: int, parse_expr: ExprParser) -> Expr:
    """A ``"..."`` token (quotes included) as an expression."""
    return parse_template(token[1:-1], line, parse_expr, escapes=True)


def parse_heredoc(token: str, line: int, parse_expr: ExprParser) -> Expr:
    """A ``<<EOT`` / ``<<-EOT`` token as an expression."""
    first_nl = token.index("\n")
    last_nl = token.rindex("\n")
    content = token[first_nl + 1:last_nl + 1] if last_nl > first_nl else ""
    return parse_template(content, line + 1, parse_expr, escapes=False, flush=token.startswith("<<-"))


def parse_template(raw: str, line: int, parse_expr: ExprParser, *, escapes: bool, flush: bool = False) -> Expr:
    """Template text (no quotes) as a ``Lit`` string, the single interpolated expression, or a
    ``Template``. ``escapes``: a quoted string (backslash escapes, literal tokens not cut at
    newlines); ``flush``: a ``<<-`` heredoc."""
    if "${" not in raw and "%{" not in raw and not (escapes and "\\" in raw) and not flush:
        return Lit(raw, line)
    try:
        tokens = _strip(_scan(raw, line, escapes))
        if flush:
            _flush(tokens)
        tokens = [t for t in tokens if t.kind != "lit" or t.text]
        parts, rest = _build(tokens, 0, parse_expr, stop=())
    except TemplateSyntaxError as err:
        return Invalid(f"template does not parse: {err}", line)
    if rest != len(tokens):
        return Invalid(f"template does not parse: unexpected %{{ {tokens[rest].text.strip()} }}", line)
    if len(parts) == 1 and not isinstance(parts[0], str | TemplateIf | TemplateFor) and _single_interp(tokens):
        return parts[0]
    if all(isinstance(p, str) for p in parts):
        return Lit("".join(p for p in parts if isinstance(p, str)), line)
    return Template(tuple(parts), line)


def _merge_literals(parts: list[TemplatePart]) -> list[TemplatePart]:
    out: list[TemplatePart] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        else:
            out.append(part)
    return out


def _single_interp(tokens: list[_Token]) -> bool:
    return len(tokens) == 1 and tokens[0].kind == "interp"


def _scan(raw: str, line: int, escapes: bool) -> list[_Token]:
    tokens: list[_Token] = []
    buf: list[str] = []
    i, n = 0, len(raw)
    cur_line = line
    while i < n:
        ch = raw[i]
        if escapes and ch == "\\":
            text, i = _escape(raw, i)
            buf.append(text)
            continue
        if ch in "$%" and raw.startswith(ch + ch + "{", i):
            buf.append(ch + "{")
            i += 3
            continue
        if ch in "$%" and raw.startswith(ch + "{", i):
            if buf:
                tokens.append(_Token("lit", "".join(buf), cur_line))
                buf = []
            end = find_close(raw, i + 2)
            tokens.append(_directive_token("interp" if ch == "$" else "dir", raw[i + 2:end], cur_line))
            cur_line += raw.count("\n", i, end)
            i = end + 1
            continue
        buf.append(ch)
        i += 1
        if ch == "\n":
            cur_line += 1
            if not escapes:  # heredoc and template file literals end at each newline
                tokens.append(_Token("lit", "".join(buf), cur_line - 1))
                buf = []
    if buf:
        tokens.append(_Token("lit", "".join(buf), cur_line))
    return tokens


def _directive_token(kind: str, inner: str, line: int) -> _Token:
    strip_left = inner.startswith("~")
    strip_right = inner.endswith("~") and len(inner) > (1 if strip_left else 0)
    text = inner[1 if strip_left else 0:len(inner) - (1 if strip_right else 0)]
    return _Token(kind, text, line, strip_left, strip_right)


def _escape(raw: str, i: int) -> tuple[str, int]:
    if i + 1 >= len(raw):
        raise TemplateSyntaxError("a backslash ends the string")
    code = raw[i + 1]
    if code in _ESCAPES:
        return _ESCAPES[code], i + 2
    width = {"u": 4, "U": 8}.get(code)
    digits = raw[i + 2:i + 2 + width] if width else ""
    if width and len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
        return chr(int(digits, 16)), i + 2 + width
    raise TemplateSyntaxError(f"invalid escape sequence \\{code}")


def find_close(raw: str, start: int) -> int:
    """Index of the ``}`` closing an interpolation whose body starts at ``start`` (nested braces,
    quoted strings and their own interpolations skipped)."""
    depth = 0
    i, n = start, len(raw)
    while i < n:
        ch = raw[i]
        if ch == '"':
            i = _skip_string(raw, i + 1)
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    raise TemplateSyntaxError("unclosed ${ or %{")


def _skip_string(raw: str, i: int) -> int:
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\":
            i += 2
        elif ch == '"':
            return i + 1
        elif ch in "$%" and raw.startswith(ch + "{", i):
            i = find_close(raw, i + 2) + 1
        else:
            i += 1
    raise TemplateSyntaxError("unclosed string inside an interpolation")


def _strip(tokens: list[_Token]) -> list[_Token]:
    """Apply ``~`` strip markers to the literal token next to them (only that one)."""
    for k, tok in enumerate(tokens):
        if tok.kind == "lit":
            continue
        if tok.strip_left and k > 0 and tokens[k - 1].kind == "lit":
            tokens[k - 1].text = tokens[k - 1].text.rstrip()
        if tok.strip_right and k + 1 < len(tokens) and tokens[k + 1].kind == "lit":
            tokens[k + 1].text = tokens[k + 1].text.lstrip()
    return tokens


def _flush(tokens: list[_Token]) -> None:
    """``<<-``: remove the common indentation of the literal tokens that start a line."""
    smallest: int | None = None
    adjust: list[_Token] = []
    newline = True
    for tok in tokens:
        if newline:
            newline = False
            if tok.kind == "lit":
                trimmed = tok.text.lstrip()
                if trimmed or not tok.text.endswith("\n"):  # a whitespace-only line does not count
                    width = len(tok.text) - len(trimmed)
                    smallest = width if smallest is None else min(smallest, width)
                    adjust.append(tok)
            else:
                smallest = 0
        if tok.kind == "lit" and tok.text.endswith("\n"):
            newline = True
    for tok in adjust:
        tok.text = tok.text[smallest or 0:]


def _keyword(text: str) -> tuple[str, str]:
    stripped = text.strip()
    word = stripped.split(None, 1)
    return (word[0], word[1] if len(word) > 1 else "") if word else ("", "")


def _build(tokens: list[_Token], k: int, parse_expr: ExprParser,
           stop: tuple[str, ...]) -> tuple[list[TemplatePart], int]:
    parts: list[TemplatePart] = []
    while k < len(tokens):
        tok = tokens[k]
        if tok.kind == "lit":
            parts.append(tok.text)
            k += 1
            continue
        if tok.kind == "interp":
            parts.append(parse_expr(tok.text, tok.line))
            k += 1
            continue
        word, rest = _keyword(tok.text)
        if word in stop:
            return _merge_literals(parts), k
        if word == "if":
            part, k = _build_if(tokens, k, rest, parse_expr)
        elif word == "for":
            part, k = _build_for(tokens, k, parse_expr)
        else:
            raise TemplateSyntaxError(f"unexpected %{{ {word} }}")
        parts.append(part)
    return _merge_literals(parts), k


def _build_if(tokens: list[_Token], k: int, cond_text: str, parse_expr: ExprParser) -> tuple[TemplatePart, int]:
    line = tokens[k].line
    then, k = _build(tokens, k + 1, parse_expr, stop=("else", "endif"))
    other: list[TemplatePart] = []
    if k < len(tokens) and _keyword(tokens[k].text)[0] == "else":
        other, k = _build(tokens, k + 1, parse_expr, stop=("endif",))
    if k >= len(tokens) or _keyword(tokens[k].text)[0] != "endif":
        raise TemplateSyntaxError("%{ if } without %{ endif }")
    return TemplateIf(parse_expr(cond_text, line), tuple(then), tuple(other), line), k + 1


def _build_for(tokens: list[_Token], k: int, parse_expr: ExprParser) -> tuple[TemplatePart, int]:
    tok = tokens[k]
    header = parse_expr(f"[{tok.text.strip()} : null]", tok.line)
    if not isinstance(header, ForExpr):
        raise TemplateSyntaxError(f"invalid %{{ {tok.text.strip()} }}")
    body, k = _build(tokens, k + 1, parse_expr, stop=("endfor",))
    if k >= len(tokens):
        raise TemplateSyntaxError("%{ for } without %{ endfor }")
    return TemplateFor(header.key_var, header.value_var, header.collection, tuple(body), tok.line), k + 1
