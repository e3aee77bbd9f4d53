"""Issue 14, "SARIF that code scanning will refuse": the SARIF `pacscan iac` writes for the example
estate, checked against the SARIF 2.1.0 schema (../shared/schemas) and against what GitHub code
scanning documents as required and as its upload limits:

- per file: at most 20 runs, 10 MB gzip-compressed;
- per run: at most 25,000 results and 25,000 rules;
- per result: ``ruleId``, ``message.text``, 1 to 1,000 ``locations``, each with a
  ``physicalLocation.artifactLocation.uri`` (relative to the repository, for alerts to be placed)
  and ``region.startLine``; ``partialFingerprints`` so alerts keep their identity across runs;
- per rule: ``id``, at most 20 tags, help text.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.validators
import pytest

from scanner.cli import main

VENDORED_SCHEMA = Path(__file__).resolve().parent.parent / "fixtures" / "schemas" / "sarif-schema-2.1.0.json"
#: the project's shared copy (``../shared/schemas`` beside the checkout, or beside its worktree folder)
SHARED_SCHEMA = next((p / "shared" / "schemas" / "sarif-schema-2.1.0.json" for p in VENDORED_SCHEMA.parents
                      if (p / "shared" / "schemas" / "sarif-schema-2.1.0.json").is_file()), None)
LIMITS = {"runs": 20, "results": 25_000, "rules": 25_000, "locations": 1_000, "tags": 20,
          "gzip_bytes": 10 * 1024 * 1024}


def code_scanning_problems(doc: dict[str, Any], text: str) -> list[str]:
    """Everything in ``doc`` GitHub code scanning would refuse or could not place."""
    problems = []
    if doc.get("version") != "2.1.0":
        problems.append("version is not 2.1.0")
    if len(gzip.compress(text.encode())) > LIMITS["gzip_bytes"]:
        problems.append("larger than 10 MB gzip-compressed")
    runs = doc.get("runs", [])
    if not 1 <= len(runs) <= LIMITS["runs"]:
        problems.append(f"{len(runs)} runs")
    for run in runs:
        driver = run["tool"]["driver"]
        rules = driver.get("rules", [])
        if not driver.get("name") or len(rules) > LIMITS["rules"]:
            problems.append("driver without a name, or too many rules")
        for rule in rules:
            if not rule.get("id") or not rule.get("help", {}).get("text"):
                problems.append(f"rule {rule.get('id')} without id or help")
            if len(rule.get("properties", {}).get("tags", [])) > LIMITS["tags"]:
                problems.append(f"rule {rule['id']} has more than 20 tags")
        results = run.get("results", [])
        if len(results) > LIMITS["results"]:
            problems.append(f"{len(results)} results in a run")
        for i, result in enumerate(results):
            problems += [f"results[{i}]: {p}" for p in _result_problems(result)]
    return problems


def _result_problems(result: dict[str, Any]) -> list[str]:
    problems = []
    if not result.get("ruleId") or not result.get("message", {}).get("text"):
        problems.append("no ruleId or message.text")
    if not result.get("partialFingerprints"):
        problems.append("no partialFingerprints")
    locations = result.get("locations", [])
    if not 1 <= len(locations) <= LIMITS["locations"]:
        problems.append(f"{len(locations)} locations")
    for location in locations:
        physical = location.get("physicalLocation")
        if physical is None:
            problems.append("a location with no physicalLocation")
            continue
        uri = physical.get("artifactLocation", {}).get("uri", "")
        if not uri or re.match(r"^[a-z]+:", uri) or uri.startswith("/"):
            problems.append(f"artifactLocation.uri {uri!r} is not relative to the repository")
        if physical.get("region", {}).get("startLine", 0) < 1:
            problems.append("no region.startLine")
    return problems


def validate(doc: dict[str, Any], schema_path: Path) -> None:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(doc)


@pytest.fixture(scope="module")
def example_sarif(tmp_path_factory: pytest.TempPathFactory, repo: Path) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("sarif") / "pacscan.sarif"
    assert main(["iac", str(repo / "examples" / "dental-practice"), "--format", "sarif", "--output", str(out),
                 "--soft-fail"]) == 0
    text = out.read_text(encoding="utf-8")
    return json.loads(text), text


def test_example_sarif_validates_against_the_shared_schema(example_sarif: tuple[dict[str, Any], str]) -> None:
    if SHARED_SCHEMA is not None:
        assert SHARED_SCHEMA.read_bytes() == VENDORED_SCHEMA.read_bytes(), "the vendored copy is the shared schema"
    validate(example_sarif[0], SHARED_SCHEMA or VENDORED_SCHEMA)


def test_example_sarif_meets_code_scanning_requirements_and_limits(example_sarif: tuple[dict[str, Any], str]) -> None:
    doc, text = example_sarif
    assert code_scanning_problems(doc, text) == []
    run = doc["runs"][0]
    assert run["results"], "the example's failures are results"
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].split("/")[0]
            for r in run["results"]} == {"examples"}, "relative to the repository root, not to the working directory"


def test_attestation_controls_are_one_notification_not_results(example_sarif: tuple[dict[str, Any], str]) -> None:
    run = example_sarif[0]["runs"][0]
    attestation = {r["id"] for r in run["tool"]["driver"]["rules"] if r["properties"]["evaluation"] == "attestation"}
    assert not [r for r in run["results"] if r["ruleId"] in attestation]
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    [line] = [n for n in notes if "need attestation" in n]
    assert line.startswith(f"{len(attestation)} safeguards need attestation: run with --attestations FILE")


def test_rule_help_is_the_controls_own_words(example_sarif: tuple[dict[str, Any], str]) -> None:
    for rule in example_sarif[0]["runs"][0]["tool"]["driver"]["rules"]:
        help_text = rule["help"]["text"]
        assert help_text.startswith(rule["shortDescription"]["text"].rstrip(".") + "."), rule["id"]
        assert "seed" not in help_text.lower() and "seed" not in rule["fullDescription"]["text"].lower(), rule["id"]
        assert "Fix:" in help_text and "HIPAA:" in help_text


def test_the_checker_catches_what_code_scanning_refuses() -> None:
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": []}}, "results": [
        {"ruleId": "R", "message": {"text": "m"}, "partialFingerprints": {"a": "b"},
         "locations": [{"logicalLocations": [{"name": "control:R"}]}]},
        {"ruleId": "R", "message": {"text": "m"}, "partialFingerprints": {"a": "c"},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": "file:///abs/main.tf"}}}]}]}]}
    problems = code_scanning_problems(bad, json.dumps(bad))
    assert problems == ["results[0]: a location with no physicalLocation",
                        "results[1]: artifactLocation.uri 'file:///abs/main.tf' is not relative to the repository",
                        "results[1]: no region.startLine"]
