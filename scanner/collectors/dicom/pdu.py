"""The first exchange of a DICOM association (PS3.8 section 9.3), written and read by hand.

One A-ASSOCIATE-RQ with a single presentation context (Verification, Implicit VR Little Endian)
is enough to tell whether a peer speaks DICOM and whether it accepts the AE titles offered: a
DICOM peer answers A-ASSOCIATE-AC (accepted), A-ASSOCIATE-RJ (rejected) or A-ABORT; anything else,
or a closed connection, is not DICOM. After an answer the association is aborted at once, so the
peer never sends a dataset. Pure bytes in, a classification out: no value a peer sends is kept.
"""

from __future__ import annotations

import enum
import struct

APPLICATION_CONTEXT = b"1.2.840.10008.3.1.1.1"
VERIFICATION = b"1.2.840.10008.1.1"
IMPLICIT_LITTLE_ENDIAN = b"1.2.840.10008.1.2"
#: pynetdicom's implementation class UID: the probe is pynetdicom's requestor in all but framing
IMPLEMENTATION_UID = b"1.2.826.0.1.3680043.9.3811.3.0.4"
#: A-ABORT from the service user, no reason (PS3.8 9.3.8)
ABORT = bytes([0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00])
_LARGEST_PDU = 1 << 20  # an answer claiming more is not DICOM talking


class Answer(enum.StrEnum):
    ACCEPTED = "accepted"  # A-ASSOCIATE-AC
    REJECTED = "rejected"  # A-ASSOCIATE-RJ
    ABORTED = "aborted"  # A-ABORT: DICOM, but no association
    NOT_DICOM = "not_dicom"  # something else came back
    CLOSED = "closed"  # the peer closed the connection without a word
    SILENT = "silent"  # nothing within the timeout

    @property
    def is_dicom(self) -> bool:
        return self in (Answer.ACCEPTED, Answer.REJECTED, Answer.ABORTED)


def _item(kind: int, body: bytes) -> bytes:
    return struct.pack(">BBH", kind, 0, len(body)) + body


def _ae_title(title: str) -> bytes:
    return title.encode("ascii")[:16].ljust(16, b" ")


def associate_rq(called: str, calling: str) -> bytes:
    """An A-ASSOCIATE-RQ PDU from ``calling`` to ``called`` proposing Verification only."""
    context = _item(0x20, bytes([1, 0, 0, 0]) + _item(0x30, VERIFICATION) + _item(0x40, IMPLICIT_LITTLE_ENDIAN))
    user = _item(0x50, _item(0x51, struct.pack(">I", 16384)) + _item(0x52, IMPLEMENTATION_UID))
    body = (struct.pack(">HH", 1, 0) + _ae_title(called) + _ae_title(calling) + bytes(32)
            + _item(0x10, APPLICATION_CONTEXT) + context + user)
    return struct.pack(">BBI", 0x01, 0, len(body)) + body


def classify(header: bytes) -> Answer:
    """The answer a PDU header (its first six bytes) stands for."""
    if not header:
        return Answer.CLOSED
    if len(header) < 6:
        return Answer.NOT_DICOM
    kind, reserved, length = struct.unpack(">BBI", header[:6])
    if reserved != 0 or length > _LARGEST_PDU:
        return Answer.NOT_DICOM
    return {0x02: Answer.ACCEPTED, 0x03: Answer.REJECTED, 0x07: Answer.ABORTED}.get(kind, Answer.NOT_DICOM)
