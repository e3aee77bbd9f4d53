"""CloudTrail advanced event selectors as HealthImaging data-event coverage of one data store (the
``audit.data_events`` fact), the same reading for a live trail or event data store
(GetEventSelectors, GetEventDataStore) and a Terraform ``aws_cloudtrail`` /
``aws_cloudtrail_event_data_store`` (its selectors turned into the API's shape, unknown parts kept).

HealthImaging data events are selected only by advanced selectors (classic ``DataResources`` cannot
name them) with ``eventCategory`` ``Data`` and ``resources.type`` ``AWS::MedicalImaging::Datastore``.
Each such selector is one item:

* ``covers``: the selector's ``resources.ARN`` filters let the data store's ARN through (any of
  ``Equals``/``StartsWith``/``EndsWith`` where given, none of ``NotEquals``/``NotStartsWith``/
  ``NotEndsWith``), the trail records the data store's region (``region_covers``: a multi-region
  trail, or its home region), and no other field narrows it to some events (``narrowed_by``:
  ``eventName``, ``userIdentity.arn``, ... all but an ``eventSource`` of HealthImaging itself);
* ``read_write``: ``readOnly`` ``Equals`` ``true`` -> ReadOnly, ``false`` -> WriteOnly, else All;
* ``logging``: whether the trail is logging (the event data store ingesting).

A selector not about HealthImaging data events gives no item; one whose category or type cannot be
read gives an item whose ``covers`` is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scanner.facts.logic import Truth, all_of, any_of, negate
from scanner.facts.values import Unknown
from scanner.healthimaging.arns import STAR, DataStore, Token, arn_literal, covers, pattern

RESOURCE_TYPE = "AWS::MedicalImaging::Datastore"
EVENT_SOURCE = "medical-imaging.amazonaws.com"
_INCLUDE = ("Equals", "StartsWith", "EndsWith")
_EXCLUDE = ("NotEquals", "NotStartsWith", "NotEndsWith")
_READ = {"true": "ReadOnly", "false": "WriteOnly"}
_COVERAGE_FIELDS = ("eventCategory", "resources.type", "resources.ARN", "readOnly")


def selector_items(trail: str, selectors: Any, store: DataStore, *, region_covers: Truth, logging: Truth,
                   types: Mapping[str, str] | None = None) -> list[Any]:
    """One item per advanced selector (API shape) that records HealthImaging data events."""
    if isinstance(selectors, Unknown):
        selectors = [Unknown(selectors.reason, selectors.origin, selectors.error, spread=True)]
    items: list[Any] = []
    for selector in selectors or []:
        item = _item(trail, selector, store, types or {})
        if item is None:
            continue
        item["covers"] = all_of([item["covers"], region_covers])
        item["logging"] = logging
        items.append(item)
    return items


def _item(trail: str, selector: Any, store: DataStore, types: Mapping[str, str]) -> dict[str, Any] | None:
    if isinstance(selector, Unknown) or not isinstance(selector, Mapping):
        why = selector if isinstance(selector, Unknown) else Unknown("an event selector is not an object")
        seen = Unknown(f"an event selector is not known: {why.reason}", why.origin, why.error)
        return {"trail": trail, "covers": seen, "read_write": seen, "narrowed_by": []}
    fields = _fields(selector)
    if isinstance(fields, Unknown):
        return {"trail": trail, "covers": fields, "read_write": fields, "narrowed_by": []}
    relevant = all_of([_has(fields.get("eventCategory"), "Data"), _has(fields.get("resources.type"), RESOURCE_TYPE)])
    if relevant is False:
        return None
    narrowed = [name for name, field in fields.items() if name not in _COVERAGE_FIELDS and _narrows(name, field)]
    arn = _arn_covers(fields.get("resources.ARN"), store, types)
    return {"trail": trail, "covers": all_of([relevant, arn, not narrowed]),
            "read_write": _read_write(fields.get("readOnly")), "narrowed_by": narrowed}


def _fields(selector: Mapping[str, Any]) -> dict[str, Mapping[str, Any]] | Unknown:
    raw = selector.get("FieldSelectors")
    if isinstance(raw, Unknown):
        return Unknown(f"field selectors not known: {raw.reason}", raw.origin, raw.error)
    out: dict[str, Mapping[str, Any]] = {}
    for field in raw or []:
        if isinstance(field, Unknown) or not isinstance(field, Mapping):
            why = field.reason if isinstance(field, Unknown) else "not an object"
            return Unknown(f"a field selector is not known: {why}")
        name = field.get("Field")
        if isinstance(name, Unknown):
            return Unknown(f"a field selector's field is not known: {name.reason}", name.origin, name.error)
        if str(name) in out:
            return Unknown(f"field {name} is selected twice")
        out[str(name)] = field
    return out


def _values(field: Mapping[str, Any] | None, operator: str) -> list[Any] | Unknown:
    if field is None:
        return []
    raw = field.get(operator)
    if raw is None:
        return []
    if isinstance(raw, Unknown):
        return Unknown(f"{field.get('Field')} {operator} is not known: {raw.reason}", raw.origin, raw.error)
    return list(raw) if isinstance(raw, list | tuple) else [raw]


def _has(field: Mapping[str, Any] | None, wanted: str) -> Truth:
    values = _values(field, "Equals")
    if isinstance(values, Unknown):
        return values
    return any_of(v if isinstance(v, Unknown) else str(v) == wanted for v in values)


def _narrows(name: str, field: Mapping[str, Any]) -> bool:
    if name == "eventSource":
        equals = _values(field, "Equals")
        others = [op for op in (*_INCLUDE[1:], *_EXCLUDE) if _values(field, op)]
        return others != [] or not (isinstance(equals, list) and equals == [EVENT_SOURCE])
    return True


def _arn_covers(field: Mapping[str, Any] | None, store: DataStore, types: Mapping[str, str]) -> Truth:
    if field is None:
        return True
    include: list[Truth] = []
    exclude: list[Truth] = []
    given = False
    for operator in (*_INCLUDE, *_EXCLUDE):
        values = _values(field, operator)
        if isinstance(values, Unknown):
            (include if operator in _INCLUDE else exclude).append(values)
            given = given or operator in _INCLUDE
            continue
        for value in values:
            hit = covers(_filter(value, operator, store, types), store, image_sets=False)
            (include if operator in _INCLUDE else exclude).append(hit)
            given = given or operator in _INCLUDE
    return all_of([any_of(include) if given else True, negate(any_of(exclude))])


def _filter(value: Any, operator: str, store: DataStore, types: Mapping[str, str]) -> list[Token] | Unknown:
    """A CloudTrail ARN filter value as a pattern: literal text (``*`` is no wildcard here), the
    value's symbol where it is known only after apply; ``StartsWith`` matches any continuation."""
    tokens = arn_literal(value) if isinstance(value, str) else pattern(value, store, dict(types))
    if isinstance(tokens, Unknown):
        return tokens
    if operator.endswith("StartsWith"):
        return [*tokens, STAR]
    if operator.endswith("EndsWith"):
        return [STAR, *tokens]
    return tokens


