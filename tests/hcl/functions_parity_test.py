"""Parity with Terraform itself: every known-value case is evaluated by ``terraform console`` (one invocation,
all expressions on stdin, in an empty folder, no providers) and must agree with the expectation, and so with
the library, which the unit tests check against the same table."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from scanner.iac.hcl.functions_encoding import json_text
from tests.hcl.functions_cases import CORE, Case
from tests.hcl.functions_cases_more import FILE_CASES, FILE_TREE, MORE
from tests.hcl.functions_support import _Error, hcl, outcome, write_tree

pytestmark = pytest.mark.slow


def _expression(cases: list[Case]) -> str:
    """One expression for every case: ``{ok = jsonencode(result)}`` or ``{err = true}`` each, Base64-wrapped so
    that the console's quoting cannot get in the way."""
    items = [f"try({{ok = jsonencode({_call(name, args)})}}, {{err = true}})" for name, args, _ in cases]
    return "base64encode(jsonencode([" + ", ".join(items) + "]))"


#: a ``null`` argument of these functions is given a type, as the nulls configurations pass (variables) have: an
#: untyped ``null`` literal makes Terraform's format unknown and coalescelist fail
_TYPED_NULL = {"format": "tostring(null)", "formatlist": "tostring(null)", "coalescelist": "tolist(null)"}

#: cases where the installed Terraform is older than the semantics the library follows (go-cty's, as Terraform
#: releases after 1.11 ship them), by the HCL of the call
VERSION_DIFFERENCES = {
    'element(["a", "b", "c"], -1)': "go-cty 1.16.0 (Terraform 1.11) panics on a negative index into a tuple; "
                                    "1.16.2 counts from the end, as it always did for lists",
    'contains([null, "a"], null)': "go-cty 1.18.1 allows looking for null; earlier versions reject a null value",
    'jsondecode("{\\"a\\": 1, \\"a\\": 2}")': "go-cty 1.16.2 rejects duplicate object keys; earlier versions "
                                                "keep the last",
}


def _call(name: str, args: list[Any]) -> str:
    """The call in HCL (see ``_TYPED_NULL``)."""
    rendered = [_TYPED_NULL.get(name, "null") if a is None else hcl(a) for a in args]
    return f"{name}({', '.join(rendered)})"


def _nfc(value: Any) -> Any:
    """HCL normalizes string literals to NFC: the library sees them so from the evaluator."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    return value


def terraform_outcomes(cases: list[Case], folder: Path) -> list[Any]:
    """What Terraform gives for each case: the JSON of its result, or an :class:`_Error`."""
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    done = subprocess.run(["terraform", "console"], input=_expression(cases) + "\n", cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    raw = json.loads(base64.b64decode(json.loads(done.stdout.strip().splitlines()[-1])))
    return [_Error() if "err" in item else item["ok"] for item in raw]


def _disagreements(cases: list[Case], folder: Path) -> list[str]:
    disagreements = []
    for (name, args, expected), theirs in zip(cases, terraform_outcomes(cases, folder), strict=True):
        if _call(name, args) in VERSION_DIFFERENCES:
            continue
        ours = outcome(name, *_nfc(args), base_dir=folder)
        if isinstance(theirs, _Error) != isinstance(ours, _Error) or (
                not isinstance(theirs, _Error) and json.loads(theirs) != json.loads(json_text(ours))):
            disagreements.append(f"{_call(name, args)}: terraform {theirs!r}, ours {ours!r}")
        elif isinstance(expected, _Error) != isinstance(theirs, _Error) or (
                not isinstance(theirs, _Error) and json.loads(theirs) != json.loads(json_text(_nfc(expected)))):
            disagreements.append(f"{_call(name, args)}: the table expects {expected!r}, terraform gives {theirs!r}")
    return disagreements


@pytest.mark.skipif(shutil.which("terraform") is None, reason="the Terraform CLI is not on PATH")
def test_every_known_value_case_agrees_with_terraform_console(tmp_path: Path) -> None:
    disagreements = _disagreements(CORE + MORE, tmp_path)
    assert not disagreements, "\n".join(disagreements)


@pytest.mark.skipif(shutil.which("terraform") is None, reason="the Terraform CLI is not on PATH")
def test_the_filesystem_functions_agree_with_terraform_console(tmp_path: Path) -> None:
    disagreements = _disagreements(FILE_CASES, write_tree(tmp_path, FILE_TREE))
    assert not disagreements, "\n".join(disagreements)
