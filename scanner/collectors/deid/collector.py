"""The de-identification collector: sources -> ``imaging.object`` resources, bounded.

Bounded three ways: a sample of at most ``sample`` objects per source (a seeded random sample of
the listing, itself cut at ``max_listed``), at most ``max_header_bytes`` read from the start of
each object (the first read is ``first_read`` bytes, grown fourfold only while the DICOM header or
the photo metadata does not fit), and ``concurrency`` reads at once. What was left out is said in
the scan notes. pydicom's, pynetdicom's and Pillow's loggers and warnings are silenced while it
runs: their messages can quote values from the file.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scanner.collectors.base import Progress
from scanner.collectors.deid.exif import photo_format, read_photo
from scanner.collectors.deid.header import NotDicom, is_dicom, read_header
from scanner.collectors.deid.sources import ListingError, ObjectRef, ObjectSource, ReadError
from scanner.facts.resource import CollectionFailure, Inventory, Resource

if TYPE_CHECKING:
    from scanner.engine.plan import ReadPlan

log = logging.getLogger("pacscan.deid")

KIND = "imaging.object"
SOURCE = "deid"
FACT_KEYS = ("format", "header_bytes_read", "identifying_attributes", "patient_identity_removed",
             "dates_beyond_year", "private_tags_present", "private_tag_count", "overlay_present",
             "burned_in_annotation", "exif_present", "gps_exif", "exif_identifying_tags")


@dataclass(frozen=True)
class DeidOptions:
    sample: int = 200  # 0: every object listed
    max_header_bytes: int = 1 << 20
    first_read: int = 64 << 10
    concurrency: int = 8
    max_listed: int = 100_000
    seed: int = 0


class DeidCollector:
    provider = "imaging"

    def __init__(self, sources: Sequence[ObjectSource], options: DeidOptions | None = None) -> None:
        self.sources = tuple(sources)
        self.options = options or DeidOptions()

    def collect(self, progress: Progress | None = None, plan: ReadPlan | None = None) -> Inventory:
        del plan  # every fact it reads, its rules read
        resources: list[Resource] = []
        failures: list[CollectionFailure] = []
        notes: list[str] = []
        with quiet_libraries(), ThreadPoolExecutor(max_workers=max(1, self.options.concurrency),
                                                   thread_name_prefix="pacscan-deid") as pool:
            for source in self.sources:
                try:
                    chosen, note = self._choose(source)
                except ListingError as err:
                    failures.append(CollectionFailure(SOURCE, KIND, source.label, None, f"cannot list: {err}"))
                    continue
                notes += note
                read = functools.partial(inspect, source, options=self.options)
                for done, resource in enumerate(pool.map(read, chosen), start=1):
                    resources.append(resource)
                    if progress is not None and (done % 10 == 0 or done == len(chosen)):
                        progress(f"deid: {source.label}: {done}/{len(chosen)} objects")
        log.debug("deid: %d objects read, %d sources not listed", len(resources), len(failures))
        return Inventory(resources=tuple(resources), failures=tuple(failures), inputs=(SOURCE,), notes=tuple(notes))

    def _choose(self, source: ObjectSource) -> tuple[list[ObjectRef], list[str]]:
        listed: list[ObjectRef] = []
        notes: list[str] = []
        for ref in source.objects():
            if len(listed) == self.options.max_listed:
                notes.append(f"{source.label}: listing stopped at {self.options.max_listed} objects; the sample is "
                             "drawn from those")
                break
            listed.append(ref)
        sample = self.options.sample
        if sample and len(listed) > sample:
            notes.append(f"{source.label}: {sample} of {len(listed)} objects sampled (--sample)")
            listed = sorted(random.Random(self.options.seed).sample(listed, sample), key=lambda r: r.location)
        return listed, notes


@contextlib.contextmanager
def quiet_libraries() -> Iterator[None]:
    """No message from pydicom, pynetdicom or Pillow reaches a handler or stderr meanwhile."""
    from PIL import Image

    from scanner.collectors.dicom.services import quiet_libraries as quiet

    Image.MAX_IMAGE_PIXELS = None  # pixels are never decoded: no decompression-bomb check to trip
    with quiet():
        yield


def inspect(source: ObjectSource, ref: ObjectRef, options: DeidOptions) -> Resource:
    """One object's facts, reading no more of it than its header needs (up to the cap)."""
    length = min(options.first_read, options.max_header_bytes)
    while True:
        try:
            head = source.head(ref, length)
        except ReadError as err:
            return _resource(ref, {}, str(err))
        whole = len(head) >= ref.size or len(head) < length
        facts = _facts(head, whole)
        if isinstance(facts, str):
            return _resource(ref, {}, facts)
        if facts is not None:
            return _resource(ref, {**facts, "header_bytes_read": len(head)})
        if length >= options.max_header_bytes:
            return _resource(ref, {}, f"the header does not fit in the first {options.max_header_bytes} bytes "
                                      "(--max-header-bytes)")
        length = min(options.max_header_bytes, length * 4)


def _facts(head: bytes, whole: bool) -> dict[str, Any] | str | None:
    """Facts, or None when more bytes are needed, or the reason they cannot be had."""
    if is_dicom(head):
        try:
            header = read_header(head, whole)
        except NotDicom:
            return "not a readable DICOM header"
        return header.facts if header.complete else None
    kind = photo_format(head)
    if kind is not None:
        photo = read_photo(head, whole, kind)
        return photo.facts if photo.complete else None
    if len(head) < 132 and not whole:
        return None
    return {**dict.fromkeys(FACT_KEYS), "format": "other"}


def _resource(ref: ObjectRef, facts: dict[str, Any], error: str | None = None) -> Resource:
    errors = dict.fromkeys(FACT_KEYS, error) if error is not None else {}
    return Resource(provider="imaging", type=KIND, id=ref.location, name=ref.location, facts=facts,
                    errors=errors, source=SOURCE, native_type="image object")
