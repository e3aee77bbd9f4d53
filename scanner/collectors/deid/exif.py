"""Photo metadata -> de-identification facts through Pillow: whether EXIF is there, whether its GPS
directory holds entries, and the *names* of identifying EXIF tags present. No value leaves.

Pillow parses the metadata segments (JPEG APPn before the first scan, PNG chunks before the image
data, the first TIFF directory) without decoding pixels. When the bytes read end before them, the
caller reads more.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Any

FORMATS = {b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png", b"II*\x00": "tiff", b"MM\x00*": "tiff"}
GPS_IFD = 0x8825
EXIF_IFD = 0x8769
#: EXIF tags that name a person, a device that can be traced to one, or the moment of capture
IDENTIFYING_TAGS = {
    0x010E: "ImageDescription", 0x013B: "Artist", 0x013C: "HostComputer", 0x0132: "DateTime",
    0x8298: "Copyright", 0x9003: "DateTimeOriginal", 0x9004: "DateTimeDigitized", 0x9286: "UserComment",
    0xA420: "ImageUniqueID", 0xA430: "CameraOwnerName", 0xA431: "BodySerialNumber", 0xA435: "LensSerialNumber",
    0x9C9B: "XPTitle", 0x9C9C: "XPComment", 0x9C9D: "XPAuthor", 0x9C9F: "XPSubject",
}


@dataclass(frozen=True)
class PhotoFacts:
    complete: bool
    facts: dict[str, Any]


def photo_format(head: bytes) -> str | None:
    for magic, name in FORMATS.items():
        if head.startswith(magic):
            return name
    return None


def read_photo(head: bytes, whole: bool, kind: str) -> PhotoFacts:
    """Facts from a photo's metadata in ``head``; incomplete when Pillow ran out of bytes."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(head)) as image:
            exif = image.getexif()
            gps = exif.get_ifd(GPS_IFD)
            tags = {IDENTIFYING_TAGS[t] for t, v in exif.items() if t in IDENTIFYING_TAGS and _has_value(v)}
            tags |= {IDENTIFYING_TAGS[t] for t, v in exif.get_ifd(EXIF_IFD).items()
                     if t in IDENTIFYING_TAGS and _has_value(v)}
            present = len(exif) > 0
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, KeyError, IndexError,
            TypeError, struct.error):
        if whole:
            return PhotoFacts(True, _facts(kind, None, None, None))
        return PhotoFacts(False, {})
    return PhotoFacts(True, _facts(kind, present, bool(gps), sorted(tags)))


def _has_value(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip(" \0"))
    if isinstance(value, bytes):
        return bool(value.strip(b" \0"))
    return value is not None


def _facts(kind: str, present: bool | None, gps: bool | None, tags: list[str] | None) -> dict[str, Any]:
    from scanner.facts.values import Unknown

    unreadable = Unknown("the photo's metadata could not be parsed", error=True)
    return {
        "format": kind,
        "exif_present": present if present is not None else unreadable,
        "gps_exif": gps if gps is not None else unreadable,
        "exif_identifying_tags": tags if tags is not None else unreadable,
        "identifying_attributes": None, "patient_identity_removed": None, "dates_beyond_year": None,
        "private_tags_present": None, "private_tag_count": None, "overlay_present": None,
        "burned_in_annotation": None,
    }
