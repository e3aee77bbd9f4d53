"""The one reading of S3 bucket policies (scanner/bucketpolicy.py, scanner/policydoc.py), for Terraform
and live alike: which statements protect the bucket, and what a document with unknown parts decides."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.bucketpolicy import Bucket, bucket_policy_facts
from scanner.facts.values import Unknown
from scanner.policydoc import document_of

PACS = Bucket("pacs")
BOTH = ["arn:aws:s3:::pacs", "arn:aws:s3:::pacs/*"]
TLS = {"Bool": {"aws:SecureTransport": "false"}}
VPCE = {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}


def deny(condition: Any = None, **changes: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": BOTH}
    if condition is not None:
        statement["Condition"] = condition
    statement.update(changes)
    return {k: v for k, v in statement.items() if v is not None}


def read(*statements: Any, bucket: Bucket = PACS) -> tuple[Any, Any]:
    return bucket_policy_facts({"Version": "2012-10-17", "Statement": list(statements)}, bucket)


def tls(*statements: Any, bucket: Bucket = PACS) -> Any:
    return read(*statements, bucket=bucket)[0]["denies_insecure_transport"]


def public(*statements: Any) -> Any:
    return read(*statements)[1]["is_public"]


@pytest.mark.parametrize(("statement", "expected"), [
    (deny(TLS), True),
    (deny({"Bool": {"aws:SecureTransport": False}}), True),  # the JSON boolean, as the old checks read it
    (deny({"BoolIfExists": {"aws:securetransport": ["false"]}}), True),
    (deny(TLS, Resource="*"), True),
    (deny(TLS, Resource="arn:aws:s3:::pac*"), True),
    (deny(TLS, Resource="arn:aws-us-gov:s3:::pacs*"), True),
    (deny(TLS, Principal={"AWS": ["arn:aws:iam::111122223333:root", "*"]}), True),
    (deny(TLS, Action=["s3:GetObject", "*"]), True),
    # a Deny on the bucket ARN alone leaves the objects; on the objects alone leaves listing
    (deny(TLS, Resource="arn:aws:s3:::pacs"), False),
    (deny(TLS, Resource="arn:aws:s3:::pacs/*"), False),
    (deny(TLS, Resource=["arn:aws:s3:::pacs", "arn:aws:s3:::pacs/images/*"]), False),
    (deny(TLS, Resource=["arn:aws:s3:::other", "arn:aws:s3:::other/*"]), False),
    # a further condition narrows the Deny to some requests
    (deny({**TLS, "StringEquals": {"aws:PrincipalAccount": "111122223333"}}), False),
    (deny({**TLS, "StringEquals": {"aws:PrincipalOrgID": "o-1"}}), False),
    (deny({"Bool": {"aws:SecureTransport": "true"}}), False),
    (deny(None), False),
    (deny(TLS, Principal={"AWS": "arn:aws:iam::111122223333:role/x"}), False),
    (deny(TLS, Principal={"Service": "logging.s3.amazonaws.com"}), False),
    (deny(TLS, Action="s3:GetObject"), False),
    (deny(TLS, Action=None, NotAction="s3:GetObject"), False),
    (deny(TLS, Principal=None, NotPrincipal={"AWS": "arn:aws:iam::111122223333:root"}), False),
    (deny(TLS, Resource=None, NotResource="arn:aws:s3:::other/*"), False),
    (deny(TLS, Effect="Allow"), False),
])
def test_which_statements_deny_insecure_transport(statement: dict[str, Any], expected: bool) -> None:
    assert tls(statement) is expected


def test_one_blanket_statement_is_enough_and_a_single_statement_object_counts() -> None:
    assert tls(deny(TLS, Resource="arn:aws:s3:::pacs"), deny(TLS)) is True
    policy, _ = bucket_policy_facts({"Statement": deny(TLS)}, PACS)
    assert policy == {"statement_count": 1, "denies_insecure_transport": True, "network_denies": []}


@pytest.mark.parametrize(("statement", "exempt"), [
    (deny(VPCE), {"source_vpce": ["vpce-1"], "source_vpc": [], "source_ip": []}),
    (deny({"StringNotEqualsIfExists": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}, "NotIpAddress": {
        "aws:SourceIp": "203.0.113.0/24"}}), {"source_vpce": [], "source_vpc": ["vpc-1", "vpc-2"],
                                               "source_ip": ["203.0.113.0/24"]}),
    (deny(None), {"source_vpce": [], "source_vpc": [], "source_ip": []}),
    (deny({**VPCE, "StringNotEquals": {"aws:SourceVpce": "vpce-1", "aws:PrincipalArn": "arn:admin"}}), None),
    (deny({**VPCE, "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}), None),
    (deny(VPCE, Resource="arn:aws:s3:::pacs/*"), None),
    (deny(VPCE, Effect="Allow"), None),
])
def test_network_denies_list_what_each_blanket_deny_exempts(statement: dict[str, Any], exempt: Any) -> None:
    assert read(statement)[0]["network_denies"] == ([exempt] if exempt else [])


@pytest.mark.parametrize(("statement", "expected"), [
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::pacs/*"}, True),
    ({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:*", "Resource": BOTH}, True),
    ({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Resource": BOTH}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": BOTH,
      "Condition": {"StringLike": {"aws:Referer": "https://x/*"}}}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": BOTH,
      "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}, False),
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": BOTH,
      "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": BOTH,
      "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}, False),
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": BOTH,
      "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}}}, True),
    ({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": BOTH,
      "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}}, True),
    ({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Resource": BOTH}, False),
    ({"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
      "Resource": BOTH}, False),
    (deny(None), False),
])
def test_which_statements_make_the_policy_public(statement: dict[str, Any], expected: bool) -> None:
    assert public(statement) is expected


def test_no_policy_has_no_facts() -> None:
    assert bucket_policy_facts(None, PACS) == (None, None)
    assert bucket_policy_facts({"Version": "2012-10-17"}, PACS) == (
        {"statement_count": 0, "denies_insecure_transport": False, "network_denies": []}, {"is_public": False})


# --- documents with unknown parts ------------------------------------------------------------------

OWN = Bucket(Unknown("generated from bucket_prefix"), "aws_s3_bucket.images")


def arn(symbol: str) -> Unknown:
    return Unknown("known only after apply", symbol=symbol)


def test_the_buckets_own_arn_known_only_after_apply_covers_it() -> None:
    own = deny(TLS, Resource=[arn("aws_s3_bucket.images.arn"), arn("${aws_s3_bucket.images.arn}/*")])
    assert tls(own, bucket=OWN) is True
    by_name = deny(TLS, Resource=[arn("arn:aws:s3:::${aws_s3_bucket.images.id}"),
                                  arn("arn:aws:s3:::${aws_s3_bucket.images.bucket}/*")])
    assert tls(by_name, bucket=OWN) is True
    objects_only = deny(TLS, Resource=[arn("${aws_s3_bucket.images.arn}/*")])
    assert tls(objects_only, bucket=OWN) is False


def test_any_other_unknown_resource_leaves_coverage_unknown() -> None:
    other = deny(TLS, Resource=[arn("aws_s3_bucket.other.arn"), arn("${aws_s3_bucket.other.arn}/*")])
    assert isinstance(tls(other, bucket=OWN), Unknown)
    plain = deny(TLS, Resource=[Unknown("var.arn has no value"), "arn:aws:s3:::pacs/*"])
    assert isinstance(tls(plain), Unknown)
    # a literal ARN and a bucket whose name is not known: it may be this bucket
    assert isinstance(tls(deny(TLS), bucket=OWN), Unknown)
    # ... but a wildcard covering every bucket covers it whatever its name
    assert tls(deny(TLS, Resource="arn:aws:s3:::*"), bucket=OWN) is True
    # a known false part decides even beside an unknown one
    assert tls(deny(TLS, Resource=[Unknown("var.arn")], Effect="Allow")) is False


def test_unknown_statements_conditions_and_values_decide_nothing_they_could_change() -> None:
    assert isinstance(tls(Unknown("source document unknown", spread=True)), Unknown)
    assert tls(deny(TLS), Unknown("source document unknown", spread=True)) is True
    assert isinstance(tls(deny({"Bool": {"aws:SecureTransport": Unknown("var.tls")}})), Unknown)
    assert isinstance(tls(deny(Unknown("condition unknown"))), Unknown)
    assert isinstance(tls(deny(TLS, Principal=Unknown("var.who"))), Unknown)
    policy, status = read(Unknown("source document unknown", spread=True))
    assert isinstance(policy["statement_count"], Unknown)
    assert isinstance(policy["network_denies"][0], Unknown) and isinstance(status["is_public"], Unknown)


def test_a_partial_policy_document_keeps_its_blocks() -> None:
    """``aws_iam_policy_document`` with unknown parts keeps principal and condition blocks unrendered."""
    statement = {"Effect": "Deny", "Action": "s3:*", "Resource": BOTH,
                 "Principal": [{"type": "*", "identifiers": ["*"]}],
                 "Condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]}
    assert tls(statement) is True
    narrowed = {**statement, "Condition": [*statement["Condition"], {"test": "StringEquals",
                                                                    "variable": "aws:PrincipalOrgID",
                                                                    "values": [Unknown("var.org")]}]}
    assert tls(narrowed) is False
    unseen = {**statement, "Condition": [{"test": Unknown("var.test"), "variable": "aws:SecureTransport",
                                          "values": ["false"]}]}
    assert isinstance(tls(unseen), Unknown)


def test_documents_from_terraform_values() -> None:
    assert document_of(None) is None
    assert document_of('{"Statement": []}') == {"Statement": []}
    assert isinstance(document_of("{not json"), Unknown)
    partial = {"Statement": [deny(TLS)]}
    assert document_of(Unknown("jsonencode of unknown parts", partial=partial)) is partial
    template = Unknown("aws_s3_bucket.images.arn is known only after apply", symbol=(
        '{"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": '
        '["${aws_s3_bucket.images.arn}", "${aws_s3_bucket.images.arn}/*"], '
        '"Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}'))
    parsed = document_of(template)
    assert parsed["Statement"][0]["Resource"][1].symbol == "${aws_s3_bucket.images.arn}/*"
    assert bucket_policy_facts(parsed, OWN)[0]["denies_insecure_transport"] is True
    outside = Unknown("x", symbol='{"Statement": ${jsonencode(local.statements)}}')
    assert document_of(outside) is outside


def test_the_bucket_and_its_objects_may_be_covered_by_statements_with_the_same_conditions() -> None:
    on_bucket, on_objects = "arn:aws:s3:::pacs", "arn:aws:s3:::pacs/*"
    assert tls(deny(TLS, Resource=on_bucket), deny(TLS, Resource=on_objects)) is True
    narrowed = {**TLS, "StringEquals": {"aws:PrincipalOrgID": "o-1"}}
    assert tls(deny(TLS, Resource=on_bucket), deny(narrowed, Resource=on_objects)) is False
    assert isinstance(tls(deny(TLS, Resource=on_bucket), deny(TLS, Resource=Unknown("var.arn"))), Unknown)
    split = read(deny(VPCE, Resource=on_bucket), deny(VPCE, Resource=on_objects))[0]["network_denies"]
    assert split == [{"source_vpce": ["vpce-1"], "source_vpc": [], "source_ip": []}]
    other = {"StringNotEquals": {"aws:SourceVpce": "vpce-2"}}
    assert read(deny(VPCE, Resource=on_bucket), deny(other, Resource=on_objects))[0]["network_denies"] == []
