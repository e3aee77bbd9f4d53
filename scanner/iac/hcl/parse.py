"""Parse one file (``.tf``, ``.tf.json``, ``.tfvars``, ``.tfvars.json``) into a picklable tree.

A file that does not parse becomes a :class:`~scanner.iac.tfmodel.ParseFailure` with a one-line
reason; nothing is cached across calls.
"""

from __future__ import annotations

import os
from pathlib import Path

from lark.exceptions import LarkError

from scanner.iac.file_limits import too_large
from scanner.iac.hcl.ast import Body, FileAst
from scanner.iac.hcl.jsonsyntax import JsonSyntaxError, parse_json_body
from scanner.iac.hcl.syntax import parse_body
from scanner.iac.hcl_errors import describe_parse_error
from scanner.iac.tfmodel import ParseFailure


def is_json(path: Path | str) -> bool:
    return str(path).endswith(".json")


def parse_file(path: Path) -> FileAst | ParseFailure:
    """The file's top-level body, or why it could not be read."""
    name = os.path.realpath(path)  # never raises, even on a symlink loop (the read below says why)
    try:
        oversize = too_large(path.stat().st_size)  # before reading: memory stays bounded
        if oversize is not None:
            return ParseFailure(name, None, oversize)
        raw = path.read_bytes()
    except OSError as err:
        return ParseFailure(name, None, f"cannot read file: {err.strerror}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return ParseFailure(name, None, f"not UTF-8 text (byte {err.start}); binary file?")
    try:
        return FileAst(name, parse_text(text, json_syntax=is_json(path)))
    except JsonSyntaxError as err:
        reason, line = describe_parse_error(path)  # invalid JSON: the JSON decoder's reason and line
        if reason == "invalid Terraform JSON syntax":
            reason, line = f"invalid Terraform JSON: {err}", err.line
        return ParseFailure(name, line, reason)
    except LarkError:
        reason, line = describe_parse_error(path)
        return ParseFailure(name, line, reason)
    except RecursionError:
        return ParseFailure(name, None, "nested too deeply")


def parse_text(text: str, *, json_syntax: bool) -> Body:
    if json_syntax:
        return parse_json_body(text)
    return parse_body(text.replace("\r\n", "\n"))
