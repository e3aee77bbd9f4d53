"""Every GCP control fixture, judged through the evaluator, the normalisers and the rules: resources
named ``pass_*``, ``fail_*``, ``unknown_*`` and ``na_*`` (not applicable) come out exactly so for the
folder's control, and no other resource is judged for it (``cfg_*`` resources configure others)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scanner.models import Status
from tests.policies.gcp.helpers import FIXTURES, judge_folder, local_name, rollup

PREFIXES = {"pass_": Status.PASS, "fail_": Status.FAIL, "unknown_": Status.UNKNOWN, "na_": Status.NOT_APPLICABLE}


def _control(folder: Path) -> str:
    """``NET-DICOM`` of ``NET-DICOM`` and of a variant folder ``NET-DICOM-dynamic-blocks``."""
    found = re.match(r"[A-Z0-9]+(?:-[A-Z0-9]+)*", folder.name)
    assert found is not None, folder
    return found.group(0)


def _declared(folder: Path) -> dict[str, set[str]]:
    text = "\n".join(p.read_text() for p in sorted(folder.rglob("*.tf")))
    names = re.findall(r'^\s*resource\s+"[\w-]+"\s+"((?:pass|fail|unknown|na)_[\w-]*)"', text, flags=re.M)
    return {prefix: {n for n in names if n.startswith(prefix)} for prefix in PREFIXES}


FOLDERS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_named_resources_have_their_verdicts(folder: Path) -> None:
    control = _control(folder)
    judged = rollup(judge_folder(folder), control)
    declared = _declared(folder)
    for prefix, want in PREFIXES.items():
        got = {local_name(a) for a, s in judged.items() if s is want}
        assert got == declared[prefix], f"{control}: {want.value} set differs"
    stray = {a: s.value for a, s in judged.items() if not local_name(a).startswith(tuple(PREFIXES))}
    assert not stray, f"{control}: resources judged that are not named for a verdict: {stray}"
