"""Every control fixture: named resources pass and named resources fail, exactly.

Fixtures live in tests/fixtures/terraform/<provider>/<CONTROL-ID>[-variant]/. Resources judged
for the control are named ``pass_*`` (must roll up to pass) or ``fail_*`` (must roll up to
fail); ``cfg_*`` resources configure others and are not judged by name. The sets are compared
in both directions: nothing named pass_ may fail, nothing named fail_ may pass or be missing,
and no other resource may pass or fail the control. Resources named ``unknown_*`` hold values
that cannot be resolved (an undefined variable): they must come out ``unknown``, never pass;
``na_*`` resources are ones the control does not apply to: ``not_applicable``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scanner.models import Status
from tests.conftest import FIXTURES, REPO

TF_FIXTURES = FIXTURES / "terraform"
PROVIDERS = ("aws", "azure", "gcp")
#: resource name prefix -> the status it must roll up to (na_: the control does not apply to it)
_PREFIXES = (("pass_", Status.PASS), ("fail_", Status.FAIL), ("unknown_", Status.UNKNOWN),
             ("na_", Status.NOT_APPLICABLE))


def _control_ids() -> list[str]:
    ids: list[str] = []
    for path in sorted((REPO / "rules" / "controls").glob("*.yaml")):
        ids += [c["id"] for c in yaml.safe_load(path.read_text())["controls"]]
    return ids


def _control_of(folder: Path) -> str:
    matches = [c for c in _control_ids() if folder.name == c or folder.name.startswith(c + "-")]
    assert matches, f"{folder}: folder name does not start with a control id"
    return max(matches, key=len)


def _folders() -> list[Path]:
    return sorted(p for p in TF_FIXTURES.glob("*/*") if p.is_dir())


def _local_name(address: str) -> str:
    return re.sub(r"\[[^\]]*\]$", "", address).rsplit(".", 1)[-1]


def _rollup(findings: list, control_id: str) -> dict[str, Status]:  # type: ignore[type-arg]
    worst: dict[str, Status] = {}
    for f in findings:
        if f.control_id != control_id:
            continue
        have = worst.get(f.resource.address)
        if have is None or f.status.rank > have.rank:
            worst[f.resource.address] = f.status
    return worst


@pytest.mark.parametrize("folder", _folders(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_named_resources_pass_and_fail_exactly(folder: Path, scan_tf) -> None:  # type: ignore[no-untyped-def]
    control_id = _control_of(folder)
    rollup = _rollup(scan_tf(folder), control_id)
    names = {a: _local_name(a) for a in rollup}
    declared = _declared(folder)
    for prefix, status in _PREFIXES:
        got = {a for a, s in rollup.items() if s is status}
        assert {a for a in got if not names[a].startswith(prefix)} == set(), f"unexpected {status.value}"
        assert {_local_name(a) for a in got} == declared[prefix], f"{control_id}: {status.value} set differs"
    other = {a: s.value for a, s in rollup.items() if s not in {want for _, want in _PREFIXES}}
    assert not other, f"{control_id}: unexpected statuses: {other}"


def _declared(folder: Path) -> dict[str, set[str]]:
    text = "\n".join(p.read_text() for p in sorted(folder.rglob("*.tf")))
    names = re.findall(r'^\s*resource\s+"[\w-]+"\s+"((?:pass|fail|unknown|na)_[\w-]*)"', text, flags=re.M)
    return {prefix: {n for n in names if n.startswith(prefix)} for prefix, _ in _PREFIXES}


def _mapped(provider: str) -> dict[str, list[str]]:
    path = REPO / "rules" / f"terraform-{provider}.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    return dict((data.get("terraform") or {}).get("checks") or {})


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_mapped_control_has_a_fixture_with_both_outcomes(provider: str) -> None:
    missing = []
    for control_id in _mapped(provider):
        folders = [p for p in (TF_FIXTURES / provider).glob(f"{control_id}*") if p.is_dir()
                   and _control_of(p) == control_id]
        declared: dict[str, set[str]] = {prefix: set() for prefix, _ in _PREFIXES}
        for folder in folders:
            for key, names in _declared(folder).items():
                declared[key] |= names
        if not declared["pass_"] or not declared["fail_"]:
            missing.append(control_id)
    assert not missing, f"{provider}: controls without pass_ and fail_ fixtures: {missing}"
