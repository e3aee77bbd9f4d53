"""What `pacscan iac` loads at start-up, and that loading less changes no result.

Start-up is most of a small scan's time (see bench/iac.py), so what is deferred or never
imported is pinned here: a change that makes every scan import drift, jsonschema or Checkov's
platform clients again fails a test rather than only a benchmark.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "dental-practice"

#: Checkov imports these at start-up; a Terraform scan never uses them
DEFERRED = ("aiohttp", "boto3", "docker")
#: pacscan modules a Terraform scan has no use for
NOT_IMPORTED = ("jsonschema", "cryptography", "scanner.drift.compare", "scanner.drift.commands",
                "scanner.evidence.bundle", "scanner.collectors.aws")

_PROBE = """
import json, sys
from scanner import lazymod
from scanner.cli import main
code = main(sys.argv[1:])
loaded = {name: (name in sys.modules and not lazymod.is_deferred(name)) for name in json.loads(sys.stdin.read())}
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


def _probe(tmp_path: Path, cache: Path, names: tuple[str, ...]) -> dict[str, object]:
    out = tmp_path / "evidence.json"
    env = {**os.environ, "PACSCAN_CACHE_DIR": str(cache)}
    for key in ("PACSCAN_VALIDATE_EVIDENCE",):  # the test suite's own switch: validation imports jsonschema
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "iac", str(EXAMPLE), "--format", "json", "--output", str(out),
         "--soft-fail"],
        input=json.dumps(list(names)), capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, object] = json.loads(done.stderr.strip().splitlines()[-1])
    report["evidence"] = json.loads(out.read_text(encoding="utf-8"))
    return report


@pytest.fixture(scope="module")
def warm_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("startup")
    cache = tmp / "cache"
    _probe(tmp, cache, ())  # the first run validates the catalog and remembers it
    return _probe(tmp, cache, DEFERRED + NOT_IMPORTED)


def test_checkov_platform_clients_are_never_run(warm_run: dict[str, object]) -> None:
    loaded = warm_run["loaded"]
    assert isinstance(loaded, dict)
    assert {name: loaded[name] for name in DEFERRED} == dict.fromkeys(DEFERRED, False)


def test_a_terraform_scan_imports_no_drift_signing_or_schema_code(warm_run: dict[str, object]) -> None:
    loaded = warm_run["loaded"]
    assert isinstance(loaded, dict)
    assert {name: loaded[name] for name in NOT_IMPORTED} == dict.fromkeys(NOT_IMPORTED, False)


def test_deferring_changes_no_finding(warm_run: dict[str, object], scan_tf) -> None:  # type: ignore[no-untyped-def]
    """The same example scanned in this process (where moto already imported boto3 and requests
    for real, and nothing is deferred) gives the same findings."""
    evidence = warm_run["evidence"]
    assert isinstance(evidence, dict)
    here = {(f.control_id, f.resource.address, f.check_id, f.status.value) for f in scan_tf(EXAMPLE)}
    there = {(f["control_id"], f["resource"]["address"], f["check_id"], f["status"])
             for f in evidence["findings"] if f["source"] == "terraform"}
    assert there == here
    assert len(here) > 50
