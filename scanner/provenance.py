"""Where a scanned Terraform folder came from: the git commit it is checked out at and its author.

An auditor asks "who and what": for a cloud scan the caller identity answers it (collectors
record it); for a Terraform scan, the commit and its author say which version of whose code was
judged, and ``dirty`` says when the folder held uncommitted changes, so the commit alone does not
describe it. Git runs read-only in the target's own folder (``GIT_OPTIONAL_LOCKS=0``: no index
refresh is written); no git, not a checkout, or a repository git refuses to read is ``None``,
never an error. Remote URLs are not recorded (they may carry credentials).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from pathlib import Path

from scanner.models import GitRevision

log = logging.getLogger("pacscan")

_TIMEOUT = 10  # seconds per git call
_FORMAT = "%H%x00%an <%ae>%x00%cI"


def git_revision(target: Path) -> GitRevision | None:
    """The commit ``target`` (a folder or a file) is checked out at, or None."""
    folder = target if target.is_dir() else target.parent
    head = _git(folder, "show", "-s", f"--format={_FORMAT}", "HEAD")
    if head is None:
        return None
    parts = head.strip().split("\0")
    if len(parts) != 3 or not all(parts):
        return None
    status = _git(folder, "status", "--porcelain", "--", ".")
    return GitRevision(commit=parts[0], author=parts[1], committed_at=parts[2], dirty=bool(status and status.strip()))


def file_revision(path: Path) -> GitRevision | None:
    """The last commit that changed ``path`` (who put a baseline or waiver file on the record), or None;
    ``dirty`` when the file differs from that commit."""
    head = _git(path.parent, "log", "-1", f"--format={_FORMAT}", "--", path.name)
    parts = (head or "").strip().split("\0")
    if len(parts) != 3 or not all(parts):
        return None
    status = _git(path.parent, "status", "--porcelain", "--", path.name)
    return GitRevision(commit=parts[0], author=parts[1], committed_at=parts[2], dirty=bool(status and status.strip()))


def recorded_at(path: Path) -> str | None:
    """A baseline file's ``created_at`` (None when absent or unreadable: the gate has already
    validated the file it relies on)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    created = doc.get("created_at") if isinstance(doc, dict) else None
    return created if isinstance(created, str) else None


def _git(folder: Path, *args: str) -> str | None:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, env=env,
                              timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as err:
        log.debug("git %s in %s: %s", args[0], folder, err)
        return None
    if done.returncode != 0:
        log.debug("git %s in %s: %s", args[0], folder, done.stderr.strip()[:200])
        return None
    return done.stdout
