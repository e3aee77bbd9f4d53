"""csvdecode: CSV as Go's ``encoding/csv`` reads it (the reader Terraform uses, with its default strictness)."""

from __future__ import annotations

from .functions_base import Call, FunctionError, Param, Spec
from .functions_types import STRING

__all__ = ["FUNCTIONS"]


def _lines(text: str) -> list[str]:
    """Lines ending with a newline (``\\r\\n`` read as ``\\n``), the last one possibly without (and then without a
    trailing ``\\r``)."""
    out: list[str] = []
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end + 1]
        start = len(text) if end < 0 else end + 1
        if line.endswith("\r\n"):
            line = line[:-2] + "\n"
        elif end < 0 and line.endswith("\r"):
            line = line[:-1]
        out.append(line)
    return out


class _Reader:
    """Go's ``csv.Reader.readRecord``: quoted fields may span lines, ``""`` is a quote inside one; a quote in an
    unquoted field or text after a closing quote is an error; empty lines are skipped."""

    def __init__(self, text: str) -> None:
        self.lines = _lines(text)
        self.at = 0
        self.line_no = 0

    def _next_line(self) -> str | None:
        if self.at >= len(self.lines):
            return None
        self.at += 1
        self.line_no += 1
        return self.lines[self.at - 1]

    def record(self) -> list[str] | None:
        line = self._next_line()
        while line == "\n":
            line = self._next_line()
        if line is None:
            return None
        fields: list[str] = []
        while True:
            if not line.startswith('"'):
                end = line.find(",")
                field = line[:end] if end >= 0 else line.rstrip("\n")
                if '"' in field:
                    raise FunctionError(f'parse error on line {self.line_no}: bare " in non-quoted-field')
                fields.append(field)
                if end < 0:
                    return fields
                line = line[end + 1:]
                continue
            line, field = self._quoted(line[1:])
            fields.append(field)
            if line.startswith(","):
                line = line[1:]
                continue
            return fields

    def _quoted(self, rest: str) -> tuple[str, str]:
        """The quoted field starting at ``rest`` (after its opening quote) and what follows its closing quote."""
        parts: list[str] = []
        while True:
            close = rest.find('"')
            if close < 0:
                parts.append(rest)
                following = self._next_line()
                if following is None:
                    raise FunctionError(f'parse error on line {self.line_no}: extraneous or missing " in quoted-field')
                rest = following
                continue
            parts.append(rest[:close])
            after = rest[close + 1:]
            if after.startswith('"'):
                parts.append('"')
                rest = after[1:]
                continue
            if after and after[0] not in ",\n":
                raise FunctionError(f'parse error on line {self.line_no}: extraneous or missing " in quoted-field')
            return after, "".join(parts)


def _csvdecode(call: Call, text: str) -> list[dict[str, str]]:
    """``csvdecode(str)``: one map per row after the header row, keyed by the header's column names (all values
    strings; every row must have as many fields as the header)."""
    reader = _Reader(text)
    try:
        headers = reader.record()
        if headers is None:
            raise FunctionError("missing header line")
        if len(set(headers)) != len(headers):
            duplicate = next(h for h in headers if headers.count(h) > 1)
            raise FunctionError(f"duplicate column name {duplicate!r}")
        rows = []
        while (fields := reader.record()) is not None:
            if len(fields) != len(headers):
                raise FunctionError(f"record on line {reader.line_no}: wrong number of fields")
            rows.append(dict(zip(headers, fields, strict=True)))
        return rows
    except FunctionError as exc:
        raise call.error(str(exc)) from None


FUNCTIONS: dict[str, Spec] = {"csvdecode": Spec(_csvdecode, (Param(STRING),))}
