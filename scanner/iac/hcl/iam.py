"""``data "aws_iam_policy_document"``: ``json`` and ``minified_json`` as the AWS provider renders them.

Checked against hashicorp/aws 5.x (see tests/hcl/test_terraform_parity.py):

* the document starts from the ``source_policy_documents`` (in order; a Sid used twice across
  them is an error), then the document's own ``version`` (default ``2012-10-17``), ``policy_id``
  and ``statement`` blocks are merged in, then each ``override_policy_documents`` entry. Merging
  replaces, in place, the statement with the same non-empty Sid, and appends the others; a
  higher ``Version`` and a non-empty ``Id`` win;
* a ``statement`` block renders as ``Sid`` (if not empty), ``Effect`` (default ``Allow``),
  ``Action``, ``NotAction``, ``Resource``, ``NotResource``, ``Principal``, ``NotPrincipal``,
  ``Condition``, each omitted when empty. ``actions``/``resources`` and their ``not_`` forms are
  sets: duplicates removed, one value rendered as a string, several in reverse lexical order;
* ``principals`` blocks are a set of blocks (kept in the order of the provider's set hash:
  CRC-32 of ``identifiers:{<sorted identifiers, each followed by ;>};type:<type>;``, compared
  as decimal strings); their identifiers
  (reverse lexical order) are concatenated per type, one identifier as a string; a single block
  of type ``*`` with identifier ``*`` is the bare ``"*"``. ``condition`` blocks likewise, their
  ``values`` kept in written order and merged per test and variable;
* statements read from JSON keep their lists' order, except principal lists (reverse lexical);
* the JSON is Go's ``encoding/json``: two-space indent (``json``) or compact (``minified_json``),
  ``<``, ``>`` and ``&`` escaped as ``\\u003c``, ``\\u003e``, ``\\u0026``.

With an unknown input, ``json`` is ``Unknown(partial=<the document as far as known>)``.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from scanner.facts.values import Unknown, first_unknown
from scanner.iac.hcl.iamsource import DocumentError, given, merge, or_default, parse_document
from scanner.iac.hcl.ops import to_str

_LIST_KEYS = (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"),
              ("not_resources", "NotResource"))


def go_json(value: Any, *, indent: bool) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2 if indent else None,
                      separators=(",", ": ") if indent else (",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                          ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def render(attrs: dict[str, Any], origin: str) -> tuple[Any, Any]:
    """``(json, minified_json)`` for the data source's evaluated arguments."""
    try:
        document = build(attrs)
    except DocumentError as err:
        reason = f"the AWS provider rejects this policy document: {err}"
        return Unknown(reason, origin), Unknown(reason, origin)
    unknown = first_unknown(document)
    if unknown is not None:
        reason = f"the policy document has unknown parts: {unknown.reason}"
        return (Unknown(reason, unknown.origin or origin, unknown.error, partial=document),
                Unknown(reason, unknown.origin or origin, unknown.error, partial=document))
    return go_json(document, indent=True), go_json(document, indent=False)


def build(attrs: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"Version": "", "Id": "", "Statement": []}
    sids: set[str] = set()
    for source in _documents(attrs.get("source_policy_documents")):
        for statement in source["Statement"]:
            sid = statement.get("Sid") if isinstance(statement, dict) else None
            if isinstance(sid, str) and sid:
                if sid in sids:
                    raise DocumentError(f"duplicate Sid ({sid}) in source_policy_documents")
                sids.add(sid)
        merge(doc, source)
    version = attrs.get("version")
    statements = attrs.get("statement")
    own = {"Version": "2012-10-17" if version is None else version, "Id": or_default(attrs.get("policy_id"), ""),
           "Statement": [_statement(s) for s in statements] if isinstance(statements, list) else []}
    merge(doc, own)
    for override in _documents(attrs.get("override_policy_documents")):
        merge(doc, override)
    return {k: doc[k] for k in ("Version", "Id", "Statement") if given(doc[k])}


def _documents(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, Unknown):
        return [{"Version": "", "Id": "", "Statement": [Unknown(value.reason, value.origin, value.error, spread=True)]}]
    return [parse_document(v) for v in value if v is not None]


def _statement(block: Any) -> Any:
    if isinstance(block, Unknown):
        return block
    out: dict[str, Any] = {}
    if given(block.get("sid")):
        out["Sid"] = block["sid"]
    out["Effect"] = or_default(block.get("effect"), "Allow")
    for key, name in _LIST_KEYS:
        value = _string_set(block.get(key))
        if value is not None:
            out[name] = value
    for key, name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        value = _principals(or_default(block.get(key), []))
        if value is not None:
            out[name] = value
    conditions = _conditions(or_default(block.get("condition"), []))
    if conditions is not None:
        out["Condition"] = conditions
    return out


def _strings(values: Any) -> Any:
    if isinstance(values, Unknown) or first_unknown(values) is not None:
        return values
    return [to_str(v) for v in values]


def _string_set(values: Any) -> Any:
    """A set of strings as the provider writes it: one value a string, several reverse-sorted."""
    if not given(values):
        return None
    values = _strings(values)
    if first_unknown(values) is not None:
        return values
    unique = sorted(set(values), reverse=True)
    return unique[0] if len(unique) == 1 else unique


def set_order(items: list[Any], serialise: Any) -> list[Any]:
    """The order the provider's SDK lists a set in: by CRC-32 hash code as a decimal string."""
    return sorted(items, key=lambda item: str(zlib.crc32(serialise(item).encode())))


def _identifier_set(values: list[str]) -> list[str]:
    """A block's identifiers as its set hash serialises them: unique, in lexical order (the
    order cty keeps a set of strings in)."""
    return sorted(set(values))


def _principals(blocks: list[Any]) -> Any:
    if not given(blocks):
        return None
    if isinstance(blocks, Unknown) or first_unknown(blocks) is not None:
        return blocks
    parsed = [(to_str(b["type"]), _identifier_set(_strings(b["identifiers"]))) for b in blocks]
    ordered = set_order(parsed, lambda p: "identifiers:{" + "".join(i + ";" for i in p[1]) + f"}};type:{p[0]};")
    if len(ordered) == 1 and ordered[0][0] == "*" and ordered[0][1] == ["*"]:
        return "*"
    raw: dict[str, Any] = {}
    for type_, identifiers in ordered:
        value: Any = identifiers[0] if len(identifiers) == 1 else sorted(identifiers, reverse=True)
        raw[type_] = _append(raw.get(type_), value)
    return {k: raw[k] for k in sorted(raw)}


def _append(existing: Any, value: Any) -> Any:
    if existing is None:
        return value
    current = existing if isinstance(existing, list) else [existing]
    return current + (value if isinstance(value, list) else [value])


def _conditions(blocks: list[Any]) -> Any:
    if not given(blocks):
        return None
    if isinstance(blocks, Unknown) or first_unknown(blocks) is not None:
        return blocks
    parsed = [(to_str(b["test"]), _strings(b["values"]), to_str(b["variable"])) for b in blocks]
    ordered = set_order(parsed, lambda c: f"test:{c[0]};values:(" + "".join(v + ";" for v in c[1]) +
                        f");variable:{c[2]};")
    raw: dict[str, dict[str, Any]] = {}
    for test, values, variable in ordered:
        value: Any = values[0] if len(values) == 1 else list(values)
        raw.setdefault(test, {})
        raw[test][variable] = _append(raw[test].get(variable), value)
    return {t: {v: raw[t][v] for v in sorted(raw[t])} for t in sorted(raw)}
