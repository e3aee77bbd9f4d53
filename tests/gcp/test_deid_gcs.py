"""The de-identification check on Cloud Storage (gcp-storage-emulator): listing, ranged reads of the
first bytes, and ``pacscan deid gs://``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.collectors.deid import DeidCollector, DeidOptions
from scanner.collectors.deid.cloud_sources import GcsSource
from tests.gcp.conftest import storage_client

pytest.importorskip("pydicom")
from tests.dicom.world import Phi, dicom_bytes, world_files

BUCKET = "pacs-teaching"


@pytest.fixture
def teaching(emulator_url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(f"{emulator_url}/wipe", timeout=10) as response:
        response.read()
    client = storage_client(emulator_url)
    bucket = client.create_bucket(BUCKET)
    for key, data in world_files(Phi()).items():
        bucket.blob(key).upload_from_string(data)
    bucket.blob("export/large.dcm").upload_from_string(dicom_bytes(Phi(), padding=100_000, pixels=1_000_000))
    return emulator_url


def test_ranged_reads_of_gcs_objects(teaching: str) -> None:
    source = GcsSource(storage_client(teaching), BUCKET, "export/")
    inventory = DeidCollector([source], DeidOptions(first_read=16 << 10)).collect()
    facts = {r.id.rsplit("/", 1)[1]: r.facts for r in inventory.resources}
    assert set(facts) == {"identified.dcm", "deidentified.dcm", "overlay.dcm", "large.dcm"}
    assert "PatientName" in facts["large.dcm"]["identifying_attributes"]
    assert facts["large.dcm"]["header_bytes_read"] == 256 << 10  # 16 KiB, 64 KiB, 256 KiB: header found
    assert facts["identified.dcm"]["header_bytes_read"] < 16 << 10  # the whole (small) object


def test_pacscan_deid_gs(teaching: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    from scanner.cli import main

    monkeypatch.setenv("STORAGE_EMULATOR_HOST", teaching)
    out = tmp_path / "e.json"
    code = main(["deid", f"gs://{BUCKET}/", "--sample", "3", "--format", "json", "--output", str(out)])
    capsys.readouterr()
    doc = json.loads(out.read_text())
    assert code in (0, 1)
    assert len({f["resource"]["address"] for f in doc["findings"] if f["source"] == "deid"}) == 3
    assert f"gs://{BUCKET}/: 3 of 8 objects sampled (--sample)" in doc["scan"]["notes"]
