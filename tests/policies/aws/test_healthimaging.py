"""The HealthImaging normaliser (policies/terraform/aws/healthimaging*.py) semantic by semantic, through
the real evaluator (HCL) or hand-built plan instances, judged by the real rules."""

from __future__ import annotations

from scanner.facts.values import Unknown
from tests.policies.aws.helpers import facts, instance, judge_hcl, judge_instances, normalise, verdicts

CMK = "AWS-HEALTHIMAGING-CMK"
EXTERNAL = "AWS-HEALTHIMAGING-NOT-EXTERNAL"
EVENTS = "AWS-HEALTHIMAGING-DATA-EVENTS"
STORE = "awscc_healthimaging_datastore.pacs"
PUBLIC_TRUST = ('jsonencode({Statement = [{Effect = "Allow", Action = "sts:AssumeRole", '
                'Principal = {AWS = "*"}}]})')


def _one(text: str, rule: str) -> str:
    found = verdicts(judge_hcl(text), rule)
    assert STORE in found, found
    return found[STORE]


def _store(extra: str = "", *, key: str = "") -> str:
    return f'resource "awscc_healthimaging_datastore" "pacs" {{\n  datastore_name = "pacs"\n{key}}}\n{extra}'


def _public_role(policy: str, *, extra: str = "") -> str:
    return f"""
resource "aws_iam_role" "r" {{
  name               = "r"
  assume_role_policy = {PUBLIC_TRUST}
  {extra}
}}
resource "aws_iam_role_policy" "p" {{
  role   = aws_iam_role.r.id
  policy = jsonencode({{Statement = {policy}}})
}}
"""


# --- ENC-KEYS ---------------------------------------------------------------------------------------


def test_a_plan_decides_the_key_from_the_reference_to_a_key_of_the_configuration() -> None:
    key = instance("aws_kms_key.k", {"enable_key_rotation": True, "arn": Unknown("known after apply")},
                   input="terraform-plan")
    store = instance(STORE, {"datastore_name": "pacs", "kms_key_arn": Unknown("known after apply")},
                     refs={"kms_key_arn": ["aws_kms_key.k"]}, input="terraform-plan")
    assert verdicts(judge_instances(key, store), CMK) == {STORE: "pass"}
    found = facts(normalise(key, store), STORE)
    assert found["encryption"] == {"kms_key_arn": "aws_kms_key.k (known after apply)", "customer_managed_key": True}


def test_an_aws_managed_alias_arn_fails_and_a_lookup_of_a_customer_alias_is_unknown() -> None:
    aws = _store(key='  kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:alias/aws/s3"\n')
    assert _one(aws, CMK) == "fail"
    lookup = _store('data "aws_kms_alias" "a" {\n  name = "alias/pacs"\n}\n',
                    key="  kms_key_arn = data.aws_kms_alias.a.target_key_arn\n")
    assert _one(lookup, CMK) == "unknown"


# --- ACC-PUBLIC ---------------------------------------------------------------------------------------


def test_a_plan_that_read_the_callers_account_decides_a_literal_principal() -> None:
    def role(principal: str) -> list[object]:
        trust = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": principal}}]}
        grant = {"Statement": [{"Effect": "Allow", "Action": "medical-imaging:GetImageFrame", "Resource": "*"}]}
        return [instance("data.aws_caller_identity.me", {"account_id": "111122223333"}, input="terraform-plan"),
                instance("aws_iam_role.r", {"name": "r", "assume_role_policy": _json(trust),
                                            "inline_policy": [{"name": "i", "policy": _json(grant)}]},
                         input="terraform-plan"),
                instance(STORE, {"datastore_name": "pacs"}, input="terraform-plan")]

    assert verdicts(judge_instances(*role("arn:aws:iam::444455556666:root")), EXTERNAL) == {STORE: "fail"}
    assert verdicts(judge_instances(*role("arn:aws:iam::111122223333:role/radiology")), EXTERNAL) == {STORE: "pass"}
    assert verdicts(judge_instances(*role("111122223333")), EXTERNAL) == {STORE: "pass"}


def _json(value: object) -> str:
    import json

    return json.dumps(value)


def test_a_grant_on_another_data_store_of_the_configuration_is_not_one_on_this() -> None:
    other = 'resource "awscc_healthimaging_datastore" "other" {\n  datastore_name = "other"\n}\n'
    policy = ('[{Effect = "Allow", Action = "medical-imaging:*", Resource = '
              '["${awscc_healthimaging_datastore.other.datastore_arn}/imageset/*"]}]')
    found = verdicts(judge_hcl(_store(other + _public_role(policy))), EXTERNAL)
    assert found == {STORE: "pass", "awscc_healthimaging_datastore.other": "fail"}


