"""The HealthImaging readings Terraform and live share (scanner/healthimaging/): ARN patterns over a
data store whose ARN may be partly unknown, trust exposure, grants and advanced event selectors."""

from __future__ import annotations

import pytest

from scanner.facts.values import Unknown
from scanner.healthimaging.access import store_grants
from scanner.healthimaging.arns import DataStore, covers, covers_everything, glob, intersects, pattern
from scanner.healthimaging.events import selector_items
from scanner.healthimaging.trust import trust_exposure

ID = "0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:medical-imaging:us-east-1:111122223333:datastore/{ID}"
LIVE = DataStore.from_arn(ARN)
LATER = Unknown("known after apply")
PLANNED = DataStore(LATER, LATER, LATER, "awscc_healthimaging_datastore.pacs",
                    frozenset({"awscc_healthimaging_datastore.other"}))


def _covers(entry: object, store: DataStore = LIVE) -> object:
    return covers(pattern(entry, store, {"aws_s3_bucket.b": "aws_s3_bucket"}), store)


@pytest.mark.parametrize(("first", "second", "expected"), [
    ("a*c", "abc", True), ("a*c", "ab", False), ("*x*", "*y*", True), ("a?c", "a??", True), ("a?c", "a?", False),
    ("a?c", "a*", True),
    ("", "*", True), ("", "?", False), ("ab", "a*b*", True), ("abc", "a*d", False),
])
def test_two_glob_patterns_intersect_exactly_when_some_string_matches_both(first: str, second: str,
                                                                            expected: bool) -> None:
    assert intersects(glob(first), glob(second)) is expected


@pytest.mark.parametrize(("entry", "live", "planned"), [
    ("*", True, True),
    ("arn:aws:medical-imaging:*:*:datastore/*", True, True),
    ("arn:aws-us-gov:medical-imaging:*", True, True),  # the partition is not compared
    (f"{ARN}/imageset/*", True, "unknown"),  # an image set of this very data store
    ("arn:aws:medical-imaging:us-east-1:111122223333:datastore/" + "f" * 32, False, "unknown"),
    ("arn:aws:medical-imaging:eu-west-1:*:datastore/*", False, "unknown"),
    ("arn:aws:medical-imaging:*:*:datastore/*/imageset/X*", False, False),  # ids are lower-case
    ("arn:aws:s3:::pacs/*", False, False),
    ("arn:aws:medical-imaging:*:*:datastore/????????????????????????????????", True, True),
    ("arn:aws:medical-imaging:*:*:datastore/???", False, False),
])
def test_a_literal_pattern_covers_a_data_store_for_every_value_of_what_is_not_known(
        entry: str, live: object, planned: object) -> None:
    assert _covers(entry) is live
    got = _covers(entry, PLANNED)
    assert (got if not isinstance(got, Unknown) else "unknown") == planned


def test_a_symbol_names_this_data_store_another_one_or_another_resource() -> None:
    own = Unknown("later", symbol="awscc_healthimaging_datastore.pacs.datastore_arn")
    images = Unknown("later", symbol="${awscc_healthimaging_datastore.pacs.datastore_arn}/imageset/*")
    other = Unknown("later", symbol="${awscc_healthimaging_datastore.other.datastore_arn}*")
    bucket = Unknown("later", symbol="aws_s3_bucket.b.arn")
    variable = Unknown("later", symbol="arn:aws:medical-imaging:*:${var.account}:datastore/*")
    assert (_covers(own, PLANNED), _covers(images, PLANNED)) == (True, True)
    assert (_covers(other, PLANNED), _covers(bucket, PLANNED)) == (False, False)
    assert isinstance(_covers(variable, PLANNED), Unknown)
    assert isinstance(_covers(Unknown("no value"), PLANNED), Unknown)


def test_covering_everything_needs_the_data_store_and_all_its_image_sets() -> None:
    assert covers_everything(glob("arn:aws:medical-imaging:*"), LIVE) is True
    assert covers_everything(glob(ARN), LIVE) is False  # the image sets are left
    assert covers_everything(glob(f"{ARN}*"), LIVE) is True


def test_trust_exposure_with_the_account_known_live() -> None:
    def trust(principal: object, condition: dict[str, object] | None = None) -> dict[str, object]:
        statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
        return {"Statement": [{**statement, "Condition": condition} if condition else statement]}

    own = "111122223333"
    vendor = trust({"AWS": ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::444455556666:root"]})
    assert trust_exposure(vendor, own).cross_account is True
    assert trust_exposure(trust({"AWS": "arn:aws:iam::111122223333:root"}), own).external is False
    assert trust_exposure(trust({"Service": "ec2.amazonaws.com"}), own).external is False
    pinned = trust("*", {"StringEquals": {"aws:PrincipalAccount": own}})
    assert (trust_exposure(pinned, own).public, trust_exposure(pinned, own).cross_account) == (False, False)
    saml = trust({"Federated": "arn:aws:iam::111122223333:saml-provider/okta"})
    assert trust_exposure(saml, own).external is False
    google = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                             "Principal": {"Federated": "accounts.google.com"}}]}
    assert trust_exposure(google, own).public is True


def test_a_conditional_deny_narrows_who_only_when_the_condition_is_about_the_caller() -> None:
    allow = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}}
    mfa = {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": "*",
           "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
    org = {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": "*",
           "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}
    assert trust_exposure({"Statement": [allow, mfa]}, "111122223333").cross_account is True
    assert isinstance(trust_exposure({"Statement": [allow, org]}, "111122223333").cross_account, Unknown)


def test_grants_name_new_actions_and_collapse_all_known_ones_to_the_wildcard() -> None:
    new = store_grants([{"Statement": [{"Effect": "Allow", "Action": "medical-imaging:StartDICOMExportJob",
                                        "Resource": "*"}]}], LIVE)
    assert (new.actions, new.grants) == (("medical-imaging:StartDICOMExportJob",), True)
    every = store_grants([{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}], LIVE)
    assert every.actions == ("medical-imaging:*",)
    listing = store_grants([{"Statement": [{"Effect": "Allow", "Action": "medical-imaging:ListDatastores",
                                            "Resource": "*"}]}], LIVE)
    assert listing.grants is False  # names only, nothing on a data store


def _selector(*fields: dict[str, object]) -> dict[str, object]:
    base = [{"Field": "eventCategory", "Equals": ["Data"]},
            {"Field": "resources.type", "Equals": ["AWS::MedicalImaging::Datastore"]}]
    return {"Name": "s", "FieldSelectors": [*base, *fields]}


def test_event_selectors_read_write_and_arn_filters() -> None:
    def item(*fields: dict[str, object]) -> dict[str, object]:
        found = selector_items("t", [_selector(*fields)], LIVE, region_covers=True, logging=True)
        assert len(found) == 1
        return found[0]

    assert item({"Field": "readOnly", "Equals": ["false"]})["read_write"] == "WriteOnly"
    assert item({"Field": "readOnly", "NotEquals": ["false"]})["read_write"] == "ReadOnly"
    assert item({"Field": "resources.ARN", "EndsWith": [ID]})["covers"] is True
    assert item({"Field": "resources.ARN", "StartsWith": ["arn:aws:medical-imaging:eu-west-1:"]})["covers"] is False
    assert item({"Field": "resources.ARN", "NotStartsWith": [ARN[:40]]})["covers"] is False
    assert item({"Field": "resources.ARN", "Equals": ["*"]})["covers"] is False  # no wildcard in CloudTrail
    management = {"Name": "s", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
    assert selector_items("t", [management], LIVE, region_covers=True, logging=True) == []
