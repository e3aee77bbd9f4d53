"""Why Checkov could not parse a Terraform file, in one line (Checkov only names the file)."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.iac.file_limits import too_large


def describe_parse_error(path: Path) -> tuple[str, int | None]:
    """A short reason and the line it points at, for a file Checkov reported unparseable."""
    try:
        oversize = too_large(path.stat().st_size)
        if oversize is not None:
            return oversize, None
        raw = path.read_bytes()
    except OSError as err:
        return f"cannot read file: {err.strerror}", None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"not UTF-8 text (byte {err.start}); binary file?", None
    if path.name.endswith(".json"):
        try:
            json.loads(text)
        except json.JSONDecodeError as err:
            return f"invalid JSON: {err.msg}", err.lineno
        return "invalid Terraform JSON syntax", None
    return _hcl_reason(text)


def _hcl_reason(text: str) -> tuple[str, int | None]:
    import hcl2  # type: ignore[attr-defined,unused-ignore]
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    try:
        hcl2.loads(text)  # type: ignore[attr-defined,unused-ignore]
    except UnexpectedToken as err:
        token = str(err.token).strip() or "end of file"
        return f"unexpected {token!r}", _line(err)
    except UnexpectedCharacters as err:
        char = text[err.pos_in_stream] if err.pos_in_stream is not None else "?"
        return f"unexpected character {char!r}", _line(err)
    except UnexpectedEOF as err:
        return "unexpected end of file", _line(err)
    except UnexpectedInput as err:
        return "invalid HCL syntax", _line(err)
    except RecursionError:
        return "nested too deeply", None
    except Exception as err:
        return f"invalid HCL syntax ({type(err).__name__})", None
    return "Checkov could not parse this file", None


def _line(err: object) -> int | None:
    line = getattr(err, "line", None)
    return line if isinstance(line, int) and line > 0 else None