def test_a_wildcard_resource_or_notaction_grants_on_every_data_store() -> None:
    assert _one(_store(_public_role('[{Effect = "Allow", Action = "*", Resource = "*"}]')), EXTERNAL) == "fail"
    not_iam = '[{Effect = "Allow", NotAction = ["iam:*"], Resource = "arn:aws:medical-imaging:*:*:datastore/*"}]'
    assert _one(_store(_public_role(not_iam)), EXTERNAL) == "fail"


def test_a_region_or_account_in_a_pattern_is_unknown_against_a_data_store_not_yet_created() -> None:
    policy = '[{Effect = "Allow", Action = "medical-imaging:*", Resource = "arn:aws:medical-imaging:us-east-1:*:*"}]'
    assert _one(_store(_public_role(policy)), EXTERNAL) == "unknown"


def test_notresource_grants_unless_it_leaves_out_the_data_store_and_every_image_set() -> None:
    everything = ('[{Effect = "Allow", Action = "medical-imaging:*", '
                  'NotResource = "arn:aws:medical-imaging:*:*:datastore/*"}]')
    assert _one(_store(_public_role(everything)), EXTERNAL) == "pass"
    store_only = ('[{Effect = "Allow", Action = "medical-imaging:*", '
                  'NotResource = awscc_healthimaging_datastore.pacs.datastore_arn}]')
    assert _one(_store(_public_role(store_only)), EXTERNAL) == "fail"


def test_only_a_deny_without_condition_takes_a_grant_back() -> None:
    grant = '{Effect = "Allow", Action = "medical-imaging:GetImageFrame", Resource = "*"}'
    deny = '{Effect = "Deny", Action = "medical-imaging:*", Resource = "*"}'
    mfa = ('{Effect = "Deny", Action = "medical-imaging:*", Resource = "*", '
           'Condition = {Bool = {"aws:MultiFactorAuthPresent" = "false"}}}')
    assert _one(_store(_public_role(f"[{grant}, {deny}]")), EXTERNAL) == "pass"
    assert _one(_store(_public_role(f"[{grant}, {mfa}]")), EXTERNAL) == "fail"


def test_a_blanket_deny_in_the_trust_policy_lets_nobody_in() -> None:
    trust = ('jsonencode({Statement = [{Effect = "Allow", Action = "sts:AssumeRole", Principal = {AWS = "*"}}, '
             '{Effect = "Deny", Action = "sts:AssumeRole", Principal = "*"}]})')
    text = _store(f"""
resource "aws_iam_role" "r" {{
  name               = "r"
  assume_role_policy = {trust}
  managed_policy_arns = ["arn:aws:iam::aws:policy/AWSHealthImagingFullAccess"]
}}
""")
    assert _one(text, EXTERNAL) == "pass"


def test_known_aws_managed_policies_decide_and_others_are_unknown() -> None:
    def attached(policy: str) -> str:
        return _store(f"""
resource "aws_iam_role" "r" {{
  name               = "r"
  assume_role_policy = {PUBLIC_TRUST}
}}
resource "aws_iam_role_policy_attachment" "a" {{
  role       = aws_iam_role.r.name
  policy_arn = "arn:aws:iam::aws:policy/{policy}"
}}
""")
    assert _one(attached("AWSHealthImagingReadOnlyAccess"), EXTERNAL) == "fail"
    assert _one(attached("AmazonS3ReadOnlyAccess"), EXTERNAL) == "pass"
    assert _one(attached("job-function/ViewOnlyAccess"), EXTERNAL) == "unknown"


def test_a_policy_attached_by_role_name_in_a_list_is_the_roles() -> None:
    text = _store(f"""
resource "aws_iam_role" "r" {{
  name               = "vendor"
  assume_role_policy = {PUBLIC_TRUST}
}}
resource "aws_iam_policy" "p" {{
  name   = "read"
  policy = jsonencode({{Statement = [{{Effect = "Allow", Action = "medical-imaging:GetImageSet", Resource = "*"}}]}})
}}
resource "aws_iam_policy_attachment" "a" {{
  name       = "a"
  roles      = ["vendor"]
  policy_arn = aws_iam_policy.p.arn
}}
""")
    assert _one(text, EXTERNAL) == "fail"


def test_a_role_policy_whose_role_cannot_be_told_is_unknown_even_beside_an_internal_role() -> None:
    text = _store("""
variable "role" {
  type = string
}
resource "aws_iam_role" "internal" {
  name = "internal"
  assume_role_policy = jsonencode({Statement = [{Effect = "Allow", Action = "sts:AssumeRole",
                                                 Principal = {Service = "lambda.amazonaws.com"}}]})
}
resource "aws_iam_role_policy" "p" {
  role   = var.role
  policy = jsonencode({Statement = [{Effect = "Allow", Action = "medical-imaging:*", Resource = "*"}]})
}
""")
    assert _one(text, EXTERNAL) == "unknown"


