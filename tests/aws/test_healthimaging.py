"""AWS HealthImaging data stores, live: the unmodified botocore ``medical-imaging`` client against the
HTTPS stand-in (scripts/healthimaging_standin.py: responses built from botocore's own service model,
a certificate generated for the session), KMS, IAM and CloudTrail in moto, CloudTrail Lake's event
data stores in the stand-in (which forwards the rest of CloudTrail to moto). Faults: access denied,
the service not offered in the region (UnrecognizedClientException), throttling that never
resolves, a connection dropped: ``error``, never ``pass``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from scanner.collectors.aws.healthimaging import collect_datastores
from scanner.facts.values import Unknown
from scripts.healthimaging_standin import StandIn
from tests.aws.conftest import MOTO_ACCOUNT, client
from tests.aws.test_network import Fault, _empty_aws_config, aws_session, inject, run, verdicts

__all__ = ["_empty_aws_config"]  # the autouse fixture, shared

REGIONS = ("us-east-1", "eu-west-1")
CMK, EXTERNAL, EVENTS, AT_REST = ("AWS-HEALTHIMAGING-CMK", "AWS-HEALTHIMAGING-NOT-EXTERNAL",
                                  "AWS-HEALTHIMAGING-DATA-EVENTS", "AWS-HEALTHIMAGING-ENCRYPTION-AT-REST")
HEALTHIMAGING_RULES = (AT_REST, CMK, EXTERNAL, EVENTS)
RULES_OF_ENCRYPTION = (AT_REST, CMK)
AWS_MANAGED_ALIAS = f"arn:aws:kms:us-east-1:{MOTO_ACCOUNT}:alias/aws/medical-imaging"


@pytest.fixture
def imaging(aws: str, imaging_standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    """The stand-in, with CloudTrail (event data stores) routed through it too."""
    for name, value in imaging_standin.environ().items():
        monkeypatch.setenv(name, value)
    yield imaging_standin


def _selector(name: str, *fields: dict[str, Any]) -> dict[str, Any]:
    return {"Name": name, "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                             {"Field": "resources.type", "Equals": ["AWS::MedicalImaging::Datastore"]},
                                             *fields]}


def _trust(principal: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}]})


def _grant(action: str, resource: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": resource}]})


def seed(standin: StandIn) -> dict[str, str]:
    """Four data stores (one deleted), roles, a trail and an event data store; name -> ARN.

    * ``pacs-cmk``: a customer key of the account; a vendor account's role reads its image sets;
      the trail records reads and writes;
    * ``pacs-owned``: no key (AWS owned); everyone may assume a role whose managed policy grants on
      it; the trail records reads only;
    * ``pacs-aws-managed``: an AWS-managed alias; only the account's own role and a service role
      grant on it; an event data store records it;
    * ``pacs-eu`` (eu-west-1): a key that does not exist (DescribeKey fails); nothing records it."""
    key = client("kms").create_key(Description="imaging")["KeyMetadata"]["Arn"]
    missing_key = f"arn:aws:kms:eu-west-1:{MOTO_ACCOUNT}:key/00000000-0000-4000-8000-000000000000"
    stores = {
        "pacs-cmk": standin.add_datastore("us-east-1", "pacs-cmk", kms_key_arn=key, tags={"team": "radiology"}),
        "pacs-owned": standin.add_datastore("us-east-1", "pacs-owned"),
        "pacs-aws-managed": standin.add_datastore("us-east-1", "pacs-aws-managed", kms_key_arn=AWS_MANAGED_ALIAS),
        "pacs-eu": standin.add_datastore("eu-west-1", "pacs-eu", kms_key_arn=missing_key),
    }
    standin.add_datastore("us-east-1", "pacs-gone", status="DELETED")
    iam = client("iam")
    vendor = _trust({"AWS": "arn:aws:iam::444455556666:root"})
    iam.create_role(RoleName="vendor-reader", AssumeRolePolicyDocument=vendor)
    iam.put_role_policy(RoleName="vendor-reader", PolicyName="frames",
                        PolicyDocument=_grant("medical-imaging:GetImageFrame", f"{stores['pacs-cmk']}/imageset/*"))
    iam.create_role(RoleName="anyone", AssumeRolePolicyDocument=_trust({"AWS": "*"}))
    policy = iam.create_policy(PolicyName="owned-all", PolicyDocument=_grant("medical-imaging:*", stores["pacs-owned"]))
    iam.attach_role_policy(RoleName="anyone", PolicyArn=policy["Policy"]["Arn"])
    iam.create_role(RoleName="radiology", AssumeRolePolicyDocument=_trust({"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:root"}))
    iam.put_role_policy(RoleName="radiology", PolicyName="all", PolicyDocument=_grant("medical-imaging:*", "*"))
    iam.create_role(RoleName="importer", AssumeRolePolicyDocument=_trust({"Service": "lambda.amazonaws.com"}))
    iam.put_role_policy(RoleName="importer", PolicyName="all", PolicyDocument=_grant("medical-imaging:*", "*"))
    client("s3").create_bucket(Bucket="pacscan-trail-imaging")
    cloudtrail = client("cloudtrail")
    trail = cloudtrail.create_trail(Name="imaging", S3BucketName="pacscan-trail-imaging", IsMultiRegionTrail=True)
    cloudtrail.start_logging(Name="imaging")
    cloudtrail.put_event_selectors(TrailName=trail["TrailARN"], AdvancedEventSelectors=[
        _selector("cmk", {"Field": "resources.ARN", "Equals": [stores["pacs-cmk"]]}),
        _selector("owned reads", {"Field": "resources.ARN", "StartsWith": [stores["pacs-owned"]]},
                  {"Field": "readOnly", "Equals": ["true"]})])
    standin.add_event_data_store("us-east-1", "imaging-lake", [
        _selector("lake", {"Field": "resources.ARN", "Equals": [stores["pacs-aws-managed"]]})])
    return stores


def test_data_stores_judged_by_every_healthimaging_rule(imaging: StandIn) -> None:
    stores = seed(imaging)
    inventory, findings = run(aws_session(REGIONS), collect_datastores)
    assert sorted(r.name for r in inventory.resources) == ["pacs-aws-managed", "pacs-cmk", "pacs-eu", "pacs-owned"]
    assert inventory.failures == ()
    assert verdicts(findings, AT_REST) == {"pacs-cmk": "pass", "pacs-owned": "pass", "pacs-aws-managed": "pass",
                                           "pacs-eu": "pass"}
    assert verdicts(findings, CMK) == {"pacs-cmk": "pass", "pacs-owned": "fail", "pacs-aws-managed": "fail",
                                       "pacs-eu": "error"}
    assert verdicts(findings, EXTERNAL) == {"pacs-cmk": "fail", "pacs-owned": "fail", "pacs-aws-managed": "pass",
                                            "pacs-eu": "pass"}
    assert verdicts(findings, EVENTS) == {"pacs-cmk": "pass", "pacs-owned": "fail", "pacs-aws-managed": "pass",
                                          "pacs-eu": "fail"}
    cmk = next(r for r in inventory.resources if r.name == "pacs-cmk")
    assert (cmk.id, cmk.region, cmk.tags) == (stores["pacs-cmk"], "us-east-1", {"team": "radiology"})
    assert cmk.facts["external_access"] == [{
        "role": f"arn:aws:iam::{MOTO_ACCOUNT}:role/vendor-reader", "principals": ["arn:aws:iam::444455556666:root"],
        "public": False, "cross_account": True, "grants": True, "actions": ["medical-imaging:GetImageFrame"]}]
    # the AWS-managed alias is never described; the missing key is, and fails to be
    assert inventory.calls["kms:DescribeKey"] == 2
    # the account-wide reads happen once, not once per data store
    assert inventory.calls["iam:GetAccountAuthorizationDetails"] == 1
    assert imaging.operations("cloudtrail").count("ListEventDataStores") == len(REGIONS)


def test_an_account_without_data_stores_reads_nothing_else(imaging: StandIn) -> None:
    inventory, findings = run(aws_session(REGIONS), collect_datastores)
    assert (inventory.resources, inventory.failures) == ((), ())
    assert [f for f in findings if f.check_id in HEALTHIMAGING_RULES] == []
    assert set(inventory.calls) - {"sts:GetCallerIdentity"} == {"medical-imaging:ListDatastores"}


@pytest.mark.parametrize("code", ["AccessDeniedException", "UnrecognizedClientException", "ThrottlingException",
                                  "drop"])
def test_a_listing_that_fails_in_a_region_is_error_there_never_pass(imaging: StandIn, code: str) -> None:
    seed(imaging)
    imaging.fail("ListDatastores", code, region="eu-west-1")
    inventory, findings = run(aws_session(REGIONS), collect_datastores)
    assert [(f.region, f.type) for f in inventory.failures] == [("eu-west-1", "aws.healthimaging.datastore")]
    for rule in HEALTHIMAGING_RULES:
        failed = [f for f in findings if f.check_id == rule and f.resource.region == "eu-west-1"]
        assert [f.status.value for f in failed] == ["error"], rule
    assert "pacs-eu" not in {r.name for r in inventory.resources}
    assert verdicts(findings, CMK)["pacs-cmk"] == "pass"  # the other region is unaffected


def test_a_data_store_that_cannot_be_described_errs_its_own_facts_only(imaging: StandIn) -> None:
    seed(imaging)
    imaging.fail("GetDatastore", "AccessDeniedException", region="us-east-1", times=1)
    inventory, findings = run(aws_session(("us-east-1",)), collect_datastores)
    denied = [r for r in inventory.resources if "encryption" in r.errors]
    assert len(denied) == 1 and "AccessDeniedException" in denied[0].errors["encryption"]
    assert verdicts(findings, CMK)[denied[0].name] == "error"
    assert verdicts(findings, AT_REST)[denied[0].name] == "error"
    assert "error" not in {verdicts(findings, EVENTS)[denied[0].name], verdicts(findings, EXTERNAL)[denied[0].name]}


def test_unreadable_roles_make_external_access_error_for_every_data_store(imaging: StandIn) -> None:
    seed(imaging)
    session = aws_session(("us-east-1",))
    inject(session, "iam", None, "GetAccountAuthorizationDetails", Fault("AccessDenied", protocol="query"))
    inventory, findings = run(session, collect_datastores)
    assert set(verdicts(findings, EXTERNAL).values()) == {"error"}
    assert all("AccessDenied" in r.errors["external_access"] for r in inventory.resources)


def test_unreadable_event_selectors_or_event_data_stores_are_error_where_nothing_else_records(
        imaging: StandIn) -> None:
    seed(imaging)
    imaging.fail("GetEventSelectors", "AccessDeniedException")
    _, findings = run(aws_session(("us-east-1",)), collect_datastores)
    assert verdicts(findings, EVENTS) == {"pacs-cmk": "error", "pacs-owned": "error", "pacs-aws-managed": "pass"}
    imaging.faults.clear()
    imaging.fail("ListEventDataStores", "ThrottlingException")
    _, findings = run(aws_session(("us-east-1",)), collect_datastores)
    # pacs-owned: the trail records its reads for certain, its writes maybe in an event data store not read
    assert verdicts(findings, EVENTS) == {"pacs-cmk": "pass", "pacs-owned": "error", "pacs-aws-managed": "error"}


def test_a_stopped_trail_or_an_event_data_store_not_ingesting_records_nothing(imaging: StandIn) -> None:
    stores = seed(imaging)
    client("cloudtrail").stop_logging(Name="imaging")
    imaging.event_data_stores["us-east-1"][0]["Status"] = "STOPPED_INGESTION"
    inventory, findings = run(aws_session(("us-east-1",)), collect_datastores)
    assert set(verdicts(findings, EVENTS).values()) == {"fail"}
    cmk = next(r for r in inventory.resources if r.id == stores["pacs-cmk"])
    covering = [i for i in cmk.facts["audit"]["data_events"] if i["covers"] is True]
    assert covering == [{"trail": f"arn:aws:cloudtrail:us-east-1:{MOTO_ACCOUNT}:trail/imaging",
                                                  "covers": True, "read_write": "All", "narrowed_by": [],
                                                  "logging": False}]


def test_the_key_manager_of_a_key_that_cannot_be_described_is_an_error_not_false(imaging: StandIn) -> None:
    seed(imaging)
    inventory, _ = run(aws_session(("eu-west-1",)), collect_datastores)
    (eu,) = inventory.resources
    managed = eu.facts["encryption"]["customer_managed_key"]
    assert isinstance(managed, Unknown) and managed.error


def test_a_region_without_healthimaging_is_not_asked_and_is_not_an_error(
        aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS publishes a HealthImaging endpoint name only where the service runs: a region whose
    endpoint does not resolve has no data store (no request, no error); a region known to offer it
    is always asked, so a failure there stays an error."""
    from scanner.collectors.aws.healthimaging import OFFERED, offered

    # the name AWS would use in a region without the service (STS and the rest stay on moto)
    monkeypatch.setenv("AWS_ENDPOINT_URL_MEDICAL_IMAGING", "https://medical-imaging.xx-nowhere-1.amazonaws.com")
    session = aws_session(("us-east-1", "xx-nowhere-1"))
    assert "us-east-1" in OFFERED and offered(session, "us-east-1")
    unpublished = "medical-imaging.xx-nowhere-1.amazonaws.com"
    assert session.client("medical-imaging", "xx-nowhere-1").meta.endpoint_url.endswith(unpublished)
    assert not offered(session, "xx-nowhere-1")
    with ThreadPoolExecutor(max_workers=2) as pool:
        found, failed = collect_datastores(session, ["xx-nowhere-1"], pool)
    assert found == [] and failed == []
    assert not [c for c in session.calls if c.startswith("medical-imaging:")], "no request to HealthImaging"
