"""Parse the Terraform files in a second process while this one parses and evaluates.

Parsing (the HCL grammar, in Lark) is most of the time of a Terraform scan, and it needs
nothing but the file. On a machine with a second core a forked helper parses the files with the
evaluator's own parser, in the reverse of the order the evaluator asks for them; when the
evaluator asks for a file, a result the helper already sent is used, otherwise it parses the file
itself, as it always would. The two meet in the middle; neither ever waits for the other.

Correctness never depends on the helper: a file it did not finish, could not parse, or could
not send is parsed here, so its errors are the real ones; a helper that dies, hangs or is
never started changes only the time taken. Only Linux forks (the helper runs nothing but the
parser); ``PACSCAN_PARSE_AHEAD=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

_FRAME = struct.Struct(">Q")


def enabled() -> bool:
    return sys.platform.startswith("linux") and os.environ.get("PACSCAN_PARSE_AHEAD", "1") != "0"


def parse_order(target: Path) -> list[str]:
    """The Terraform files under ``target`` (hidden folders left out, as the evaluator leaves
    them), in the order the evaluator reads them: folder by folder, sorted."""
    if target.is_file():
        return [os.path.abspath(target)] if target.name.endswith((".tf", ".tf.json")) else []
    out: list[str] = []
    for folder, dirs, files in os.walk(os.path.abspath(target)):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out += [os.path.join(folder, name) for name in sorted(files) if name.endswith((".tf", ".tf.json"))]
    return out


class ParseAhead:
    """Results the helper has sent so far, by absolute path; each is handed out once."""

    def __init__(self, pid: int, read_fd: int) -> None:
        self._pid = pid
        self._fd = read_fd
        self._lock = threading.Lock()
        self._results: dict[str, Any] = {}
        self.used = 0
        self._reader = threading.Thread(target=self._read, name="pacscan-parse-ahead", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        pending = bytearray()
        with contextlib.suppress(OSError):
            while chunk := os.read(self._fd, 1 << 20):
                pending += chunk
                while len(pending) >= _FRAME.size:
                    (size,) = _FRAME.unpack_from(pending)
                    if len(pending) < _FRAME.size + size:
                        break
                    frame = bytes(pending[_FRAME.size:_FRAME.size + size])
                    del pending[:_FRAME.size + size]
                    try:
                        path, payload = pickle.loads(frame)  # our own child, over our own pipe
                    except Exception:  # a frame we cannot read is a file parsed here
                        continue
                    if payload is not None:
                        with self._lock:
                            self._results[path] = payload

    def take(self, file: Any) -> Any | None:
        """The helper's parse of ``file``, if it has arrived (then forgotten: one use only)."""
        with self._lock:
            payload = self._results.pop(os.path.abspath(os.fspath(file)), None)
        if payload is not None:
            self.used += 1
        return payload

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
        self._reader.join(timeout=5)
        with contextlib.suppress(OSError):
            os.close(self._fd)
        with self._lock:
            self._results.clear()


def start(targets: Sequence[Path], prepare: Callable[[], None] = lambda: None) -> ParseAhead | None:
    """Fork the helper for the Terraform files under ``targets``; None when there is nothing to
    do or forking is off or fails. ``prepare`` runs in the helper before it parses (tests use it)."""
    if not enabled():
        return None
    files: list[str] = []
    for target in targets:
        if target.exists():
            files += parse_order(target)
    if not files:
        return None
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the helper: never returns
        _helper(read_fd, write_fd, list(reversed(files)), prepare)
    os.close(write_fd)
    return ParseAhead(pid, read_fd)


def _helper(read_fd: int, write_fd: int, files: list[str], prepare: Callable[[], None]) -> None:
    """Parse ``files`` and send each result; silent whatever happens (stdout and stderr belong to
    the parent), and out through ``os._exit`` (no atexit handlers, no buffered output flushed
    twice)."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # ^C ends it quietly; the parent reports
        os.close(read_fd)
        import logging

        logging.disable(logging.CRITICAL)
        prepare()
        from scanner.iac.hcl.ast import FileAst
        from scanner.iac.hcl.parse import parse_file

        for path in files:
            payload = parse_file(Path(path))
            try:
                frame = pickle.dumps((path, payload if isinstance(payload, FileAst) else None),
                                     protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # not picklable: the parent parses it
                frame = pickle.dumps((path, None))
            _write_all(write_fd, _FRAME.pack(len(frame)) + frame)
    except BaseException:  # whatever happened, the parent parses what is missing
        code = 1
    finally:
        os._exit(code)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
