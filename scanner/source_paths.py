"""Where the paths in reports are relative to: the repository root of what was scanned.

Every file path pacscan writes (findings, SARIF, baselines, waivers, evidence diffs, the traces in
evidence) goes through :func:`relative` or :func:`display_path`, so a finding has the same identity
whatever folder pacscan was run from: ``cd infra && pacscan iac .`` and ``pacscan iac infra`` both
say ``infra/storage.tf``.

The root of one target is its git top level, else the target folder (a file's folder). A scan has
one root: its targets' root when they share one, else the deepest folder holding all of them (two
folders outside git, ``a/`` and ``b/``, keep ``a/main.tf`` and ``b/main.tf`` apart). Code that runs
inside a scan reads the root from :func:`display_path`; outside one (a library caller), paths are
relative to the working directory, as before.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["display_path", "relative", "repository_root", "rooted", "scan_root"]

_ROOT: contextvars.ContextVar[str | None] = contextvars.ContextVar("pacscan_source_root", default=None)
_TIMEOUT = 10


def repository_root(target: Path) -> Path:
    """The git top level of ``target`` (a folder or file), else its folder; absolute."""
    folder = Path(os.path.abspath(target if Path(target).is_dir() else Path(target).parent))
    top = git_toplevel(folder)
    return top if top is not None else folder


@functools.lru_cache(maxsize=64)
def git_toplevel(folder: Path) -> Path | None:
    """The top level of the git work tree holding ``folder``; None outside one or without git."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True,
                              text=True, env=env, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    top = done.stdout.strip()
    return Path(os.path.abspath(top)) if done.returncode == 0 and top else None


def scan_root(targets: Sequence[Path]) -> Path:
    """One root for a scan of ``targets``: theirs when they share it, else the deepest common folder."""
    roots = sorted({repository_root(t) for t in targets})
    if not roots:
        return Path(os.path.abspath(os.getcwd()))
    if len(roots) == 1:
        return roots[0]
    try:
        return Path(os.path.commonpath([str(r) for r in roots]))
    except ValueError:  # different drives: nothing is common
        return roots[0]


def relative(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> str:
    """``path`` relative to ``root`` with forward slashes (``../x`` for a file outside it); a path that
    cannot be made relative (another drive) stays as it is."""
    return _relative(os.fspath(path), os.fspath(root))


@functools.lru_cache(maxsize=8192)
def _relative(path: str, root: str) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:
        return path.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def current_root() -> str | None:
    """The root of the scan running in this context, if any."""
    return _ROOT.get()


def display_path(path: str, fallback: str | None = None) -> str:
    """``path`` as reports show it: relative to the scan's root; outside a scan, relative to
    ``fallback`` (or the working directory) where possible."""
    root = _ROOT.get()
    if root is not None:
        return relative(path, root)
    if not os.path.isabs(path) and fallback is None:
        return path.replace(os.sep, "/")
    return relative(path, fallback if fallback is not None else os.getcwd())


@contextlib.contextmanager
def rooted(root: Path) -> Iterator[Path]:
    """Within the block, :func:`display_path` is relative to ``root``."""
    token = _ROOT.set(os.path.abspath(root))
    try:
        yield root
    finally:
        _ROOT.reset(token)
