"""``--check`` and ``--skip-check`` (Checkov's flag names): which controls and rules a scan runs.

Each option takes ids, comma-separated and repeatable, case-insensitive, with ``*`` wildcards
(``NET-*``): a control id (``NET-DICOM``), a rule id (``AWS-SG-DICOM``) or a Checkov built-in check id
that ``rules/terraform-*.yaml`` maps (``CKV_AZURE_35``).

* ``--check``: only what is named runs. A control named runs all its rules; a rule named runs for its
  controls (and only that rule of them).
* ``--skip-check``: what is named does not run. A control named is left out of the report; a rule
  named is not evaluated. An automated control left with nothing to judge it is left out too, rather
  than reported "not applicable".

The selection narrows the catalog before anything is evaluated, so a skipped rule costs nothing, and
the scan's notes say what was left out. An id that matches nothing is an input error (a typo would
otherwise skip nothing, silently).
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scanner.catalog import Catalog
from scanner.errors import InputError
from scanner.models import Control, Evaluation

__all__ = ["Selection", "SelectionError", "parse_ids"]


class SelectionError(InputError):
    """``--check``/``--skip-check`` names an id no control, rule or mapped Checkov check has."""


def parse_ids(values: Iterable[str]) -> tuple[str, ...]:
    """``["NET-DICOM,AWS-SG-ADMIN", "enc-*"]`` -> ``("NET-DICOM", "AWS-SG-ADMIN", "ENC-*")``."""
    return tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Selection:
    checks: tuple[str, ...] = ()
    skips: tuple[str, ...] = ()

    @classmethod
    def of(cls, checks: Iterable[str], skips: Iterable[str]) -> Selection:
        """From the options' raw values (``--check A,B --check C``)."""
        return cls(parse_ids(checks), parse_ids(skips))

    def __bool__(self) -> bool:
        return bool(self.checks or self.skips)

    def apply(self, catalog: Catalog) -> tuple[Catalog, tuple[str, ...]]:
        """The catalog narrowed to the selection, and the notes that say what was left out."""
        if not self:
            return catalog, ()
        self._check_known(catalog)
        rules = []
        for rule in catalog.rules:
            if _matches(rule.id, self.skips):
                continue
            kept = tuple(c for c in rule.controls if self._wanted(c) and (not self.checks or _matches(
                rule.id, self.checks) or _matches(c, self.checks)))
            if kept:
                rules.append(dataclasses.replace(rule, controls=kept))
        judged = {c for rule in rules for c in rule.controls}
        controls = [self._narrowed(c, judged) for c in catalog.controls]
        kept_controls = tuple(c for c in controls if c is not None)
        narrowed = dataclasses.replace(catalog, controls=kept_controls, rules=tuple(rules))
        return narrowed, self._notes(catalog, kept_controls)

    def _wanted(self, control_id: str) -> bool:
        return not _matches(control_id, self.skips)

    def _narrowed(self, control: Control, judged: set[str]) -> Control | None:
        if not self._wanted(control.id):
            return None
        checks = tuple(k for k in control.terraform_checks if not _matches(k, self.skips) and (
            not self.checks or _matches(k, self.checks) or _matches(control.id, self.checks)))
        if control.evaluation is Evaluation.ATTESTATION:
            keep = not self.checks or _matches(control.id, self.checks) or control.id in judged
        else:
            keep = control.id in judged or bool(checks)
        return dataclasses.replace(control, terraform_checks=checks) if keep else None

    def _notes(self, catalog: Catalog, kept: Sequence[Control]) -> tuple[str, ...]:
        left = [c.id for c in catalog.controls if c not in kept and c.id not in {k.id for k in kept}]
        notes = []
        if self.checks:
            notes.append(f"--check {','.join(self.checks)}: only these controls and rules were run "
                         f"({len(kept)} of {len(catalog.controls)} controls)")
        if self.skips:
            notes.append(f"--skip-check {','.join(self.skips)}: these were not run")
        if left:
            notes.append(f"controls left out by the selection: {', '.join(left)}")
        return tuple(notes)

    def _check_known(self, catalog: Catalog) -> None:
        known = {c.id for c in catalog.controls} | {r.id for r in catalog.rules} | {
            k for c in catalog.controls for k in c.terraform_checks}
        for option, patterns in (("--check", self.checks), ("--skip-check", self.skips)):
            for pattern in patterns:
                if not any(_matches(name, (pattern,)) for name in known):
                    near = difflib.get_close_matches(pattern, sorted(known), n=1)
                    hint = f" (did you mean {near[0]}?)" if near else ""
                    raise SelectionError(f"{option} {pattern}: no control, rule or check id matches{hint}")


def _matches(name: str, patterns: Sequence[str]) -> bool:
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in patterns)
