"""The de-identification check on Cloud Storage (gcp-storage-emulator): listing, ranged reads of the
first bytes, and ``pacscan deid gs://``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

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


def test_cloud_gcp_deid_sample_reads_only_marked_buckets(gcp: Any, emulator_url: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """``pacscan cloud gcp --deid-sample N``: the GCP scan, then a sample of the buckets the
    deidentified_data parameter marks (here by name), read through the emulator."""
    from scanner.catalog import load_catalog
    from scanner.cli_inputs import with_deid_sample
    from scanner.scan import ScanInputs, run_cloud
    from tests.gcp.conftest import collector

    client = storage_client(emulator_url)
    for name in ("pacs-teaching-2026", "pacs-archive"):
        bucket = client.create_bucket(name)
        for key, data in world_files(Phi()).items():
            bucket.blob(key).upload_from_string(data)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", emulator_url)
    config = tmp_path / "pacscan.yaml"
    config.write_text("parameters:\n  deidentified_data: {name_patterns: ['pacs-teaching-*']}\n")
    args = argparse.Namespace(deid_sample=3, max_header_bytes=1 << 20, concurrency=4, key_file=None)

    def make(parameters: Any) -> Any:
        return with_deid_sample(args, collector(gcp), parameters)

    result = run_cloud(make, "gcp:pacs-prod", ScanInputs(config=config))
    read = {f.resource.address for f in result.findings if f.source.value == "deid"}
    assert len(read) == 3 and all(a.startswith("gs://pacs-teaching-2026/") for a in read)
    assert set(result.judged_by) == {"PRV-DEIDENTIFY", "TEC-EXIF-PURGE"}
    assert load_catalog().control("PRV-DEIDENTIFY").probed_by == ("deid",)
