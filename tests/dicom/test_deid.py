"""``pacscan deid`` on a local folder of generated DICOM files and photos: facts, verdicts, and the
bounds (sample size, bytes read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.catalog import load_catalog
from scanner.collectors.deid import DeidCollector, DeidOptions, LocalSource, ObjectRef, split_url
from scanner.collectors.deid.collector import inspect
from scanner.engine.evaluate import evaluate_inventory
from scanner.errors import TargetError
from tests.dicom.world import Phi, dicom_bytes, write_world

pytest.importorskip("pydicom")


def _verdicts(root: Path) -> dict[tuple[str, str], str]:
    inventory = DeidCollector([LocalSource(root)]).collect()
    catalog = load_catalog()
    findings = evaluate_inventory(catalog, catalog.defaults(), inventory, "imaging")
    return {(Path(f.resource.address).relative_to(root).as_posix(), f.check_id): f.status.value for f in findings}


def test_facts_of_a_mixed_export(tmp_path: Path) -> None:
    write_world(tmp_path, Phi())
    inventory = DeidCollector([LocalSource(tmp_path)]).collect()
    facts = {Path(r.id).relative_to(tmp_path).as_posix(): r.facts for r in inventory.resources}
    assert inventory.inputs == ("deid",)
    assert facts["export/identified.dcm"]["identifying_attributes"] == [
        "AccessionNumber", "InstitutionName", "PatientBirthDate", "PatientComments", "PatientID", "PatientName",
        "ReferringPhysicianName"]
    assert facts["export/identified.dcm"]["dates_beyond_year"] == ["PatientBirthDate", "StudyDate"]
    assert facts["export/identified.dcm"]["private_tag_count"] == 2  # the creator and the value
    assert facts["export/identified.dcm"]["burned_in_annotation"] is True
    assert facts["export/deidentified.dcm"]["identifying_attributes"] == []  # pseudonyms under PatientIdentityRemoved
    assert facts["export/overlay.dcm"]["overlay_present"] is True
    assert facts["photos/phone-photo.jpg"]["gps_exif"] is True
    assert facts["photos/phone-photo.jpg"]["exif_identifying_tags"] == ["Artist", "DateTimeOriginal"]
    assert facts["photos/clean-photo.jpg"]["gps_exif"] is False
    assert facts["photos/scan.png"]["format"] == "png" and facts["photos/scan.png"]["gps_exif"] is True
    assert facts["notes/readme.txt"]["format"] == "other"
    assert all(f["header_bytes_read"] <= 64 << 10 for f in facts.values())


def test_verdicts_of_a_mixed_export(tmp_path: Path) -> None:
    write_world(tmp_path, Phi())
    found = _verdicts(tmp_path)
    assert {rule: status for (path, rule), status in found.items() if path == "export/identified.dcm"} == {
        "DEID-DICOM-IDENTIFIERS": "fail", "DEID-DICOM-DATES": "fail", "DEID-DICOM-PRIVATE-TAGS": "fail",
        "DEID-DICOM-BURNED-IN": "fail", "DEID-PHOTO-GPS": "not_applicable", "DEID-PHOTO-METADATA": "not_applicable"}
    assert {rule: s for (path, rule), s in found.items() if path == "export/deidentified.dcm"
            and s != "not_applicable"} == {"DEID-DICOM-IDENTIFIERS": "pass", "DEID-DICOM-DATES": "pass",
                                           "DEID-DICOM-PRIVATE-TAGS": "pass", "DEID-DICOM-BURNED-IN": "pass"}
    assert found[("export/overlay.dcm", "DEID-DICOM-BURNED-IN")] == "fail"
    assert found[("photos/phone-photo.jpg", "DEID-PHOTO-GPS")] == "fail"
    assert found[("photos/phone-photo.jpg", "DEID-PHOTO-METADATA")] == "fail"
    assert found[("photos/clean-photo.jpg", "DEID-PHOTO-GPS")] == "pass"
    assert found[("photos/clean-photo.jpg", "DEID-PHOTO-METADATA")] == "pass"
    assert {s for (path, _), s in found.items() if path == "notes/readme.txt"} == {"not_applicable"}


class Counting:
    """A source over bytes in memory that records every ranged read."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.data = objects
        self.reads: list[int] = []

    @property
    def label(self) -> str:
        return "memory://"

    def objects(self):  # type: ignore[no-untyped-def]
        for key, data in self.data.items():
            yield ObjectRef(f"memory://{key}", key, len(data))

    def head(self, ref: ObjectRef, length: int) -> bytes:
        self.reads.append(length)
        return self.data[ref.key][:length]


def test_a_large_header_grows_the_read_but_never_reads_pixels() -> None:
    data = dicom_bytes(Phi(), padding=150_000, pixels=4_000_000)
    source = Counting({"big.dcm": data})
    resource = inspect(source, ObjectRef("memory://big.dcm", "big.dcm", len(data)), DeidOptions())
    assert resource.facts["format"] == "dicom" and "PatientName" in resource.facts["identifying_attributes"]
    assert source.reads == [64 << 10, 256 << 10]
    assert resource.facts["header_bytes_read"] == 256 << 10 < len(data)


def test_a_header_past_the_cap_is_an_error_naming_the_cap() -> None:
    data = dicom_bytes(Phi(), padding=300_000)
    source = Counting({"big.dcm": data})
    options = DeidOptions(max_header_bytes=100_000)
    resource = inspect(source, ObjectRef("memory://big.dcm", "big.dcm", len(data)), options)
    assert source.reads == [64 << 10, 100_000]
    assert set(resource.errors.values()) == {"the header does not fit in the first 100000 bytes (--max-header-bytes)"}


def test_the_sample_is_bounded_seeded_and_noted() -> None:
    source = Counting({f"{i:03}.dcm": b"x" * 10 for i in range(50)})
    first = DeidCollector([source], DeidOptions(sample=7, seed=3)).collect()
    again = DeidCollector([source], DeidOptions(sample=7, seed=3)).collect()
    assert len(first.resources) == 7 and [r.id for r in first.resources] == [r.id for r in again.resources]
    assert first.notes == ("memory://: 7 of 50 objects sampled (--sample)",)
    assert len(DeidCollector([source], DeidOptions(sample=0)).collect().resources) == 50


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.dcm").write_bytes(dicom_bytes(Phi()))

    class Vanishing(LocalSource):  # deleted between listing and reading
        def head(self, ref: ObjectRef, length: int) -> bytes:
            return super().head(ObjectRef(ref.location, str(tmp_path / "missing"), ref.size), length)

    inventory = DeidCollector([Vanishing(tmp_path)]).collect()
    assert {why.split(":")[0] for why in inventory.resources[0].errors.values()} == {"cannot read"}


@pytest.mark.parametrize(("text", "parsed"), [("s3://pacs-research/2024/", ("s3", "pacs-research", "2024/")),
                                              ("gs://teaching", ("gs", "teaching", ""))])
def test_object_storage_targets(text: str, parsed: tuple[str, str, str]) -> None:
    assert split_url(text) == parsed


@pytest.mark.parametrize("text", ["s3://", "https://example.com/x", "/nonexistent/pacscan/export"])
def test_bad_targets_are_one_line_input_errors(text: str) -> None:
    with pytest.raises(TargetError):
        split_url(text)
