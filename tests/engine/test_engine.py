"""The rule engine: pure facts in, findings out; never a pass for a fact it could not read."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.catalog import load_catalog
from scanner.engine.evaluate import evaluate_inventory
from scanner.errors import CatalogError
from scanner.facts.resource import CollectionFailure, Inventory, Resource
from scanner.models import Status
from tests.conftest import REPO, write_tree

RULES = """\
rules:
  - id: AWS-TEST-VERSIONING
    controls: [INT-VERSION]
    resource: aws.s3.bucket
    title: versioning is enabled
    check: {key: versioning.status, op: eq, value: Enabled}
  - id: AWS-TEST-DICOM
    controls: [NET-DICOM]
    resource: aws.ec2.security_group
    title: no DICOM port from the world
    when: {key: vpc_id, op: present}
    check:
      key: ingress
      op: no-item
      value:
        all:
          - {key: sources, op: cidr-overlaps-world}
          - {key: ports, op: port-in-range, value: {param: dicom_ports}}
"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("catalog")
    text = (REPO / "rules.yaml").read_text()
    head = text.split("include:")[0]
    includes = [line.split("- ", 1)[1] for line in text.split("include:")[1].splitlines() if "- rules/controls" in line
                or "- rules/facts" in line]
    for rel in includes:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text((REPO / rel).read_text())
    write_tree(root, {"rules/test.yaml": RULES})
    listing = "".join(f"  - {rel}\n" for rel in [*includes, "rules/test.yaml"])
    (root / "rules.yaml").write_text(head + "include:\n" + listing)
    return load_catalog(root / "rules.yaml")


def bucket(name: str, **facts: object) -> Resource:
    return Resource("aws", "aws.s3.bucket", f"arn:aws:s3:::{name}", name, "111122223333", "us-east-1",
                         tags={"workload": "pacs"} if name.startswith("pacs") else {}, facts=facts)


def run(catalog, resources=(), failures=(), **overrides):  # type: ignore[no-untyped-def]
    params = {**catalog.defaults(), **overrides}
    found = evaluate_inventory(catalog, params, Inventory(tuple(resources), tuple(failures)), "aws")
    return {(f.control_id, f.resource.address): f for f in found}


def test_pass_fail_and_evidence(catalog) -> None:  # type: ignore[no-untyped-def]
    got = run(catalog, [bucket("pacs-a", versioning={"status": "Enabled"}),
                        bucket("pacs-b", versioning={"status": "Suspended"}), bucket("pacs-c", versioning=None)])
    assert {a: f.status for (c, a), f in got.items()} == {
        "arn:aws:s3:::pacs-a": Status.PASS, "arn:aws:s3:::pacs-b": Status.FAIL, "arn:aws:s3:::pacs-c": Status.FAIL}
    b = got[("INT-VERSION", "arn:aws:s3:::pacs-b")]
    assert b.evidence["observed"] == {"versioning.status": "Suspended"}
    assert b.resource.account == "111122223333" and b.resource.region == "us-east-1"
    assert b.check_id == "AWS-TEST-VERSIONING" and b.severity.value


def test_unreadable_fact_is_error_never_pass(catalog) -> None:  # type: ignore[no-untyped-def]
    denied = Resource("aws", "aws.s3.bucket", "arn:aws:s3:::pacs-d", "pacs-d", "1", "us-east-1",
                           facts={}, errors={"versioning": "AccessDenied (GetBucketVersioning): denied"})
    finding = run(catalog, [denied])[("INT-VERSION", "arn:aws:s3:::pacs-d")]
    assert finding.status is Status.ERROR and "AccessDenied" in finding.message
    assert finding.evidence["could_not_read"] == {"versioning": "AccessDenied (GetBucketVersioning): denied"}


def test_failed_listing_errors_every_rule_of_that_type(catalog) -> None:  # type: ignore[no-untyped-def]
    failure = CollectionFailure("aws", "aws.ec2.security_group", "1", "eu-west-1", "AccessDenied: no")
    got = run(catalog, failures=[failure])
    assert [(c, f.status) for (c, _), f in got.items()] == [("NET-DICOM", Status.ERROR)]
    assert next(iter(got.values())).resource.region == "eu-west-1"


