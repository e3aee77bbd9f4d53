"""What the benchmark scripts share: the ``--sizes`` argument and the results file.

bench/ is not a package: each script is run directly, so Python puts this directory on sys.path
and the scripts import this module by name (``import common``).
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path
from typing import Any


def sizes(text: str) -> list[int]:
    """``--sizes 100,1000`` as ``[100, 1000]``; an argparse error for anything but positive integers."""
    try:
        found = [int(s) for s in text.split(",") if s.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text}") from err
    if not found or min(found) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return found


def machine() -> dict[str, str]:
    """The Python version and platform the benchmark ran on, for the results file."""
    return {"python": platform.python_version(), "platform": platform.platform()}


def write_results(path: Path, payload: dict[str, Any]) -> None:
    """``payload`` as indented JSON at ``path`` (its directory created when missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