def _read_write(field: Mapping[str, Any] | None) -> Any:
    if field is None:
        return "All"
    equals, not_equals = _values(field, "Equals"), _values(field, "NotEquals")
    for values in (equals, not_equals):
        if isinstance(values, Unknown):
            return values
        unseen = [v for v in values if isinstance(v, Unknown)]
        if unseen:
            return unseen[0]
    assert isinstance(equals, list) and isinstance(not_equals, list)
    wanted = {str(v).lower() for v in equals} or {"true", "false"}
    wanted -= {str(v).lower() for v in not_equals}
    if wanted == {"true"}:
        return _READ["true"]
    if wanted == {"false"}:
        return _READ["false"]
    if not wanted:
        return Unknown("readOnly selects neither reads nor writes")
    return "All"


def terraform_selectors(blocks: Sequence[Any]) -> list[Any]:
    """``advanced_event_selector`` blocks (``field_selector`` blocks with ``equals``, ``starts_with``,
    ...) in the API's shape, unknown parts kept."""
    names = (("equals", "Equals"), ("starts_with", "StartsWith"), ("ends_with", "EndsWith"),
             ("not_equals", "NotEquals"), ("not_starts_with", "NotStartsWith"), ("not_ends_with", "NotEndsWith"))
    out: list[Any] = []
    for selector in blocks:
        if not isinstance(selector, Mapping):
            out.append(selector)
            continue
        raw = selector.get("field_selector")
        if isinstance(raw, Unknown):
            out.append({"Name": selector.get("name"), "FieldSelectors": raw})
            continue
        fields: list[Any] = []
        for field in raw if isinstance(raw, list) else ([raw] if isinstance(raw, Mapping) else []):
            if not isinstance(field, Mapping):
                fields.append(field)
                continue
            entry: dict[str, Any] = {"Field": field.get("field")}
            entry.update({api: field[tf] for tf, api in names if field.get(tf) is not None})
            fields.append(entry)
        out.append({"Name": selector.get("name"), "FieldSelectors": fields})
    return out
