"""scanner.iac.prefetch: the parse-ahead helper changes the time a scan takes, never its result."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from scanner.iac import prefetch
from tests.conftest import write_tree

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "dental-practice"

BROKEN = 'resource "aws_s3_bucket" "x" {\n  bucket = "unterminated\n}\n'


def _wait_for(ahead: prefetch.ParseAhead, count: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with ahead._lock:
            if len(ahead._results) >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"the helper sent fewer than {count} results in 120 s")


def _keys(findings: list) -> list[tuple[str, ...]]:  # type: ignore[type-arg]
    return sorted((f.control_id, f.resource.address, f.check_id, f.status.value, f.message,
                   str(f.resource.file), str(f.resource.line_range), repr(sorted(f.evidence.items())))
                  for f in findings)


def test_what_the_helper_sends_is_what_the_evaluator_would_parse() -> None:
    from scanner.iac.hcl.parse import parse_file

    files = prefetch.parse_order(EXAMPLE)
    assert len(files) >= 8 and any("/modules/" in f for f in files)
    ahead = prefetch.start([EXAMPLE])
    assert ahead is not None
    try:
        _wait_for(ahead, len(files))
        for path in files:
            assert ahead.take(path) == parse_file(Path(path)), path
            assert ahead.take(path) is None  # handed out once only
        assert ahead.used == len(files)
    finally:
        ahead.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(ahead._pid, os.WNOHANG)  # reaped: no helper left behind


def test_a_file_that_does_not_parse_is_left_to_the_evaluator(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "tf", {"ok.tf": 'resource "aws_s3_bucket" "a" {\n  bucket = "a"\n}\n',
                                        "broken.tf": BROKEN})
    ahead = prefetch.start([tree])
    assert ahead is not None
    try:
        _wait_for(ahead, 1)
        time.sleep(0.5)  # the broken file's (empty) answer has certainly arrived too
        assert ahead.take(tree / "broken.tf") is None
        assert ahead.take(tree / "ok.tf") is not None
    finally:
        ahead.close()


def test_the_evaluator_asks_for_files_in_the_predicted_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper parses in the reverse of this order so the two meet in the middle; if the
    evaluator's order changed, the helper would duplicate work (slower, still correct)."""
    from scanner.iac.hcl import config, load_configuration

    asked: list[str] = []
    real = config.parse_file

    def recording(path):  # type: ignore[no-untyped-def]
        asked.append(os.path.abspath(path))
        return real(path)

    monkeypatch.setattr(config, "parse_file", recording)
    load_configuration(EXAMPLE)
    predicted = prefetch.parse_order(EXAMPLE)
    assert asked == [p for p in predicted if p in asked] and set(predicted) == set(asked)


@pytest.mark.parametrize("helper", ["parses everything first", "dies at once"])
def test_the_scan_is_the_same_whatever_the_helper_does(helper: str, scan_tf, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "estate"
    write_tree(tree, {f"{p.relative_to(EXAMPLE)}": p.read_text(encoding="utf-8")
                      for p in EXAMPLE.rglob("*.tf")})
    write_tree(tree, {"broken.tf": BROKEN})
    monkeypatch.setenv("PACSCAN_PARSE_AHEAD", "0")
    reference = _keys(scan_tf(tree))
    assert any(k[2] == "parse" for k in reference)  # the broken file is an error finding
    monkeypatch.setenv("PACSCAN_PARSE_AHEAD", "1")
    real_start = prefetch.start
    started: list[prefetch.ParseAhead] = []
    parseable = len(prefetch.parse_order(tree)) - 1

    def start(targets, prepare=lambda: None):  # type: ignore[no-untyped-def]
        if helper == "dies at once":
            def prepare() -> None:
                raise RuntimeError("the helper cannot start")
        ahead = real_start(targets, prepare)
        assert ahead is not None
        if helper == "parses everything first":
            _wait_for(ahead, parseable)
        started.append(ahead)
        return ahead

    monkeypatch.setattr(prefetch, "start", start)
    assert _keys(scan_tf(tree)) == reference
    assert started[0].used == (parseable if helper == "parses everything first" else 0)


def test_off_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACSCAN_PARSE_AHEAD", "0")
    assert prefetch.start([EXAMPLE]) is None
