"""The ``audit.data_events`` fact of ``aws.healthimaging.datastore`` from the configuration's trails.

The AWS normaliser for ``aws_cloudtrail`` (``policies/terraform/aws/trails.py``) makes the trails'
own facts; this module reads the same instances through the :class:`~policies.terraform.index.Index`
for what they record of HealthImaging: their ``advanced_event_selector`` blocks, read by
:mod:`scanner.healthimaging.events`. CloudTrail Lake event data stores
(``aws_cloudtrail_event_data_store``) record data events the same way and count alike.

* A trail records the data store's region when it is multi-region (``is_multi_region_trail``,
  default false); a single-region trail records its own region, which is the AWS provider's, while
  the data store's is the awscc provider's: not known from the configuration. An event data store
  is multi-region unless ``multi_region_enabled = false``.
* A trail logs unless ``enable_logging = false``; an event data store ingests unless
  ``suspend = true``.
* A trail or event data store whose ``count``/``for_each`` is unknown may not exist: what it would
  cover is unknown.
* No trail and no event data store in the configuration: unknown (one outside it may record them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from policies.terraform.attrs import arg, blocks
from policies.terraform.index import Index
from scanner.facts.logic import Truth, all_of
from scanner.facts.values import Unknown
from scanner.healthimaging.arns import DataStore
from scanner.healthimaging.events import selector_items, terraform_selectors
from scanner.iac.tfmodel import TfInstance

TRAIL = "aws_cloudtrail"
EVENT_DATA_STORE = "aws_cloudtrail_event_data_store"


@dataclass(frozen=True)
class Recorder:
    """A trail or event data store, as far as HealthImaging data events go."""

    label: str
    selectors: Any  # advanced selectors in the API's shape (or an Unknown)
    region_covers: Truth
    logging: Truth
    exists: Unknown | None


def recorders(index: Index) -> list[Recorder]:
    return [*(_trail(t) for t in index.of_type(TRAIL)), *(_lake(e) for e in index.of_type(EVENT_DATA_STORE))]


def _selectors(instance: TfInstance) -> Any:
    return terraform_selectors(blocks(instance.attrs, "advanced_event_selector"))


def _flag(value: Any, default: bool) -> Truth:
    if value is None:
        return default
    if isinstance(value, Unknown):
        return value
    if value in (True, "true"):
        return True
    if value in (False, "false"):
        return False
    return Unknown(f"not a boolean: {value!r}")


def _trail(trail: TfInstance) -> Recorder:
    multi = _flag(arg(trail.attrs, "is_multi_region_trail"), False)
    region: Truth = multi if multi is not False else Unknown(
        f"{trail.address} is a single-region trail: whether its region (the AWS provider's) is the data store's "
        "(the awscc provider's) is not known from the configuration")
    return Recorder(_label(trail), _selectors(trail), region, _flag(arg(trail.attrs, "enable_logging"), True),
                    trail.exists)


def _lake(store: TfInstance) -> Recorder:
    multi = _flag(arg(store.attrs, "multi_region_enabled"), True)
    region: Truth = multi if multi is not False else Unknown(
        f"{store.address} records its own region only: whether that is the data store's is not known from the "
        "configuration")
    suspended = _flag(arg(store.attrs, "suspend"), False)
    logging: Truth = suspended if isinstance(suspended, Unknown) else not suspended
    return Recorder(_label(store), _selectors(store), region, logging, store.exists)


def _label(instance: TfInstance) -> str:
    name = instance.attrs.get("name")
    return f"{instance.address} ({name})" if isinstance(name, str) else instance.address


def audit(found: list[Recorder], store: DataStore, types: Mapping[str, str]) -> Any:
    """``audit`` of one data store: ``{"data_events": [...]}``, unknown without any recorder."""
    if not found:
        return {"data_events": Unknown(
            "no CloudTrail trail or event data store is declared in this configuration: one outside it may record "
            "HealthImaging data events")}
    items: list[Any] = []
    for recorder in found:
        region = recorder.region_covers if recorder.exists is None else all_of([recorder.region_covers,
                                                                                 recorder.exists])
        items += selector_items(recorder.label, recorder.selectors, store, region_covers=region,
                                logging=recorder.logging, types=types)
    return {"data_events": items}