def test_items_parameters_and_when(catalog) -> None:  # type: ignore[no-untyped-def]
    def sg(name: str, ingress: list[dict[str, object]], vpc: str | None = "vpc-1") -> Resource:
        return Resource("aws", "aws.ec2.security_group", name, name, "1", "us-east-1",
                             facts={"vpc_id": vpc, "ingress": ingress})
    web_and_private_dicom = [{"ports": {"from": 443, "to": 443}, "sources": ["0.0.0.0/0"]},
                             {"ports": {"from": 104, "to": 104}, "sources": ["10.0.0.0/8"]}]
    world_range = [{"ports": {"from": 100, "to": 200}, "sources": ["::/0"]}]
    got = run(catalog, [sg("sg-pass", web_and_private_dicom), sg("sg-fail", world_range),
                        sg("sg-novpc", world_range, vpc=None)])
    assert {a: f.status for (_, a), f in got.items()} == {"sg-pass": Status.PASS, "sg-fail": Status.FAIL,
                                                          "sg-novpc": Status.NOT_APPLICABLE}
    moved = run(catalog, [sg("sg-fail", world_range)], dicom_ports=[4242])
    assert moved[("NET-DICOM", "sg-fail")].status is Status.PASS, "the parameter flows into the rule"


def test_imaging_scope_selects_storage(catalog) -> None:  # type: ignore[no-untyped-def]
    resources = [bucket("pacs-a", versioning=None), bucket("marketing", versioning=None)]
    got = run(catalog, resources, imaging_data={"tags": {"workload": "pacs"}, "name_patterns": []})
    assert [a for _, a in got] == ["arn:aws:s3:::pacs-a"]
    assert got[("INT-VERSION", "arn:aws:s3:::pacs-a")].evidence["in_scope_by"] == "tag workload=pacs"


@pytest.mark.parametrize(("rule", "words"), [
    ("    check: {key: versioning.status, op: equals, value: Enabled}\n", "rules.0.check"),
    ("    check: {key: versioning.status, op: eq}\n", "'value' is a required property"),
    ("    check: {key: x, op: ge, value: {param: nope}}\n", "unknown parameter 'nope'"),
    ("    check: {all: []}\n", "should be non-empty"),
    ("    check: {key: versioning.statuss, op: eq, value: Enabled}\n",
     "fact key 'versioning.statuss' is not in the fact schema of aws.s3.bucket"),
    ("    resource: aws.s3.buckets\n    check: {key: versioning.status, op: eq, value: Enabled}\n",
     "no input produces resource kind 'aws.s3.buckets'"),
])
def test_bad_rule_names_file_line_and_key(tmp_path: Path, rule: str, words: str) -> None:
    base = RULES.split("  - id: AWS-TEST-DICOM")[0]
    broken = base.replace("    check: {key: versioning.status, op: eq, value: Enabled}\n", rule)
    if "resource:" in rule:
        broken = broken.replace("    resource: aws.s3.bucket\n", "")
    text = (REPO / "rules.yaml").read_text().split("include:")[0]
    write_tree(tmp_path, {"rules.yaml": text + "include:\n  - rules/controls/technical.yaml\n"
                                              "  - rules/facts/aws.yaml\n  - rules/facts/aws-storage.yaml\n"
                                              "  - rules/bad.yaml\n",
                          "rules/controls/technical.yaml": (REPO / "rules/controls/technical.yaml").read_text(),
                          "rules/facts/aws.yaml": (REPO / "rules/facts/aws.yaml").read_text(),
                          "rules/facts/aws-storage.yaml": (REPO / "rules/facts/aws-storage.yaml").read_text(),
                          "rules/bad.yaml": broken})
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path / "rules.yaml")
    assert "bad.yaml:" in str(err.value) and words in str(err.value)
