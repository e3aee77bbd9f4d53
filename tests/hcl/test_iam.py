"""``data "aws_iam_policy_document"`` rendered as hashicorp/aws 5.100 renders it (expected JSON
copied from ``terraform plan`` output; the parity test re-checks against the live provider)."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.facts.values import Unknown
from tests.hcl.support import instance, load

DOC = """
data "aws_iam_policy_document" "a" {
  statement {
    sid       = "One"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:DeleteObject"]
    resources = ["arn:aws:s3:::b/*", "arn:aws:s3:::a/*", "arn:aws:s3:::c"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root",
                     "arn:aws:iam::000000000000:root"]
    }
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::333333333333:root"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["z", "a", "m"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = ["x"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["q"]
    }
  }
  statement {
    effect        = "Deny"
    not_actions   = ["s3:*"]
    not_resources = ["*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
  statement {
    actions = ["s3:GetObject"]
    not_principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}
"""

EXPECTED_A = ('{"Version":"2012-10-17","Statement":[{"Sid":"One","Effect":"Allow","Action":["s3:PutObject",'
              '"s3:ListBucket","s3:GetObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::c","arn:aws:s3:::b/*",'
              '"arn:aws:s3:::a/*"],"Principal":{"AWS":["arn:aws:iam::333333333333:root","arn:aws:iam::222222222222:root",'
              '"arn:aws:iam::111111111111:root","arn:aws:iam::000000000000:root"],"Service":"s3.amazonaws.com"},'
              '"Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"aws:SourceAccount":["q","z","a",'
              '"m"],"aws:SourceArn":"x"}}},{"Effect":"Deny","NotAction":"s3:*","NotResource":"*","Principal":"*"},'
              '{"Effect":"Allow","Action":"s3:GetObject","NotPrincipal":{"AWS":"*"}}]}')

MERGED = """
data "aws_iam_policy_document" "b" {
  policy_id = "pid"
  source_policy_documents = [data.aws_iam_policy_document.a.json, jsonencode({Version = "2012-10-17", Statement = [
    {Sid = "Src", Effect = "Allow", Action = ["b:x", "a:y"], Resource = "*", Principal = {AWS = ["r2", "r1"]}}]})]
  override_policy_documents = [jsonencode({Statement = [{Sid = "One", Effect = "Deny", Action = "x:y", Resource = "*"},
    {Sid = "New", Effect = "Allow", Action = "n:n", Resource = "*"}]})]
  statement {
    sid       = "Src"
    actions   = ["c:c"]
    resources = ["*"]
  }
  statement {
    actions   = ["d:d"]
    resources = ["<&>"]
  }
}
"""

EXPECTED_B = """{
  "Version": "2012-10-17",
  "Id": "pid",
  "Statement": [
    {
      "Sid": "One",
      "Effect": "Deny",
      "Action": "x:y",
      "Resource": "*"
    },
    {
      "Effect": "Deny",
      "NotAction": "s3:*",
      "NotResource": "*",
      "Principal": "*"
    },
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "NotPrincipal": {
        "AWS": "*"
      }
    },
    {
      "Sid": "Src",
      "Effect": "Allow",
      "Action": "c:c",
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Action": "d:d",
      "Resource": "\\u003c\\u0026\\u003e"
    },
    {
      "Sid": "New",
      "Effect": "Allow",
      "Action": "n:n",
      "Resource": "*"
    }
  ]
}"""


def test_statement_blocks_render_like_the_provider(tmp_path: Path) -> None:
    # sets reverse-sorted, one value as a string, principal and condition blocks in set-hash order,
    # condition values in written order, the bare "*" principal
    attrs = instance(load(tmp_path, {"main.tf": DOC}), "data.aws_iam_policy_document.a").attrs
    assert attrs["minified_json"] == EXPECTED_A
    assert json.loads(attrs["json"]) == json.loads(EXPECTED_A)
    assert attrs["json"].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Sid": "One",')


def test_source_and_override_documents_merge_by_sid(tmp_path: Path) -> None:
    # sources first, then own statements (same Sid replaced in place), then overrides (replace or append)
    attrs = instance(load(tmp_path, {"main.tf": DOC + MERGED}), "data.aws_iam_policy_document.b").attrs
    assert attrs["json"] == EXPECTED_B


def test_source_documents_keep_list_order_but_reverse_sort_principals(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": """
data "aws_iam_policy_document" "s" {
  version = "2008-10-17"
  source_policy_documents = [jsonencode({Version = "2012-10-17", Id = "x", Statement = [{Sid = "A", Effect = "Allow",
    Action = ["b:x", "a:y", "c:z"], Resource = ["r1", "r3", "r2"],
    Principal = {AWS = ["p1", "p3", "p2"], Service = "svc"},
    Condition = {StringEquals = {"k" = ["v1", "v3", "v2"], "a" = "s"}, Bool = {"b" = "true"}}}]}),
    jsonencode({Statement = [{Effect = "Deny", NotAction = "x", NotResource = ["n2", "n1"], NotPrincipal = {AWS = "*"}},
      {Effect = "Allow", Action = "y", Principal = "*", Resource = "*"}, {Principal = {AWS = "*"}, Action = "a"},
      {Principal = {"*" = "*"}, Action = ["q"], Resource = ["z"]}]})]
}
"""})
    assert instance(config, "data.aws_iam_policy_document.s").attrs["minified_json"] == (
        '{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A","Effect":"Allow","Action":["b:x","a:y","c:z"],'
        '"Resource":["r1","r3","r2"],"Principal":{"AWS":["p3","p2","p1"],"Service":"svc"},"Condition":{"Bool":'
        '{"b":"true"},"StringEquals":{"a":"s","k":["v1","v3","v2"]}}},{"Effect":"Deny","NotAction":"x",'
        '"NotResource":["n2","n1"],"NotPrincipal":{"AWS":"*"}},{"Effect":"Allow","Action":"y","Resource":"*",'
        '"Principal":"*"},{"Action":"a","Principal":{"AWS":"*"}},{"Action":["q"],"Resource":["z"],"Principal":"*"}]}')


def test_empty_documents_and_statements(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'data "aws_iam_policy_document" "e" {}\n'
                                        'data "aws_iam_policy_document" "c" {\n  version = "2008-10-17"\n'
                                        '  statement {\n    actions = []\n  }\n}\n'})
    assert instance(config, "data.aws_iam_policy_document.e").attrs["json"] == '{\n  "Version": "2012-10-17"\n}'
    assert instance(config, "data.aws_iam_policy_document.c").attrs["minified_json"] == (
        '{"Version":"2008-10-17","Statement":[{"Effect":"Allow"}]}')


def test_duplicate_sids_across_source_documents_are_rejected(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": 'data "aws_iam_policy_document" "d" {\n  source_policy_documents = ['
                                        'jsonencode({Statement = [{Sid = "S", Action = "a:a"}]}), '
                                        'jsonencode({Statement = [{Sid = "S", Action = "b:b"}]})]\n}\n'})
    value = instance(config, "data.aws_iam_policy_document.d").attrs["json"]
    assert isinstance(value, Unknown) and "duplicate Sid" in value.reason


def test_unknown_parts_give_a_partial_document(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.tf": """
resource "aws_kms_key" "k" {}
data "aws_iam_policy_document" "p" {
  statement {
    sid       = "Open"
    actions   = ["s3:GetObject"]
    resources = [aws_kms_key.k.arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}
resource "aws_s3_bucket_policy" "bp" {
  policy = data.aws_iam_policy_document.p.json
}
"""})
    policy = instance(config, "aws_s3_bucket_policy.bp").attrs["policy"]
    assert isinstance(policy, Unknown) and policy.partial is not None
    statement = policy.partial["Statement"][0]
    assert statement["Principal"] == "*" and statement["Action"] == "s3:GetObject"
    assert statement["Resource"][0].symbol == "aws_kms_key.k.arn"
    assert instance(config, "aws_s3_bucket_policy.bp").refs["policy"] == ("data.aws_iam_policy_document.p",)
