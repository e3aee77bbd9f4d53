"""Which folders hold Terraform, which are root modules, and where a module call's source is.

* Hidden folders (``.terragrunt-cache``, ``.github``, ...) are not scanned; one holding
  Terraform files is reported once as skipped. ``.terraform`` and ``.git`` are skipped silently
  (modules ``terraform init`` fetched into ``.terraform/modules`` are read through their calls).
* A local source (``./x``, ``../x``) is the folder relative to the calling module. Any other
  source (registry, git, http, s3...) is found through ``.terraform/modules/modules.json`` of
  the root module (``Key`` is the dotted path of call names, ``Dir`` relative to the root), or is
  not on disk.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scanner.iac.tfmodel import SkippedPath

HIDDEN_REASON = "hidden folder: not scanned"
_SILENT = (".terraform", ".git")


def is_terraform_file(name: str) -> bool:
    return name.endswith((".tf", ".tf.json"))


@dataclass
class Scan:
    folders: dict[str, list[str]] = field(default_factory=dict)  # folder -> its Terraform files (sorted)
    skipped: list[SkippedPath] = field(default_factory=list)


def scan(target: Path, files: Sequence[Path] | None = None) -> Scan:
    """Terraform files under ``target`` by folder (absolute, sorted); ``files`` restricts which."""
    result = Scan()
    allowed = {os.path.abspath(f) for f in files} if files is not None else None
    if target.is_file():
        path = os.path.abspath(target)
        result.folders[os.path.dirname(path)] = [path]
        return result
    for folder, dirs, names in os.walk(os.path.abspath(target)):
        dirs.sort()
        for name in [d for d in dirs if d.startswith(".")]:
            dirs.remove(name)
            full = os.path.join(folder, name)
            if name not in _SILENT and _holds_terraform(full):
                result.skipped.append(SkippedPath(full, HIDDEN_REASON))
        chosen = sorted(os.path.join(folder, n) for n in names if is_terraform_file(n))
        if allowed is not None:
            chosen = [f for f in chosen if f in allowed]
        if chosen:
            result.folders[folder] = chosen
    return result


def _holds_terraform(folder: str) -> bool:
    return any(is_terraform_file(n) for _root, _dirs, names in os.walk(folder) for n in names)


def folder_files(folder: str) -> list[str]:
    """A module folder's Terraform files (sorted), for folders reached through module calls."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(os.path.join(folder, n) for n in names if is_terraform_file(n)
                  and os.path.isfile(os.path.join(folder, n)))


def is_local_source(source: str) -> bool:
    return source.startswith(("./", "../", ".\\", "..\\")) or source in (".", "..")


def load_modules_json(root_dir: str) -> dict[str, str]:
    """``terraform init``'s record of fetched modules: dotted call path -> absolute folder."""
    path = os.path.join(root_dir, ".terraform", "modules", "modules.json")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    out: dict[str, str] = {}
    for entry in data.get("Modules", []) if isinstance(data, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str):
            out[entry["Key"]] = os.path.normpath(os.path.join(root_dir, entry["Dir"]))
    return out


def resolve_source(source: str | None, caller_dir: str, key_path: tuple[str, ...],
                   modules_json: dict[str, str]) -> tuple[str | None, str]:
    """The module folder, or None and why it is not on disk."""
    if source is None:
        return None, "the module source is not a literal string"
    if is_local_source(source):
        folder = os.path.normpath(os.path.join(caller_dir, source))
        if os.path.isdir(folder):
            return folder, ""
        return None, f"local module folder {source} does not exist"
    fetched = modules_json.get(".".join(key_path))
    if fetched and os.path.isdir(fetched):
        return fetched, ""
    if fetched:
        return None, f"terraform init recorded {source} in {fetched}, which is missing"
    return None, f"module source {source} is not fetched: run terraform init to read it"
