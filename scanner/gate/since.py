"""``--since GIT_REF``: report only resources declared or configured in files changed since a ref
(the whole module graph is still evaluated, so cross-file references resolve); and the renames a
baseline follows.

Git runs in the scanned target's repository (its top level, :mod:`scanner.source_paths`), never in
the working directory. A resource is in scope when its own file changed, or the file of anything
folded into its facts (``configured_by``: a security group rule, a bucket's versioning resource):
a new world-open ``aws_vpc_security_group_ingress_rule`` in a changed file is reported on its
security group even when the group is declared in a file nobody touched.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from scanner.errors import InputError
from scanner.models import Finding, Source
from scanner.source_paths import git_toplevel, relative


class GitError(InputError):
    pass


_ENV = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}


def _git(args: Sequence[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False,
                              env={**os.environ, **_ENV})
    except FileNotFoundError:
        raise GitError("--since needs git on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args)} timed out") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise GitError(f"git {' '.join(args)}: {message}")
    return done.stdout


def changed_files(ref: str, root: Path) -> frozenset[str]:
    """Files changed between ``ref`` and the working tree, plus untracked files, relative to ``root``
    (the scan's root: the paths findings carry)."""
    top = git_toplevel(Path(os.path.abspath(root)))
    if top is None:
        raise GitError(f"--since {ref}: {root} is not in a git repository")
    _check_ref(ref, top)
    names = _git(["diff", "--name-only", "--no-renames", "-z", ref, "--"], top).split("\0")
    names += _git(["ls-files", "--others", "--exclude-standard", "-z"], top).split("\0")
    return frozenset(relative(top / n, root) for n in names if n)


def _check_ref(ref: str, top: Path) -> None:
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except GitError:
        hint = ""
        if _git(["rev-parse", "--is-shallow-repository"], top).strip() == "true":
            hint = (" This is a shallow clone, so older commits and other branches are not here: fetch them "
                    f"(`git fetch --deepen=100 origin`, or `git fetch origin {ref.split('/', 1)[-1]}`; on GitHub "
                    "Actions, actions/checkout with `fetch-depth: 0`).")
        raise GitError(f"--since {ref}: no such commit or branch in {top}.{hint}") from None


def renamed_files(commit: str, root: Path) -> dict[str, str]:
    """Files git sees renamed between ``commit`` and the working tree: old -> new, relative to ``root``.
    Empty when that cannot be told (no git, an unknown commit): renames are then not followed."""
    top = git_toplevel(Path(os.path.abspath(root)))
    if top is None:
        return {}
    try:
        out = _git(["diff", "--find-renames", "--name-status", "-z", commit, "--"], top)
    except GitError:
        return {}
    fields = out.split("\0")
    renames: dict[str, str] = {}
    position = 0
    while position < len(fields) and fields[position]:
        status = fields[position]
        if status.startswith(("R", "C")) and position + 2 < len(fields):
            renames[relative(top / fields[position + 1], root)] = relative(top / fields[position + 2], root)
            position += 3
        else:
            position += 2
    return renames


def head_commit(root: Path) -> str | None:
    """The commit the repository holding ``root`` is at; None outside git (or before a first commit)."""
    top = git_toplevel(Path(os.path.abspath(root)))
    if top is None:
        return None
    try:
        return _git(["rev-parse", "--verify", "--quiet", "HEAD"], top).strip() or None
    except GitError:
        return None


def limit_to_files(findings: Sequence[Finding], files: frozenset[str]) -> list[Finding]:
    """Keep findings whose resource is declared in one of ``files``, or configured by something
    declared in one (``ResourceRef.configured_in``); attestation findings are not file-bound."""
    out: list[Finding] = []
    for finding in findings:
        r = finding.resource
        located = (r.file is not None and r.file in files) or any(f in files for f in r.configured_in)
        if finding.source is Source.ATTESTATION or located:
            out.append(finding)
    return out
