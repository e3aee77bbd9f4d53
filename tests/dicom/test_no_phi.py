"""No value read from an object or a DICOM peer reaches any output: every identifying value in the
generated objects and in the SCP's C-FIND matches is a unique random string, and none of them may
appear on stdout, stderr (with --debug), in any log record of any logger, or in the JSON evidence,
SARIF, JUnit or Markdown reports."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.cli import main
from tests.dicom.conftest import PATIENTS
from tests.dicom.world import Phi, dicom_bytes, write_world

FORMATS = ("json", "sarif", "junit", "markdown")


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.exc_text or ''}")


@pytest.fixture
def every_log() -> Iterator[Everything]:
    """A handler on the root logger and on the libraries' own loggers, at DEBUG."""
    handler = Everything()
    loggers = [logging.getLogger(name) for name in ("", "pacscan", "pynetdicom", "pydicom", "PIL")]
    for logger in loggers:
        logger.addHandler(handler)
    root_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
    logging.getLogger().setLevel(root_level)


def _run(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    outputs = []
    for fmt in FORMATS:
        outputs += ["--format", fmt, "--output", str(tmp_path / f"report.{fmt}")]
    code = main([*argv, *outputs, "--format", "console", "--debug", "--soft-fail"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return "\n".join([captured.out, captured.err, *((tmp_path / f"report.{f}").read_text() for f in FORMATS)])


def malformed(phi: Phi) -> bytes:
    """Values pydicom finds invalid on reading (and would quote in a warning): a date that is not a
    date, an over-long person name."""
    import io

    import pydicom

    ds = pydicom.dcmread(io.BytesIO(dicom_bytes(phi)))
    ds["StudyDate"].value = phi.comment
    ds["PatientName"].value = (phi.name + "^") * 20
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def _leaks(text: str, phis: list[Phi]) -> list[str]:
    return sorted({value for phi in phis for value in phi.values() if value in text})


def test_deid_outputs_and_logs_carry_no_value_from_the_objects(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               every_log: Everything) -> None:
    phi = Phi()
    world = write_world(tmp_path / "export", phi)
    (world / "export" / "malformed.dcm").write_bytes(malformed(phi))
    every_log.lines.clear()  # Pillow logs the EXIF it writes while the test makes the photos
    text = _run(["deid", str(world)], tmp_path, capsys)
    assert "PatientName" in text and "gps_exif" in text  # the names and flags are reported
    assert "malformed.dcm" in text
    assert _leaks(text, [phi]) == []
    assert _leaks("\n".join(every_log.lines), [phi]) == []


def test_probe_outputs_and_logs_carry_no_value_from_the_peer(open_scp: int, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             every_log: Everything) -> None:
    text = _run(["probe", "dicom", f"127.0.0.1:{open_scp}", "--timeout", "2"], tmp_path, capsys)
    assert '"find_result_count": 3' in text  # the count is reported
    assert _leaks(text, list(PATIENTS)) == []
    assert _leaks("\n".join(every_log.lines), list(PATIENTS)) == []
