"""DICOM headers -> de-identification facts: attribute *names*, counts and flags, never a value.

The header is parsed with pydicom from the first bytes of the object, stopping at the pixel data
(``read_partial`` with a stop at (7FE0,0010)); pixel data is never read. A header is complete when
the pixel data tag was reached or the whole object was read; otherwise the caller reads more.

Which attributes identify (a subset of the PS3.15 Annex E Basic Application Level Confidentiality
Profile that matters for dental imaging, and every person name, VR PN, wherever it is): see
:data:`IDENTIFYING`. PatientName and PatientID are Type 2 attributes a de-identifier replaces with
a pseudonym; when the object declares PatientIdentityRemoved YES they are not counted.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

PIXEL_TAGS = frozenset({0x7FE00010, 0x7FE00008, 0x7FE00009})

IDENTIFYING = frozenset({
    "PatientName", "PatientID", "PatientBirthDate", "PatientBirthTime", "OtherPatientIDs",
    "OtherPatientIDsSequence", "OtherPatientNames", "PatientBirthName", "PatientMotherBirthName",
    "PatientAddress", "PatientTelephoneNumbers", "PatientTelecomInformation", "MedicalRecordLocator",
    "IssuerOfPatientID", "PatientInsurancePlanCodeSequence", "MilitaryRank", "BranchOfService",
    "PatientComments", "AdditionalPatientHistory", "ResponsiblePerson", "ResponsibleOrganization",
    "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "ReferringPhysicianName",
    "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers", "PerformingPhysicianName",
    "NameOfPhysiciansReadingStudy", "PhysiciansOfRecord", "RequestingPhysician", "OperatorsName",
    "AccessionNumber", "StudyID", "StationName", "DeviceSerialNumber", "RequestedProcedureID",
    "ScheduledProcedureStepID", "PerformedProcedureStepID", "AdmissionID", "PatientState",
    "Occupation", "CountryOfResidence", "RegionOfResidence", "PlateID", "DetectorID", "CassetteID",
    "GantryID",
})
#: Type 2 attributes a de-identifier fills with a pseudonym (and then says PatientIdentityRemoved YES)
PSEUDONYMS = frozenset({"PatientName", "PatientID"})


class NotDicom(Exception):
    """The bytes are not a DICOM Part 10 object."""


@dataclass(frozen=True)
class HeaderFacts:
    complete: bool
    facts: dict[str, Any]


def is_dicom(head: bytes) -> bool:
    return len(head) >= 132 and head[128:132] == b"DICM"


def read_header(head: bytes, whole: bool) -> HeaderFacts:
    """Facts from the header in ``head``; ``whole`` when ``head`` is the entire object."""
    from pydicom.errors import InvalidDicomError
    from pydicom.filereader import read_partial

    reached: list[bool] = []

    def stop(tag: Any, _vr: Any, _length: int) -> bool:
        if int(tag) in PIXEL_TAGS:
            reached.append(True)
            return True
        return False

    try:
        dataset = read_partial(io.BytesIO(head), stop_when=stop)
    except InvalidDicomError:
        raise NotDicom from None
    except (EOFError, ValueError, KeyError, TypeError, OverflowError, NotImplementedError, AttributeError,
            IndexError):
        if whole:
            raise NotDicom from None
        return HeaderFacts(False, {})
    if not (reached or whole):
        return HeaderFacts(False, {})
    return HeaderFacts(True, _facts(dataset))


def _has_value(element: Any) -> bool:
    value = element.value
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip(" \0"))
    if isinstance(value, bytes):
        return bool(value.strip(b" \0"))
    try:
        return len(value) > 0
    except TypeError:
        return True


def _facts(dataset: Any) -> dict[str, Any]:
    identifying: set[str] = set()
    dates: set[str] = set()
    private = 0
    overlay = False
    for element in dataset.iterall():
        tag = element.tag
        if tag.is_private:
            private += 1
            continue
        if 0x6000 <= tag.group <= 0x601E and tag.group % 2 == 0:
            overlay = True
        if not _has_value(element):
            continue
        name = element.keyword or str(tag)
        if name in IDENTIFYING or element.VR == "PN":
            identifying.add(name)
        if element.VR in ("DA", "DT") and _beyond_year(element.value):
            dates.add(name)
    removed = _flag(dataset, "PatientIdentityRemoved")
    if removed is True:
        identifying -= PSEUDONYMS
    return {
        "format": "dicom",
        "identifying_attributes": sorted(identifying),
        "patient_identity_removed": removed,
        "dates_beyond_year": sorted(dates),
        "private_tags_present": private > 0,
        "private_tag_count": private,
        "overlay_present": overlay,
        "burned_in_annotation": _flag(dataset, "BurnedInAnnotation"),
        "exif_present": None, "gps_exif": None, "exif_identifying_tags": None,
    }


def _beyond_year(value: Any) -> bool:
    """A DA/DT value (or each of a multi-value) holding more than ``YYYY``."""
    from pydicom.multival import MultiValue

    values = value if isinstance(value, list | tuple | MultiValue) else [value]
    return any(len(str(v).strip()) > 4 for v in values)


def _flag(dataset: Any, keyword: str) -> bool | None:
    """A YES/NO coded attribute as a boolean; None when absent or empty (the code, not a value
    about the patient)."""
    element = dataset.get(keyword)
    if element is None or not str(element).strip():
        return None
    return str(element).strip().upper() == "YES"
