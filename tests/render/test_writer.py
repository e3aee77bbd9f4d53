"""write_atomic: the target holds the old content or the new, never a partial file or a temp."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NoReturn

import pytest

from scanner.errors import OutputError
from scanner.evidence import write_atomic

OLD = '{"schema_version": "1.0", "old": true}\n'


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_writes_new_file_and_creates_parent_dirs(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "2025" / "evidence.json"
    write_atomic(target, "{}\n")
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert leftovers(target.parent) == []


def test_replaces_existing_content_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "evidence.json"
    target.write_text(OLD, encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new ✓ content\n")
    assert target.read_text(encoding="utf-8") == "new ✓ content\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_new_file_is_private(tmp_path: Path) -> None:
    target = tmp_path / "evidence.json"
    write_atomic(target, "{}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_unencodable_text_is_an_output_error_and_keeps_old_content(tmp_path: Path) -> None:
    target = tmp_path / "evidence.json"
    target.write_text(OLD, encoding="utf-8")
    with pytest.raises(OutputError, match=r"cannot write .*evidence\.json: text is not encodable"):
        write_atomic(target, "lone surrogate \ud800")
    assert target.read_text(encoding="utf-8") == OLD
    assert leftovers(tmp_path) == []


def test_directory_target_is_an_output_error(tmp_path: Path) -> None:
    target = tmp_path / "reports"
    target.mkdir()
    with pytest.raises(OutputError, match=r"cannot write .*reports: it is a directory"):
        write_atomic(target, "{}")
    assert target.is_dir()
    assert leftovers(tmp_path) == []


def test_parent_that_is_a_file_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "reports").write_text("not a dir", encoding="utf-8")
    with pytest.raises(OutputError, match=r"cannot write .*reports/evidence\.json"):
        write_atomic(tmp_path / "reports" / "evidence.json", "{}")


def _interrupt(fd: int) -> NoReturn:
    raise KeyboardInterrupt


def _disk_full(fd: int) -> NoReturn:
    raise OSError(28, "No space left on device")


def test_keyboard_interrupt_mid_write_leaves_target_untouched(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "evidence.json"
    target.write_text(OLD, encoding="utf-8")
    monkeypatch.setattr(os, "fsync", _interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, '{"new": true}\n' * 10_000)
    assert target.read_text(encoding="utf-8") == OLD
    assert leftovers(tmp_path) == []


def test_os_error_mid_write_is_one_line_naming_the_path(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "evidence.json"
    target.write_text(OLD, encoding="utf-8")
    monkeypatch.setattr(os, "fsync", _disk_full)
    with pytest.raises(OutputError) as info:
        write_atomic(target, '{"new": true}\n')
    assert str(info.value) == f"cannot write {target}: No space left on device"
    assert target.read_text(encoding="utf-8") == OLD
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_is_an_output_error(tmp_path: Path) -> None:
    target = tmp_path / "evidence.json"
    target.write_text(OLD, encoding="utf-8")
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(OutputError, match=r"cannot write .*evidence\.json: Permission denied"):
            write_atomic(target, "{}")
    finally:
        tmp_path.chmod(0o700)
    assert target.read_text(encoding="utf-8") == OLD
    assert leftovers(tmp_path) == []