def test_awscc_roles_are_read_like_aws_ones() -> None:
    text = _store(f"""
resource "awscc_iam_role" "r" {{
  role_name                   = "vendor"
  assume_role_policy_document = {PUBLIC_TRUST}
  policies = [{{
    policy_name     = "read"
    policy_document = jsonencode({{Statement = [{{Effect = "Allow", Action = "medical-imaging:Search*",
                                                 Resource = awscc_healthimaging_datastore.pacs.datastore_arn}}]}})
  }}]
}}
""")
    assert _one(text, EXTERNAL) == "fail"


def test_a_cognito_identity_pool_open_to_unauthenticated_identities_is_public() -> None:
    trust = ('jsonencode({Statement = [{Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", '
             'Principal = {Federated = "cognito-identity.amazonaws.com"}, Condition = {'
             'StringEquals = {"cognito-identity.amazonaws.com:aud" = "us-east-1:1234"}, '
             '"ForAnyValue:StringLike" = {"cognito-identity.amazonaws.com:amr" = "unauthenticated"}}}]})')
    text = _store(f"""
resource "aws_iam_role" "r" {{
  name               = "guests"
  assume_role_policy = {trust}
  managed_policy_arns = ["arn:aws:iam::aws:policy/AWSHealthImagingReadOnlyAccess"]
}}
""")
    assert _one(text, EXTERNAL) == "fail"
    assert _one(text.replace("unauthenticated", "authenticated"), EXTERNAL) == "pass"


def test_a_role_that_may_not_exist_makes_its_grant_unknown() -> None:
    text = _store(f"""
variable "vendor" {{
  type = bool
}}
resource "aws_iam_role" "r" {{
  count              = var.vendor ? 1 : 0
  name               = "vendor"
  assume_role_policy = {PUBLIC_TRUST}
  managed_policy_arns = ["arn:aws:iam::aws:policy/AWSHealthImagingFullAccess"]
}}
""")
    assert _one(text, EXTERNAL) == "unknown"


# --- AUD-ACCESS ---------------------------------------------------------------------------------------


def _trail(*, multi: str = "true", extra: str = "", fields: str = "") -> str:
    return f"""
resource "aws_cloudtrail" "t" {{
  name                  = "t"
  s3_bucket_name        = "logs"
  is_multi_region_trail = {multi}
  {extra}
  advanced_event_selector {{
    name = "healthimaging"
    field_selector {{
      field  = "eventCategory"
      equals = ["Data"]
    }}
    field_selector {{
      field  = "resources.type"
      equals = ["AWS::MedicalImaging::Datastore"]
    }}
    {fields}
  }}
}}
"""


def test_every_data_store_of_a_multi_region_trail_selector_without_arn_filter() -> None:
    assert _one(_store(_trail()), EVENTS) == "pass"


def test_a_single_region_trail_cannot_be_placed_in_the_data_stores_region() -> None:
    assert _one(_store(_trail(multi="false")), EVENTS) == "unknown"


def test_classic_event_selectors_cannot_record_healthimaging() -> None:
    classic = """
resource "aws_cloudtrail" "t" {
  name                  = "t"
  s3_bucket_name        = "logs"
  is_multi_region_trail = true
  event_selector {
    read_write_type = "All"
    data_resource {
      type   = "AWS::S3::Object"
      values = ["arn:aws:s3"]
    }
  }
}
"""
    assert _one(_store(classic), EVENTS) == "fail"


def test_an_event_source_of_healthimaging_does_not_narrow_but_an_event_name_does() -> None:
    source = 'field_selector {\n  field  = "eventSource"\n  equals = ["medical-imaging.amazonaws.com"]\n}'
    assert _one(_store(_trail(fields=source)), EVENTS) == "pass"
    name = 'field_selector {\n  field      = "eventName"\n  not_equals = ["GetDatastore"]\n}'
    assert _one(_store(_trail(fields=name)), EVENTS) == "fail"


def test_an_event_data_store_recording_its_own_region_only_is_unknown() -> None:
    lake = """
resource "aws_cloudtrail_event_data_store" "e" {
  name                 = "e"
  multi_region_enabled = false
  advanced_event_selector {
    field_selector {
      field  = "eventCategory"
      equals = ["Data"]
    }
    field_selector {
      field  = "resources.type"
      equals = ["AWS::MedicalImaging::Datastore"]
    }
  }
}
"""
    assert _one(_store(lake), EVENTS) == "unknown"


def test_tags_as_a_list_of_key_value_objects_are_the_map_they_say() -> None:
    store = instance(STORE, {"datastore_name": "pacs", "tags": [{"key": "data", "value": "phi"}]})
    assert facts(normalise(store), STORE)["tags"] == {"data": "phi"}
