"""Parse the Terraform files in a second process while this one starts Checkov.

A scan is sequential: import Checkov, parse every file, build the graph, run the checks. The
parse needs nothing from the rest, so on a machine with a second core a forked helper parses
the files (with Checkov's own parser function, in the reverse of the order Checkov asks for
them) while this process imports Checkov and loads the policies. When Checkov asks for a file,
a result the helper already sent is used; otherwise Checkov parses it itself, as it always
would. The two meet in the middle; neither ever waits for the other.

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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

_FRAME = struct.Struct(">Q")


def enabled() -> bool:
    return sys.platform.startswith("linux") and os.environ.get("PACSCAN_PARSE_AHEAD", "1") != "0"


def checkov_order(target: Path) -> list[str]:
    """The .tf files, in the order Checkov's module finder parses them (it parses every .tf file
    under the root first, walking it top-down; Terraform's own module cache excepted)."""
    if target.is_file():
        return [os.path.abspath(target)] if target.name.endswith(".tf") else []
    root = str(target)
    skip = os.path.join(root, ".terraform", "modules")
    out: list[str] = []
    for folder, _dirs, files in os.walk(root):
        if folder.startswith(skip):
            continue
        out += [os.path.abspath(os.path.join(folder, name)) for name in files if name.endswith(".tf")]
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


def start(targets: Sequence[Path], prepare: Callable[[], None]) -> ParseAhead | None:
    """Fork the helper for the .tf files under ``targets``; None when there is nothing to do or
    forking is off or fails. ``prepare`` runs in the helper before it imports Checkov's parser
    (the same environment this process sets up for Checkov)."""
    if not enabled():
        return None
    files: list[str] = []
    for target in targets:
        if target.exists():
            files += checkov_order(target)
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
        from checkov.terraform.parser_utils import load_or_die_quietly

        for path in files:
            errors: dict[str, Exception] = {}
            payload = load_or_die_quietly(path, errors)
            try:
                frame = pickle.dumps((path, payload if payload and not errors else None),
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


@contextlib.contextmanager
def serving(ahead: ParseAhead | None) -> Iterator[None]:
    """While Checkov runs, let its parser take the helper's results first."""
    if ahead is None:
        yield
        return
    from checkov.terraform import tf_parser
    from checkov.terraform.module_loading import module_finder

    modules = (module_finder, tf_parser)
    originals = [module.load_or_die_quietly for module in modules]
    real = originals[0]

    def load_or_die_quietly(file: Any, parsing_errors: dict[str, Exception], clean_definitions: bool = True) -> Any:
        if clean_definitions and not os.fspath(file).endswith(".tfvars"):
            payload = ahead.take(file)
            if payload is not None:
                return payload
        return real(file, parsing_errors, clean_definitions)

    for module in modules:
        module.load_or_die_quietly = load_or_die_quietly  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module, original in zip(modules, originals, strict=True):
            module.load_or_die_quietly = original  # type: ignore[attr-defined]
