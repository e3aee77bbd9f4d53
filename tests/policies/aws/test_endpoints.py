"""Load balancer listeners and CloudFront from Terraform, judged by AWS-ELBV2-LISTENER-TLS and
AWS-CLOUDFRONT-TLS (TLS-ENDPOINT): the retired PACS_AWS_LB_TLS / PACS_AWS_CLOUDFRONT_TLS semantics and
the issue cases."""

from __future__ import annotations

import re

import pytest

from policies.terraform.aws.elb_policies import DEFAULT_POLICY, TLS_VERSIONS
from tests.policies.aws.helpers import hcl, judge_hcl, verdicts

LISTENER, CLOUDFRONT = "AWS-ELBV2-LISTENER-TLS", "AWS-CLOUDFRONT-TLS"
_LB = '"arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/pacs/1"'
_FORWARD = 'default_action {\n    type = "forward"\n    target_group_arn = "arn:aws:elasticloadbalancing:tg"\n  }'
_REDIRECT = 'default_action {\n    type = "redirect"\n    redirect {\n      protocol = "HTTPS"\n      port = "443"\n' \
            '      status_code = "HTTP_301"\n    }\n  }'


def _listener(name: str, *blocks: str, kind: str = "aws_lb_listener", **arguments: object) -> str:
    return hcl(kind, name, *(blocks or (_FORWARD,)), **{"load_balancer_arn": _LB, "port": 443, **arguments})


def _listeners(text: str, **parameters: object) -> dict[str, str]:
    return {a.split(".", 1)[1]: s for a, s in verdicts(judge_hcl(text, **parameters), LISTENER).items()}


def test_listener_policies_against_min_tls_version() -> None:
    text = (_listener("pass_tls13", protocol='"HTTPS"', ssl_policy='"ELBSecurityPolicy-TLS13-1-2-2021-06"')
            + _listener("pass_alb", kind="aws_alb_listener", protocol='"HTTPS"',
                        ssl_policy='"ELBSecurityPolicy-TLS-1-2-2017-01"')
            + _listener("pass_redirect", _REDIRECT, protocol='"HTTP"')
            + _listener("fail_2016", protocol='"HTTPS"', ssl_policy='"ELBSecurityPolicy-2016-08"')
            + _listener("fail_default_policy", protocol='"TLS"')
            + _listener("fail_http_forward", protocol='"HTTP"')
            + _listener("fail_no_protocol_is_http"))
    assert _listeners(text) == {"pass_tls13": "pass", "pass_alb": "pass", "pass_redirect": "pass", "fail_2016": "fail",
                                "fail_default_policy": "fail", "fail_http_forward": "fail",
                                "fail_no_protocol_is_http": "fail"}
    assert _listeners(text, min_tls_version="1.3")["pass_tls13"] == "fail"  # TLS13-1-2 still accepts 1.2


def test_a_redirect_that_keeps_the_protocol_is_not_to_https() -> None:
    same = _REDIRECT.replace('      protocol = "HTTPS"\n', "")
    assert _listeners(_listener("fail_same_protocol", same, protocol='"HTTP"')) == {"fail_same_protocol": "fail"}


def test_an_unknown_policy_name_is_unknown_never_pass() -> None:
    text = ('variable "policy" { type = string }\n'
            + _listener("unknown_name", protocol='"HTTPS"', ssl_policy='"ELBSecurityPolicy-TLS13-1-2-Bogus-2030"')
            + _listener("unknown_variable", protocol='"HTTPS"', ssl_policy="var.policy")
            + _listener("unknown_protocol", protocol="var.policy", ssl_policy='"ELBSecurityPolicy-TLS13-1-3-2021-06"'))
    assert _listeners(text) == {"unknown_name": "unknown", "unknown_variable": "unknown", "unknown_protocol": "unknown"}


def test_pass_through_listeners_are_not_applicable() -> None:
    assert _listeners(_listener("tcp", protocol='"TCP"', port=104)) == {"tcp": "not_applicable"}


def test_a_network_load_balancer_listener_without_protocol_is_unknown() -> None:
    text = (hcl("aws_lb", "nlb", load_balancer_type='"network"', name='"dicom"')
            + hcl("aws_lb_listener", "unknown_nlb", _FORWARD, load_balancer_arn="aws_lb.nlb.arn", port=2762)
            + hcl("aws_lb", "alb", name='"web"')
            + hcl("aws_lb_listener", "fail_alb_default_http", _FORWARD, load_balancer_arn="aws_lb.alb.arn", port=80))
    found = judge_hcl(text)
    assert {a.split(".", 1)[1]: s for a, s in verdicts(found, LISTENER).items()} == {
        "unknown_nlb": "unknown", "fail_alb_default_http": "fail"}
    evidence = next(f.evidence for f in found if f.resource.address == "aws_lb_listener.fail_alb_default_http")
    assert evidence["observed"]["load_balancer_name"] == "web"


