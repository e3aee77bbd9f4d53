"""A waivers file accepting every failure of every control: lets an exit-code test separate what
could not be read (error, exit 3) from what failed (exit 1) on an estate that has failures."""

from __future__ import annotations

from pathlib import Path

from scanner.catalog import load_catalog


def waive_everything(path: Path) -> Path:
    lines = ["waivers:"]
    for control in load_catalog().controls:
        lines += [f"  - control: {control.id}", '    resource: "*"', "    justification: exit-code test",
                  "    owner: tests@pacscan.example", "    ticket: TEST-1", "    expires: 2999-12-31"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
