"""What made a rule fail, and a digest of it: the identity of a failure across runs.

A baseline records a failure as (control, resource, file, check, digest), so that a *new* failure
on a baselined resource is new: RDP opened on a security group whose SSH failure is baselined
changes the digest, while reformatting the file or editing an unrelated rule's description does not.

The digest is taken over the rule's own observed values, narrowed to what failed:

* a leaf (``{key, op, value}``) that failed contributes its key and value;
* ``all`` contributes its failing parts, ``any`` all of its parts, ``not`` what its operand did;
* an item quantifier contributes only the offending items (``no-item``: the items that match;
  ``all-items``: the items that do not), each reduced to the keys its predicate reads, so the
  exposed ports and sources of the open ingress rule make the digest, not its description;
* a rule may name the fact keys that make its digest instead (``digest: [key, ...]`` in YAML).

Unknown values count as "unknown", without their reason or origin (which name lines).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.engine.predicates import ITEM_OPS, Predicate, evaluate, keys, lookup
from scanner.facts.values import PartialDict, Unknown

Part = tuple[str, Any]


def failed_parts(check: Predicate, facts: Any, parameters: Mapping[str, Any]) -> list[Part]:
    """The (key, value) pairs that made ``check`` false on ``facts``."""
    return _why(check, facts, parameters, True, "")


def named_parts(names: Sequence[str], facts: Any) -> list[Part]:
    """The values of the fact keys a rule names as its digest."""
    return [(name, plain(lookup(facts, name))) for name in names]


def digest(parts: Sequence[Part]) -> str:
    """16 hex digits of SHA-256 over the parts, in a canonical order."""
    lines = sorted(json.dumps([k, v], sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
                   for k, v in parts)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def plain(value: Any) -> Any:
    """JSON-ready data with every unknown reduced to the word ``unknown``."""
    if isinstance(value, Unknown):
        return "unknown"
    if isinstance(value, Mapping):
        out = {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, PartialDict):
            out["..."] = "unknown"
        return out
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _why(predicate: Predicate, facts: Any, parameters: Mapping[str, Any], want: bool, prefix: str) -> list[Part]:
    """Why ``predicate`` did not evaluate to ``want`` (it is known to have evaluated to ``not want``)."""
    if "all" in predicate or "any" in predicate:
        conjunction = "all" in predicate
        parts = predicate["all" if conjunction else "any"]
        if conjunction == want:  # all(...) is false / any(...) is true: the parts that decided it
            deciding = [p for p in parts if evaluate(p, facts, parameters) is (not want)]
        else:  # all(...) is true / any(...) is false: every part
            deciding = list(parts)
        return [part for p in deciding for part in _why(p, facts, parameters, want, prefix)]
    if "not" in predicate:
        return _why(predicate["not"], facts, parameters, not want, prefix)
    key, op = predicate["key"], predicate["op"]
    value = lookup(facts, key)
    if op in ITEM_OPS and isinstance(value, list):
        return [(f"{prefix}{key}[]", item) for item in _offending(op, value, predicate["value"], parameters, want)]
    return [(prefix + key, plain(value))]


def _offending(op: str, items: list[Any], nested: Predicate, parameters: Mapping[str, Any], want: bool) -> list[Any]:
    """The items that made the quantifier come out ``not want``, reduced to the keys ``nested`` reads."""
    matches = [evaluate(nested, item, parameters) if not isinstance(item, Unknown) else item for item in items]
    if (op == "no-item" and want) or (op == "any-item" and not want):
        chosen = [item for item, truth in zip(items, matches, strict=True) if truth is True]
    elif (op == "all-items" and want) or (op == "no-item" and not want):
        chosen = [item for item, truth in zip(items, matches, strict=True) if truth is False]
    else:  # any-item false / all-items true: every item took part
        chosen = list(items)
    read = sorted({k.split(".", 1)[0].split("[", 1)[0] for k in keys(nested)})
    return [_project(item, read) for item in chosen]


def _project(item: Any, read: Sequence[str]) -> Any:
    if isinstance(item, Mapping):
        return {k: plain(item.get(k)) for k in read}
    return plain(item)
