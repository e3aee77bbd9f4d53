"""Root variable assignments from the environment, variable files and the command line.

Precedence, lowest first (later wins): ``TF_VAR_name``; ``terraform.tfvars``;
``terraform.tfvars.json``; ``*.auto.tfvars``/``*.auto.tfvars.json`` in lexical order; the
``--var-file`` files, then the ``--var`` options, each in the order given. (The two option lists
reach :func:`root_inputs` separately, so every ``--var`` wins over every ``--var-file``.)
Variable files are read from the root module's own folder. A variable file that does not parse
makes Terraform stop: an explicit ``--var-file`` is refused here too
(:class:`~scanner.errors.TerraformInputError`); an automatically loaded one makes every
variable it could have set unknown. Assignments to undeclared variables in files are ignored
(Terraform only warns).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from lark.exceptions import LarkError

from scanner.errors import TerraformInputError
from scanner.facts.values import Unknown
from scanner.iac.file_limits import too_large
from scanner.iac.hcl.ast import Body
from scanner.iac.hcl.jsonsyntax import JsonSyntaxError, parse_json_attributes
from scanner.iac.hcl.syntax import parse_body
from scanner.iac.hcl.variables import Assignment, RootInputs
from scanner.iac.hcl_errors import describe_parse_error


def parse_var_option(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` from ``--var`` (the value may hold more ``=``)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise TerraformInputError(f"--var {text!r}: expected NAME=VALUE")
    return name.strip(), value


def auto_files(folder: str) -> list[str]:
    """Variable files Terraform loads by itself from a root module folder, in precedence order."""
    try:
        names = set(os.listdir(folder))
    except OSError:
        return []
    fixed = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    auto = sorted(n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json")))
    return [os.path.join(folder, n) for n in fixed + auto if os.path.isfile(os.path.join(folder, n))]


def read_var_file(path: str) -> Body:
    """A variable file's assignments; raises ValueError (with ``line``) when it cannot be read."""
    try:
        oversize = too_large(os.path.getsize(path))
        if oversize is not None:
            raise _FileError(f"variable file {oversize}", None)
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as err:
        raise _FileError(f"cannot read variable file: {err}", None) from None
    try:
        if path.endswith(".json"):
            return parse_json_attributes(text)
        return parse_body(text.replace("\r\n", "\n"))
    except JsonSyntaxError as err:
        raise _FileError(f"invalid variable file: {err}", err.line) from None
    except (LarkError, RecursionError):
        reason, line = describe_parse_error(Path(path))
        raise _FileError(f"invalid variable file: {reason}", line) from None


class _FileError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def root_inputs(folder: str, declared: set[str], display: Callable[[str], str], *, var_files: Sequence[Path],
                variables: Sequence[tuple[str, str]], environ: Mapping[str, str]) -> RootInputs:
    inputs = RootInputs()
    assignments = inputs.assignments
    for name in sorted(declared):
        if f"TF_VAR_{name}" in environ:
            assignments[name] = Assignment(f"TF_VAR_{name}", raw=environ[f"TF_VAR_{name}"])
    for path in auto_files(folder):
        inputs.files.append(path)
        try:
            body = read_var_file(path)
        except _FileError as err:
            where = f"{display(path)}:{err.line}" if err.line else display(path)
            unknown = Unknown(f"variable file {display(path)} does not parse ({err}), so any variable may be set "
                              "there", where)
            assignments.update({name: Assignment(display(path), unknown=unknown) for name in declared})
            continue
        _layer(assignments, body, path, display, declared)
    for file in var_files:
        path = os.path.abspath(file)
        inputs.files.append(path)
        try:
            body = read_var_file(path)
        except _FileError as err:
            raise TerraformInputError(str(err), path=str(file), line=err.line) from None
        _layer(assignments, body, path, display, declared)
    for name, raw in variables:
        if name in declared:
            assignments[name] = Assignment("--var", raw=raw)
    return inputs


def _layer(assignments: dict[str, Assignment], body: Body, path: str, display: Callable[[str], str],
           declared: set[str]) -> None:
    for name, attr in body.attributes.items():
        if name in declared:
            assignments[name] = Assignment(f"{display(path)}:{attr.line}", expr=attr.expr, file=path)
