"""A small imaging world made on the spot: DICOM files and photos whose identifying values are unique
random strings (so a test can prove none of them leaks), and pynetdicom SCPs on loopback.

Used by the tests and by ``scripts/demo_dicom.py`` (``make demo``).
"""

from __future__ import annotations

import io
import secrets
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PHOTO_FILES = ("phone-photo.jpg", "clean-photo.jpg", "scan.png")


def _token(prefix: str) -> str:
    return prefix + secrets.token_hex(6).upper()


@dataclass(frozen=True)
class Phi:
    """Identifying values, each unique to one test run."""

    name: str = field(default_factory=lambda: _token("PNAME") + "^" + _token("GIVEN"))
    patient_id: str = field(default_factory=lambda: _token("PID"))
    birth_date: str = field(default_factory=lambda: f"19{secrets.randbelow(90) + 10}0{secrets.randbelow(9) + 1}1"
                            f"{secrets.randbelow(9) + 1}")
    institution: str = field(default_factory=lambda: _token("INST"))
    physician: str = field(default_factory=lambda: _token("DOC") + "^" + _token("REF"))
    accession: str = field(default_factory=lambda: _token("ACC"))
    comment: str = field(default_factory=lambda: _token("COMMENT"))
    artist: str = field(default_factory=lambda: _token("ARTIST"))
    private_value: str = field(default_factory=lambda: _token("PRIV"))

    def values(self) -> list[str]:
        """Every value, and each part of the person names, as it could appear in output."""
        out = [self.name, self.patient_id, self.birth_date, self.institution, self.physician, self.accession,
               self.comment, self.artist, self.private_value]
        return out + [part for value in (self.name, self.physician) for part in value.split("^")]


def dicom_bytes(phi: Phi, *, deidentified: bool = False, private: bool = False, burned_in: str | None = None,
                overlay: bool = False, pixels: int = 4096, padding: int = 0) -> bytes:
    """A Part 10 secondary-capture object; identified unless ``deidentified``; ``padding`` bytes
    of patient comments push the header past a first read."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    ds = Dataset()
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = "IO"
    if deidentified:
        ds.PatientName = "ANON^0001"
        ds.PatientID = "ANON0001"
        ds.PatientIdentityRemoved = "YES"
    else:
        ds.PatientName = phi.name
        ds.PatientID = phi.patient_id
        ds.PatientBirthDate = phi.birth_date
        ds.InstitutionName = phi.institution
        ds.ReferringPhysicianName = phi.physician
        ds.AccessionNumber = phi.accession
        ds.StudyDate = phi.birth_date
        ds.PatientComments = phi.comment + "x" * padding
    if private:
        block = ds.private_block(0x0011, "PACSCAN TEST", create=True)
        block.add_new(0x01, "LO", phi.private_value)
    if burned_in is not None:
        ds.BurnedInAnnotation = burned_in
    if overlay:
        ds.add_new(0x60000010, "US", 8)
        ds.add_new(0x60000011, "US", 8)
    side = max(1, int(pixels ** 0.5))
    ds.Rows = ds.Columns = side
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    ds.PixelData = bytes(side * side)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def photo_bytes(phi: Phi, *, kind: str = "JPEG", gps: bool = True, artist: bool = True) -> bytes:
    from PIL import Image

    image = Image.new("RGB", (64, 48), (200, 180, 160))
    exif = Image.Exif()
    if artist:
        exif[0x013B] = phi.artist
        exif[0x9003] = "2024:03:12 10:11:12"
    if gps:
        exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    out = io.BytesIO()
    image.save(out, kind, exif=exif.tobytes() if len(exif) else b"")
    return out.getvalue()


def world_files(phi: Phi) -> dict[str, bytes]:
    """Relative path -> bytes: an export with both good and bad objects."""
    return {
        "export/identified.dcm": dicom_bytes(phi, private=True, burned_in="YES"),
        "export/deidentified.dcm": dicom_bytes(phi, deidentified=True, burned_in="NO"),
        "export/overlay.dcm": dicom_bytes(phi, deidentified=True, overlay=True),
        "photos/phone-photo.jpg": photo_bytes(phi),
        "photos/clean-photo.jpg": photo_bytes(phi, gps=False, artist=False),
        "photos/scan.png": photo_bytes(phi, kind="PNG", gps=True, artist=False),
        "notes/readme.txt": b"not an image\n",
    }


def write_world(root: Path, phi: Phi) -> Path:
    for rel, data in world_files(phi).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def start_scp(*, patients: Iterable[Phi] = (), tls: ssl.SSLContext | None = None,
              allowed_calling: list[str] | None = None, ae_title: str = "PACS") -> tuple[Any, int]:
    """A pynetdicom Verification + patient-root C-FIND SCP on 127.0.0.1 (a free port): answers
    C-FIND with one match per patient; ``allowed_calling`` restricts the calling AE titles (and
    requires the called title to be ``ae_title``)."""
    from pydicom.dataset import Dataset
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import PatientRootQueryRetrieveInformationModelFind, Verification

    people = list(patients)

    def on_find(event: Any) -> Any:
        for person in people:
            match = Dataset()
            match.QueryRetrieveLevel = "PATIENT"
            match.PatientName = person.name
            match.PatientID = person.patient_id
            match.PatientBirthDate = person.birth_date
            yield 0xFF00, match

    ae = AE(ae_title=ae_title)
    ae.add_supported_context(Verification)
    ae.add_supported_context(PatientRootQueryRetrieveInformationModelFind)
    if allowed_calling is not None:
        ae.require_calling_aet = allowed_calling
        ae.require_called_aet = True
    server = ae.start_server(("127.0.0.1", 0), block=False, ssl_context=tls,
                             evt_handlers=[(evt.EVT_C_FIND, on_find)])
    return server, int(server.server_address[1])


def server_context(cert: Path, key: Path, minimum: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    if minimum < ssl.TLSVersion.TLSv1_2:
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.minimum_version = minimum
    return context
