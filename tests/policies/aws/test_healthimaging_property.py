"""Property for the HealthImaging normaliser (policies/terraform/aws/healthimaging*.py): take a
configuration every HealthImaging rule passes, replace one argument that decides a rule with a form
the evaluator cannot know (an unset typed variable, a data source, a function of a variable, an
attribute known only after apply, an iterator over an unknown collection), and that rule no longer
passes: its finding is ``unknown`` (or ``fail``). Real evaluator, normalisers and rules.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.policies.aws.helpers import UNRESOLVED_FORMS, UNRESOLVED_HEADER, judge_hcl

TEMPLATE = """
data "aws_caller_identity" "me" {{}}
resource "aws_kms_key" "k" {{
  enable_key_rotation = true
}}
resource "awscc_healthimaging_datastore" "target" {{
  datastore_name = "pacs"
  kms_key_arn    = {key}
}}
# this account's people: every action on the data store
resource "aws_iam_role" "staff" {{
  name = "staff"
  assume_role_policy = jsonencode({{Statement = [{{Effect = "Allow", Action = "sts:AssumeRole",
                                                  Principal = {{AWS = {principal}}}}}]}})
  inline_policy {{
    name   = "all"
    policy = jsonencode({{Statement = [{{Effect = "Allow", Action = "medical-imaging:*",
                                        Resource = awscc_healthimaging_datastore.target.datastore_arn}}]}})
  }}
}}
# everyone: other services only, and HealthImaging on other resources only
resource "aws_iam_role" "public" {{
  name = "public"
  assume_role_policy = jsonencode({{Statement = [{{Effect = "Allow", Action = "sts:AssumeRole",
                                                  Principal = {{AWS = "*"}}}}]}})
  inline_policy {{
    name   = "other services"
    policy = jsonencode({{Statement = [{{Effect = "Allow", Action = {actions}, Resource = "*"}}]}})
  }}
  inline_policy {{
    name   = "other resources"
    policy = jsonencode({{Statement = [{{Effect = "Allow", Action = "medical-imaging:*", Resource = {resources}}}]}})
  }}
}}
resource "aws_cloudtrail" "t" {{
  name                  = "t"
  s3_bucket_name        = "logs"
  is_multi_region_trail = {multi}
  enable_logging        = {logging}
  advanced_event_selector {{
    name = "healthimaging"
    field_selector {{
      field  = "eventCategory"
      equals = ["Data"]
    }}
    field_selector {{
      field  = "resources.type"
      equals = {types}
    }}
    field_selector {{
      field  = "resources.ARN"
      equals = {selected}
    }}
  }}
}}
"""

#: placeholder -> (the forms that cannot be known, the expression every rule passes with, the rule it decides)
ARGUMENTS = {
    "key": (UNRESOLVED_FORMS["string"], "aws_kms_key.k.arn", "AWS-HEALTHIMAGING-CMK"),
    "principal": (UNRESOLVED_FORMS["string"], '"arn:aws:iam::${data.aws_caller_identity.me.account_id}:root"',
                  "AWS-HEALTHIMAGING-NOT-EXTERNAL"),
    "actions": (UNRESOLVED_FORMS["list"], '["s3:GetObject"]', "AWS-HEALTHIMAGING-NOT-EXTERNAL"),
    # an ARN of another resource of the configuration is decidably not the data store's: the forms
    # here name values nobody can know
    "resources": ((*(f for f in UNRESOLVED_FORMS["list"] if not f.endswith(".arn]")), "[aws_ssm_parameter.other.id]"),
                  '["arn:aws:s3:::brightsmile-exports/*"]', "AWS-HEALTHIMAGING-NOT-EXTERNAL"),
    "multi": (UNRESOLVED_FORMS["bool"], "true", "AWS-HEALTHIMAGING-DATA-EVENTS"),
    "logging": (UNRESOLVED_FORMS["bool"], "true", "AWS-HEALTHIMAGING-DATA-EVENTS"),
    "types": (UNRESOLVED_FORMS["list"], '["AWS::MedicalImaging::Datastore"]', "AWS-HEALTHIMAGING-DATA-EVENTS"),
    "selected": (UNRESOLVED_FORMS["list"], "[awscc_healthimaging_datastore.target.datastore_arn]",
                 "AWS-HEALTHIMAGING-DATA-EVENTS"),
}
RULES = sorted({rule for _forms, _default, rule in ARGUMENTS.values()})


def _render(swap: str | None = None, form: str | None = None) -> str:
    values = {name: (form if name == swap else default) for name, (_forms, default, _rule) in ARGUMENTS.items()}
    return UNRESOLVED_HEADER + TEMPLATE.format(**values)


def _status(text: str, rule: str) -> set[str]:
    return {f.status.value for f in judge_hcl(text) if f.check_id == rule}


def test_the_known_configuration_passes_every_healthimaging_rule() -> None:
    found = judge_hcl(_render())
    for rule in [*RULES, "AWS-HEALTHIMAGING-ENCRYPTION-AT-REST"]:
        assert {f.status.value for f in found if f.check_id == rule} == {"pass"}, rule


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_an_unresolvable_deciding_argument_never_passes(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(ARGUMENTS)), label="argument")
    forms, _default, rule = ARGUMENTS[name]
    form = data.draw(st.sampled_from(forms), label="form")
    statuses = _status(_render(name, form), rule)
    assert statuses and "pass" not in statuses, f"{rule} still passes with {name} = {form}: {statuses}"