def test_the_policy_table_states_each_policy_lowest_version_in_its_name() -> None:
    assert DEFAULT_POLICY in TLS_VERSIONS
    for name, versions in TLS_VERSIONS.items():
        match = re.search(r"-(?:TLS13|TLS|FS)-1-([0-3])-", name)
        lowest = f"1.{match.group(1)}" if match else "1.0"
        assert versions[0] == lowest, name
        assert list(versions) == sorted(versions), name
        assert ("1.3" in versions) == ("TLS13" in name), name


# --- CloudFront ------------------------------------------------------------------------------------

def _distribution(name: str, certificate: str, *behaviors: str, policy: str = '"redirect-to-https"') -> str:
    default = (f'default_cache_behavior {{\n    target_origin_id = "pacs"\n    viewer_protocol_policy = {policy}\n'
               f'    allowed_methods = ["GET", "HEAD"]\n    cached_methods = ["GET", "HEAD"]\n  }}')
    return hcl("aws_cloudfront_distribution", name, f"viewer_certificate {{\n{certificate}\n  }}", default,
               *behaviors, enabled=True)


_ACM = ('    acm_certificate_arn = "arn:aws:acm:us-east-1:111122223333:certificate/abc"\n'
        '    ssl_support_method = "sni-only"')


def _cloudfront(text: str, **parameters: object) -> dict[str, str]:
    return {a.split(".", 1)[1]: s for a, s in verdicts(judge_hcl(text, **parameters), CLOUDFRONT).items()}


def test_cloudfront_minimum_protocol_and_viewer_policies() -> None:
    ordered = ('ordered_cache_behavior {\n    path_pattern = "/studies/*"\n    target_origin_id = "pacs"\n'
               '    viewer_protocol_policy = "allow-all"\n    allowed_methods = ["GET", "HEAD"]\n'
               '    cached_methods = ["GET", "HEAD"]\n  }')
    text = (_distribution("pass_tls12", _ACM + '\n    minimum_protocol_version = "TLSv1.2_2021"')
            + _distribution("fail_tls1_2016", _ACM + '\n    minimum_protocol_version = "TLSv1_2016"')
            + _distribution("fail_unset_minimum", _ACM)
            + _distribution("fail_default_certificate", "    cloudfront_default_certificate = true")
            + _distribution("fail_sslv3", _ACM + '\n    minimum_protocol_version = "SSLv3"')
            + _distribution("fail_ordered_allow_all", _ACM + '\n    minimum_protocol_version = "TLSv1.2_2021"', ordered)
            + _distribution("unknown_minimum", _ACM + '\n    minimum_protocol_version = "TLSv9_2099"'))
    assert _cloudfront(text) == {"pass_tls12": "pass", "fail_tls1_2016": "fail", "fail_unset_minimum": "fail",
                                 "fail_default_certificate": "fail", "fail_sslv3": "fail",
                                 "fail_ordered_allow_all": "fail", "unknown_minimum": "unknown"}


def test_an_unknown_default_certificate_flag_is_unknown_never_false() -> None:
    text = ('variable "use_default" { type = bool }\nvariable "policy" { type = string }\n'
            + _distribution("unknown_flag", "    cloudfront_default_certificate = var.use_default\n" + _ACM
                            + '\n    minimum_protocol_version = "TLSv1.2_2021"')
            + _distribution("fail_flag_either_way", "    cloudfront_default_certificate = var.use_default\n" + _ACM
                            + '\n    minimum_protocol_version = "TLSv1"')
            + _distribution("unknown_viewer_policy", _ACM + '\n    minimum_protocol_version = "TLSv1.2_2021"',
                            policy="var.policy"))
    assert _cloudfront(text) == {"unknown_flag": "unknown", "fail_flag_either_way": "fail",
                                 "unknown_viewer_policy": "unknown"}


def test_a_certificate_known_only_after_apply_is_still_a_certificate_of_ones_own() -> None:
    text = (hcl("aws_acm_certificate", "pacs", domain_name='"pacs.example.org"', validation_method='"DNS"')
            + _distribution("pass_acm_reference", "    acm_certificate_arn = aws_acm_certificate.pacs.arn\n"
                            '    ssl_support_method = "sni-only"\n    minimum_protocol_version = "TLSv1.2_2021"'))
    assert _cloudfront(text) == {"pass_acm_reference": "pass"}


@pytest.mark.parametrize(("minimum", "status"), [("TLSv1.2_2021", "fail"), ("TLSv1.3_2025", "pass")])
def test_min_tls_version_parameter_flows_to_cloudfront(minimum: str, status: str) -> None:
    text = _distribution("d", _ACM + f'\n    minimum_protocol_version = "{minimum}"')
    assert _cloudfront(text, min_tls_version="1.3") == {"d": status}
