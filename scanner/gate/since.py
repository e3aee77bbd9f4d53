"""``--since GIT_REF``: report only resources in files changed since a ref (the whole module
graph is still evaluated, so cross-file references resolve)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from scanner.errors import InputError
from scanner.models import Finding, Source


class GitError(InputError):
    pass


def _git(args: Sequence[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    except FileNotFoundError:
        raise GitError("--since needs git on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {' '.join(args)} timed out") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise GitError(f"git {' '.join(args)}: {message}")
    return done.stdout


def changed_files(ref: str, cwd: Path) -> frozenset[Path]:
    """Files changed between ``ref`` and the working tree, plus untracked files (absolute)."""
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    names = _git(["diff", "--name-only", "--no-renames", ref, "--"], cwd).splitlines()
    names += _git(["ls-files", "--others", "--exclude-standard"], cwd).splitlines()
    return frozenset((top / n).resolve() for n in names if n)


def limit_to_files(findings: Sequence[Finding], files: frozenset[Path]) -> list[Finding]:
    """Keep findings located in one of ``files``; attestation findings are not file-bound."""
    out: list[Finding] = []
    for finding in findings:
        located = finding.resource.file is not None and Path(finding.resource.file).resolve() in files
        if finding.source is Source.ATTESTATION or located:
            out.append(finding)
    return out
