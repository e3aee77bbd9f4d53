"""S3 lifecycle rules (``lifecycle.rules[]``) from inline ``lifecycle_rule`` blocks (provider < 4) or
the ``rule`` blocks of an ``aws_s3_bucket_lifecycle_configuration``, as the live collector reads them.

Each rule is ``{id, status, expiration_days, expiration_date, noncurrent_expiration_days}``:

* ``status``: ``Enabled``/``Disabled`` (inline ``enabled`` true/false);
* ``expiration_days``: the ``expiration`` block's ``days``; an expiration on a ``date`` expires
  objects of every age on that date, which cannot be compared with ``min_retention_days``: the
  days are then unknown (the date is kept in ``expiration_date`` for the evidence);
* ``noncurrent_expiration_days``: ``noncurrent_version_expiration`` ``noncurrent_days`` (inline:
  ``days``);
* a ``filter``/``prefix`` does not matter: a rule limited to a prefix still deletes the imaging data
  under it. Transitions delete nothing and are not read;
* ``dynamic`` blocks arrive expanded; one over a collection nobody could see is an unknown rule
  (zero or more rules), and an unknown ``expiration`` block makes that rule's days unknown.

The provider does not send ``days = 0``: it counts as not set.
"""

from __future__ import annotations

from typing import Any

from policies.terraform.attrs import arg, block, blocks
from policies.terraform.aws.folding import Declared
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance


def _days(value: Any) -> Any:
    return None if value == 0 else value


def by_date(date: Any) -> Unknown:
    """The days of an expiration on a date: unknown (objects of every age expire on that date)."""
    shown = date.reason if isinstance(date, Unknown) else date
    return Unknown(f"objects expire on a date ({shown}), not at an age: whether that is before "
                   "min_retention_days cannot be told")


def _expiration(rule: Any) -> tuple[Any, Any]:
    """(expiration_days, expiration_date) of one rule."""
    expiration = block(rule, "expiration")
    if expiration is None:
        return None, None
    if isinstance(expiration, Unknown):
        why = Unknown(f"expiration: {expiration.reason}", expiration.origin, expiration.error)
        return why, why
    date = arg(expiration, "date")
    if date is not None and date != "":
        return by_date(date), date
    return _days(arg(expiration, "days")), None


def _noncurrent(rule: Any, key: str) -> Any:
    expiration = block(rule, "noncurrent_version_expiration")
    if expiration is None:
        return None
    if isinstance(expiration, Unknown):
        return Unknown(f"noncurrent_version_expiration: {expiration.reason}", expiration.origin, expiration.error)
    return _days(arg(expiration, key))


def _rule(rule: Any, inline: bool) -> Any:
    if isinstance(rule, Unknown):
        return rule
    if inline:
        enabled = arg(rule, "enabled")
        status: Any = enabled if isinstance(enabled, Unknown) else \
            "Enabled" if enabled in (True, "true") else "Disabled" if enabled in (False, "false") else \
            Unknown(f"enabled is not a boolean: {enabled!r}")
    else:
        status = arg(rule, "status")
    days, date = _expiration(rule)
    return {"id": arg(rule, "id"), "status": status, "expiration_days": days, "expiration_date": date,
            "noncurrent_expiration_days": _noncurrent(rule, "days" if inline else "noncurrent_days")}


def _lifecycle(rules: list[Any], inline: bool) -> Any:
    return {"rules": [_rule(r, inline) for r in rules]} if rules else None


def inline_lifecycle(bucket: TfInstance) -> Declared | None:
    rules = blocks(bucket.attrs, "lifecycle_rule")
    return Declared(bucket, _lifecycle(rules, True), ("lifecycle_rule",)) if rules else None


def child_lifecycle(child: TfInstance) -> Declared:
    return Declared(child, _lifecycle(blocks(child.attrs, "rule"), False), ("rule",))
