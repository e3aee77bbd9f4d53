"""Hostile and broken input for every file pacscan loads: each one ends in a one-line InputError
naming the file (CLI exit 2), or in a correct result; never a traceback, a hang, or code run.

tenants.yaml (the MSP file) goes through the same random, malformed and hostile inputs.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner import yamlfile
from scanner.attestations import evaluate_attestations
from scanner.catalog import Catalog, load_catalog
from scanner.cli import main
from scanner.config import effective_parameters
from scanner.engine.predicates import PredicateError, evaluate
from scanner.errors import InputError
from scanner.facts.values import Unknown
from scanner.gate.baseline import load_baseline
from scanner.gate.waivers import load_waivers
from scanner.iac.plan import load_plan
from scanner.models import Status
from scanner.tenants import load_tenants
from tests.conftest import REPO
from tests.reliability import strategies as s

TODAY = dt.date(2026, 6, 1)
DEEP = 100_000


def outcome(load: Callable[[], Any], path: Path) -> Any:
    """Run a loader: its result, or the InputError it raised after checking the error is one
    clear line naming the file. Anything else propagates and fails the test."""
    try:
        return load()
    except InputError as err:
        message = str(err)
        assert "\n" not in message and "\r" not in message, f"multi-line error: {message!r}"
        assert str(path) in message, f"error does not name {path}: {message!r}"
        assert "Traceback" not in message
        return err


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8", "surrogatepass"))
    return path


@functools.cache
def _real_catalog() -> Catalog:
    return load_catalog(REPO / "rules.yaml")


@pytest.fixture
def real_catalog() -> Catalog:
    return _real_catalog()


# ------------------------------------------------------------------ the loaders under test
def _attestations(catalog: Catalog, path: Path) -> Any:
    findings = evaluate_attestations(catalog.controls, path, TODAY)
    assert {f.status for f in findings} <= {Status.ATTESTED, Status.EXPIRED, Status.MISSING}
    return findings


def loaders(catalog: Catalog) -> dict[str, Callable[[Path], Any]]:
    ids = [c.id for c in catalog.controls]
    return {
        "yaml": lambda p: yamlfile.load(p),
        "catalog": lambda p: load_catalog(p),
        "config": lambda p: effective_parameters(catalog, p),
        "attestations": lambda p: _attestations(catalog, p),
        "waivers": lambda p: load_waivers(p, ids),
        "baseline": load_baseline,
        "plan": load_plan,
        "tenants": lambda p: load_tenants(p, catalog),
    }


LOADERS = ("yaml", "catalog", "config", "attestations", "waivers", "baseline", "plan", "tenants")


# ------------------------------------------------------------------ random text and bytes
@pytest.mark.parametrize("name", LOADERS)
@settings(max_examples=40)
@given(text=s.yaml_texts())
def test_random_yaml_text_is_a_result_or_a_clear_error(name: str, text: str, tmp_path: Path) -> None:
    real_catalog = _real_catalog()
    path = write(tmp_path / "input.yaml", text)
    outcome(lambda: loaders(real_catalog)[name](path), path)


@pytest.mark.parametrize("name", LOADERS)
@settings(max_examples=15)
@given(raw=st.binary(max_size=300))
def test_random_bytes_are_a_result_or_a_clear_error(name: str, raw: bytes, tmp_path: Path) -> None:
    real_catalog = _real_catalog()
    path = write(tmp_path / "input.bin", raw)
    outcome(lambda: loaders(real_catalog)[name](path), path)


@pytest.mark.parametrize("name", ("baseline", "plan"))
@settings(max_examples=40)
@given(value=s.json_values())
def test_random_json_is_a_result_or_a_clear_error(name: str, value: Any, tmp_path: Path) -> None:
    real_catalog = _real_catalog()
    path = write(tmp_path / "input.json", json.dumps(value))
    outcome(lambda: loaders(real_catalog)[name](path), path)


# ------------------------------------------------------------------ almost-valid documents
VALID_ATTESTATIONS = {"attestations": [{
    "control": "ADM-RISK-ANALYSIS", "attested_by": "Dr. Jane Doe", "date": "2026-03-01",
    "evidence": "https://intranet.example/ra.pdf", "expires": "2027-03-01"}]}
VALID_WAIVERS = {"waivers": [{
    "control": "NET-ADMIN", "resource": "aws_security_group.bastion*", "justification": "Break-glass bastion",
    "owner": "it-security@clinic.example", "ticket": "SEC-142", "expires": "2027-03-31"}]}
VALID_CONFIG = {"parameters": {"dicom_ports": [104, 11112, 4242], "min_retention_days": 3650}}
VALID_BASELINE = {"pacscan_baseline": 1, "failures": [
    {"control_id": "NET-ADMIN", "address": "aws_security_group.x", "file": "main.tf"}]}


def test_the_valid_documents_load(tmp_path: Path, real_catalog: Catalog) -> None:
    """The mutation tests below start from documents that do load (else they prove little)."""
    found = _attestations(real_catalog, write(tmp_path / "a.yaml", yaml.safe_dump(VALID_ATTESTATIONS)))
    assert any(f.status is Status.ATTESTED and f.control_id == "ADM-RISK-ANALYSIS" for f in found)
    assert len(load_waivers(write(tmp_path / "w.yaml", yaml.safe_dump(VALID_WAIVERS)),
                            [c.id for c in real_catalog.controls])) == 1
    params = effective_parameters(real_catalog, write(tmp_path / "c.yaml", yaml.safe_dump(VALID_CONFIG)))
    assert params["min_retention_days"] == 3650
    assert len(load_baseline(write(tmp_path / "b.json", json.dumps(VALID_BASELINE)))) == 1


@pytest.mark.parametrize(("name", "valid"), [
    ("attestations", VALID_ATTESTATIONS), ("waivers", VALID_WAIVERS), ("config", VALID_CONFIG),
])
@settings(max_examples=50)
@given(data=st.data())
def test_wrong_types_anywhere_in_a_yaml_file(name: str, valid: Any, data: st.DataObject, tmp_path: Path) -> None:
    real_catalog = _real_catalog()
    document = data.draw(s.mutated(valid))
    path = write(tmp_path / "input.yaml", yaml.safe_dump(document, allow_unicode=True))
    outcome(lambda: loaders(real_catalog)[name](path), path)


@settings(max_examples=40)
@given(data=st.data())
def test_wrong_types_anywhere_in_a_baseline(data: st.DataObject, tmp_path: Path) -> None:
    path = write(tmp_path / "baseline.json", json.dumps(data.draw(s.mutated(VALID_BASELINE))))
    outcome(lambda: load_baseline(path), path)


@settings(max_examples=60)
@given(document=s.plan_documents())
def test_plan_sections_of_every_type(document: Any, tmp_path: Path) -> None:
    path = write(tmp_path / "plan.json", json.dumps(document))
    outcome(lambda: load_plan(path), path)


# ------------------------------------------------------------------ the catalog, file by file
@pytest.fixture(scope="module")
def catalog_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("catalog")
    shutil.copy(REPO / "rules.yaml", root / "rules.yaml")
    shutil.copytree(REPO / "rules", root / "rules")
    return root


CATALOG_FILES = ("rules.yaml", "rules/aws/storage.yaml", "rules/controls/technical.yaml", "rules/terraform-aws.yaml")


@pytest.fixture
def restore(catalog_copy: Path) -> Iterator[None]:
    yield
    for rel in CATALOG_FILES:
        shutil.copy(REPO / rel, catalog_copy / rel)


@pytest.mark.parametrize("rel", CATALOG_FILES)
@settings(max_examples=25)
@given(data=st.data())
def test_wrong_types_anywhere_in_the_catalog(rel: str, data: st.DataObject, catalog_copy: Path,
                                             restore: None) -> None:
    original = yaml.safe_load((REPO / rel).read_text(encoding="utf-8"))
    document = data.draw(s.mutated(original))
    target = write(catalog_copy / rel, yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    try:
        load_catalog(catalog_copy / "rules.yaml")
    except InputError as err:
        message = str(err)
        assert "\n" not in message, f"multi-line error: {message!r}"
        assert str(catalog_copy) in message, message  # the file at fault, maybe not the mutated one
        assert target.exists()


# ------------------------------------------------------------------ hand-picked hostile files
def _nested(kind: str) -> str:
    if kind == "flow-seq":
        return "[" * DEEP + "]" * DEEP
    if kind == "flow-map":
        return "{a: " * DEEP + "1" + "}" * DEEP
    return "".join("  " * i + "- \n" for i in range(2000)) + "  " * 2000 + "- x\n"  # block style


def _laughs(levels: int = 9) -> str:
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


HOSTILE_YAML = {
    "flow-seq-100k-deep": _nested("flow-seq"),
    "flow-map-100k-deep": _nested("flow-map"),
    "block-2000-deep": _nested("block"),
    "billion-laughs": _laughs(),
    "recursive-alias": "&a [*a, *a]\n",
    "recursive-map-alias": "&a {x: *a}\n",
    "null-byte": "a: b\x00c\n",
    "bom-and-crlf": "\ufeffparameters:\r\n  x: 1\r\n",
    "lone-surrogate": "a: \ud800\n",
    "empty": "",
    "only-comment": "# nothing\n",
    "documents": "a: 1\n---\nb: 2\n",
}


@pytest.mark.parametrize("name", LOADERS)
@pytest.mark.parametrize("case", sorted(HOSTILE_YAML))
def test_hostile_yaml(name: str, case: str, tmp_path: Path, real_catalog: Catalog) -> None:
    path = write(tmp_path / "input.yaml", HOSTILE_YAML[case])
    result = outcome(lambda: loaders(real_catalog)[name](path), path)
    if case in ("flow-seq-100k-deep", "flow-map-100k-deep", "billion-laughs", "documents") and name != "baseline":
        assert isinstance(result, InputError), f"{case} was accepted by {name}"


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    import time

    path = write(tmp_path / "laughs.yaml", _laughs())
    started = time.monotonic()
    with pytest.raises(InputError, match="aliases expand"):
        yamlfile.load(path)
    assert time.monotonic() - started < 5


def test_aliases_within_reason_still_load(tmp_path: Path) -> None:
    doc = yamlfile.load(write(tmp_path / "ok.yaml", "base: &b {x: 1, y: [1, 2]}\none: *b\ntwo: *b\n"))
    assert doc.data == {"base": {"x": 1, "y": [1, 2]}, "one": {"x": 1, "y": [1, 2]}, "two": {"x": 1, "y": [1, 2]}}


@pytest.mark.parametrize("name", LOADERS)
@pytest.mark.parametrize("tag", s.EXECUTING_TAGS)
def test_yaml_tags_construct_nothing(name: str, tag: str, tmp_path: Path, real_catalog: Catalog) -> None:
    marker = tmp_path / "MARKER"
    body = tag.format(marker=marker)
    for text in (f"{body}\n", f"parameters: {body}\n", f"attestations:\n  - control: {body}\n",
                 f"waivers: [{body}]\n"):
        path = write(tmp_path / "tagged.yaml", text)
        result = outcome(lambda p=path: loaders(real_catalog)[name](p), path)
        assert not marker.exists(), f"{tag!r} executed code in the {name} loader"
        if name != "baseline" and "python" in tag:
            assert isinstance(result, InputError), f"{name} accepted {tag!r}"


@pytest.mark.parametrize("name", ["plan", "baseline"])
def test_json_nested_100k_deep(name: str, tmp_path: Path, real_catalog: Catalog) -> None:
    path = write(tmp_path / f"{name}.json", "[" * DEEP + "]" * DEEP)
    assert isinstance(outcome(lambda: loaders(real_catalog)[name](path), path), InputError)


def test_plan_nested_just_under_the_json_limit(tmp_path: Path) -> None:
    """JSON the parser accepts, deep enough that recursive walks over it would overflow."""
    deep = "{\"a\": " * 900 + "true" + "}" * 900
    text = ('{"format_version": "1.2", "resource_changes": [{"address": "aws_s3_bucket.x", '
            f'"change": {{"after_unknown": {deep}}}}}], "configuration": {{"root_module": '
            f'{{"module_calls": {{"m": {{"module": {{"module_calls": {{"n": {{"module": {deep}}}}}}}}}}}}}}}}}')
    path = write(tmp_path / "plan.json", text)
    outcome(lambda: load_plan(path), path)


@pytest.mark.parametrize("name", LOADERS)
def test_not_a_regular_file(name: str, tmp_path: Path, real_catalog: Catalog) -> None:
    (tmp_path / "dir.yaml").mkdir()
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(tmp_path / "loop.yaml")
    for path in (tmp_path / "dir.yaml", tmp_path / "missing.yaml", loop, Path("/dev/null")):
        outcome(lambda p=path: loaders(real_catalog)[name](p), path)


@pytest.mark.parametrize("name", ("yaml", "config", "attestations", "waivers", "catalog"))
def test_oversized_yaml_is_refused_unread(name: str, tmp_path: Path, real_catalog: Catalog) -> None:
    path = tmp_path / "big.yaml"
    with path.open("w", encoding="utf-8") as out:
        out.write("parameters:\n")
        for i in range(yamlfile.MAX_BYTES // 18 + 1):
            out.write(f"  p{i:012}: 1\n")
    assert path.stat().st_size > yamlfile.MAX_BYTES
    result = outcome(lambda: loaders(real_catalog)[name](path), path)
    assert isinstance(result, InputError) and "larger than" in str(result)


@pytest.mark.parametrize("include", [
    "loop.yaml", "../../../../../../etc/passwd.yaml", "a.yaml", "rules.yaml", "nothere.yaml", "dir.yaml",
])
def test_catalog_include_outside_and_loops(include: str, tmp_path: Path) -> None:
    root = (REPO / "rules.yaml").read_text(encoding="utf-8")
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "a.yaml").write_text("include: [b.yaml]\n", encoding="utf-8")
    path = write(tmp_path / "rules.yaml", root.split("include:")[0] + f"include: [{include}]\n")
    assert isinstance(outcome(lambda: load_catalog(path), tmp_path), InputError)


# ------------------------------------------------------------------ predicates
@settings(max_examples=300)
@given(predicate=s.predicates(), facts=s.facts())
def test_predicates_return_true_false_or_unknown_or_raise_predicate_error(predicate: dict[str, Any],
                                                                          facts: Any) -> None:
    try:
        result = evaluate(predicate, facts, s.PREDICATE_PARAMETERS)
    except PredicateError as err:
        assert "\n" not in str(err)
        return
    assert isinstance(result, bool | Unknown)


# ------------------------------------------------------------------ end to end through the CLI
@pytest.fixture(scope="module")
def tf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tf")
    (root / "main.tf").write_text('resource "aws_s3_bucket" "pacs" {\n  bucket = "pacs-images"\n}\n',
                                  encoding="utf-8")
    return root


CLI_CASES = {
    "--config": HOSTILE_YAML["billion-laughs"],
    "--attestations": "attestations: !!python/object/apply:os.system ['touch {marker}']\n",
    "--waivers": HOSTILE_YAML["flow-seq-100k-deep"],
    "--catalog": "schema_version: 1\nparameters: {}\ninclude: [missing.yaml]\n",
    "--baseline": "{\"pacscan_baseline\": 1, \"failures\": [",
    "--plan": "[" * DEEP + "]" * DEEP,
}


@pytest.mark.parametrize("option", sorted(CLI_CASES))
def test_cli_reports_one_error_line_and_exits_2(option: str, tmp_path: Path, tf_dir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "MARKER"
    bad = write(tmp_path / "bad-input", CLI_CASES[option].replace("{marker}", str(marker)))
    code = main(["iac", str(tf_dir), option, str(bad), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("pacscan: error: "), err
    assert str(bad) in lines[0]
    assert "Traceback" not in err + out
    assert out == ""
    assert not marker.exists()
