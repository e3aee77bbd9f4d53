"""The de-identification check on S3 (moto server): ranged reads of the first bytes, ``pacscan deid
s3://``, ``pacscan cloud aws --deid-sample N`` on the buckets ``deidentified_data`` marks, and the
object-read permissions it needs, kept out of the read-only scan policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.catalog import load_catalog
from scanner.cli import main
from scanner.collectors.aws.iam_actions import allowed_patterns, uncovered
from scanner.collectors.aws.session import AwsSession, AwsTarget
from scanner.collectors.deid import DeidCollector
from scanner.collectors.deid.cloud_sources import S3Source
from scanner.engine.evaluate import evaluate_inventory
from tests.aws.conftest import client, recorded_deid_operations

pytest.importorskip("pydicom")
from tests.dicom.world import Phi, world_files

POLICIES = Path(__file__).resolve().parents[2] / "policies" / "iam"
#: recorded operation -> the IAM action that authorizes it (S3's listing is authorized by ListBucket)
DEID_ACTIONS = {"s3:ListObjectsV2": "s3:ListBucket", "s3:GetObject": "s3:GetObject"}


def seed(phi: Phi) -> None:
    s3 = client("s3")
    for name in ("pacs-research", "pacs-archive"):
        s3.create_bucket(Bucket=name)
        for key, data in world_files(phi).items():
            s3.put_object(Bucket=name, Key=key, Body=data)
    s3.put_bucket_tagging(Bucket="pacs-research", Tagging={"TagSet": [{"Key": "data-use", "Value": "research"}]})


def test_ranged_reads_of_s3_objects(aws: str) -> None:
    seed(Phi())
    session = AwsSession(AwsTarget(regions=("us-east-1",)))
    inventory = DeidCollector([S3Source(session.client("s3"), "pacs-research", "export/")]).collect()
    facts = {r.id: r.facts for r in inventory.resources}
    assert set(facts) == {f"s3://pacs-research/export/{n}" for n in ("identified.dcm", "deidentified.dcm",
                                                                     "overlay.dcm")}
    assert "PatientName" in facts["s3://pacs-research/export/identified.dcm"]["identifying_attributes"]
    assert session.calls["s3:GetObject"] == 3 and session.calls["s3:ListObjectsV2"] == 1


def test_a_missing_bucket_is_an_error_for_every_rule(aws: str) -> None:
    session = AwsSession(AwsTarget(regions=("us-east-1",)))
    inventory = DeidCollector([S3Source(session.client("s3"), "no-such-bucket")]).collect()
    catalog = load_catalog()
    findings = evaluate_inventory(catalog, catalog.defaults(), inventory, "imaging")
    assert findings and {f.status.value for f in findings} == {"error"}
    assert all("NoSuchBucket" in f.message for f in findings)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(argv)
    capsys.readouterr()
    out = Path(argv[argv.index("--output") + 1])
    return code, json.loads(out.read_text())


def test_pacscan_deid_s3(aws: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(Phi())
    code, doc = _run(["deid", "s3://pacs-research/photos/", "--format", "json", "--output",
                      str(tmp_path / "e.json")], capsys)
    assert code == 1
    controls = {c["id"]: c for c in doc["controls"]}
    assert controls["TEC-EXIF-PURGE"]["status"] == "fail" and controls["TEC-EXIF-PURGE"]["judged_by"] == ["deid"]
    assert {f["source"] for f in doc["findings"] if f["control_id"] == "TEC-EXIF-PURGE"} == {"deid"}


@pytest.mark.slow
def test_cloud_aws_deid_sample_reads_only_marked_buckets(aws: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    seed(Phi())
    config = tmp_path / "pacscan.yaml"
    config.write_text("parameters:\n  deidentified_data: {tags: {data-use: research}}\n")
    code, doc = _run(["cloud", "aws", "--region", "us-east-1", "--deid-sample", "4", "--config", str(config),
                      "--format", "json", "--output", str(tmp_path / "e.json"), "--soft-fail"], capsys)
    assert code == 0
    objects = {f["resource"]["address"] for f in doc["findings"] if f["source"] == "deid"}
    assert len(objects) == 4 and all(a.startswith("s3://pacs-research/") for a in objects)
    assert "s3://pacs-research/: 4 of 7 objects sampled (--sample)" in doc["scan"]["notes"]
    assert {c["id"] for c in doc["controls"] if c.get("judged_by")} == {"PRV-DEIDENTIFY", "TEC-EXIF-PURGE"}


def test_cloud_aws_without_deid_sample_reads_no_object(aws: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The opt-in is explicit: marked buckets are not read without --deid-sample."""
    from scanner.cli_args import build_parser

    assert build_parser().parse_args(["cloud", "aws"]).deid_sample is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["cloud", "aws", "--deid-sample", "0"])


def test_deid_calls_stay_inside_the_deid_policy_and_out_of_the_readonly_one() -> None:
    deid = json.loads((POLICIES / "pacscan-aws-deid.json").read_text())
    readonly = json.loads((POLICIES / "pacscan-aws-readonly.json").read_text())
    assert sorted(allowed_patterns(deid)) == ["s3:GetObject", "s3:ListBucket"]
    assert uncovered(["s3:GetObject"], readonly) == {"s3:GetObject"}
    recorded = recorded_deid_operations()
    needed = {DEID_ACTIONS.get(op, op) for op in recorded}
    assert needed <= {"s3:GetObject", "s3:ListBucket"}, f"the deid check performed {sorted(recorded)}"
    assert uncovered(needed, deid) == set()
