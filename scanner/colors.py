"""Whether terminal output is coloured: ``--no-color``, then the ``NO_COLOR`` and ``FORCE_COLOR``
conventions (https://no-color.org, https://force-color.org), then whether the stream is a terminal.

``NO_COLOR`` set to anything but the empty string turns colour off, and wins over ``FORCE_COLOR``;
``FORCE_COLOR`` set to anything but the empty string turns it on even when the output is a pipe or
a file (a CI log that renders ANSI colours).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

__all__ = ["wants_color"]


def wants_color(stream: TextIO, no_color: bool = False, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if no_color or env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
