"""TLS-ENDPOINT against a real moto server: ELBv2 listeners (policies resolved through
DescribeSSLPolicies) and CloudFront viewer settings, pass and fail by name; a denied
DescribeSSLPolicies is an error for exactly the HTTPS/TLS listeners."""

from __future__ import annotations

from typing import Any

from scanner.collectors.aws.endpoints import collect_distributions, collect_listeners, lowest_version
from tests.aws.conftest import client
from tests.aws.test_network import Fault, _empty_aws_config, aws_session, inject, run, verdicts

__all__ = ["_empty_aws_config"]  # the autouse fixture, shared

TLS12 = "ELBSecurityPolicy-TLS13-1-2-2021-06"


def _certificate() -> str:
    return str(client("acm").request_certificate(DomainName="pacs.example.org")["CertificateArn"])


def _balancer(name: str, kind: str) -> str:
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.50.{i}.0/24", AvailabilityZone=f"us-east-1{z}")
               ["Subnet"]["SubnetId"] for i, z in enumerate("ab")]
    elbv2 = client("elbv2")
    return str(elbv2.create_load_balancer(Name=name, Subnets=subnets, Type=kind, Scheme="internet-facing")
               ["LoadBalancers"][0]["LoadBalancerArn"])


def _target_group(vpc_of: str) -> str:
    elbv2 = client("elbv2")
    vpc = elbv2.describe_load_balancers(LoadBalancerArns=[vpc_of])["LoadBalancers"][0]["VpcId"]
    return str(elbv2.create_target_group(Name="pacs-web", Protocol="HTTP", Port=8042, VpcId=vpc)
               ["TargetGroups"][0]["TargetGroupArn"])


def seed_listeners() -> None:
    cert = [{"CertificateArn": _certificate()}]
    elbv2 = client("elbv2")
    alb = _balancer("pacs-alb", "application")
    forward = [{"Type": "forward", "TargetGroupArn": _target_group(alb)}]
    redirect = [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443",
                                                        "StatusCode": "HTTP_301"}}]
    elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTPS", Port=443, SslPolicy=TLS12, Certificates=cert,
                          DefaultActions=forward)
    elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTPS", Port=8443, SslPolicy="ELBSecurityPolicy-2016-08",
                          Certificates=cert, DefaultActions=forward)
    elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=redirect)
    elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=8080, DefaultActions=forward)
    nlb = _balancer("pacs-nlb", "network")
    elbv2.create_listener(LoadBalancerArn=nlb, Protocol="TLS", Port=2762,
                          SslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06", Certificates=cert, DefaultActions=forward)
    elbv2.create_listener(LoadBalancerArn=nlb, Protocol="TLS", Port=11112,
                          SslPolicy="ELBSecurityPolicy-TLS-1-1-2017-01", Certificates=cert, DefaultActions=forward)
    elbv2.create_listener(LoadBalancerArn=nlb, Protocol="TCP", Port=104, DefaultActions=forward)


# pass-*/fail-* by listener "<balancer>:<port>"
LISTENERS = {
    "pacs-alb:443": "pass",  # HTTPS, TLS 1.2 + 1.3 policy
    "pacs-alb:8443": "fail",  # HTTPS, ELBSecurityPolicy-2016-08 accepts TLSv1
    "pacs-alb:80": "pass",  # HTTP that redirects to HTTPS
    "pacs-alb:8080": "fail",  # HTTP that forwards plain text
    "pacs-nlb:2762": "pass",  # TLS, TLS 1.3 only
    "pacs-nlb:11112": "fail",  # TLS, accepts TLSv1.1
    "pacs-nlb:104": "not_applicable",  # TCP pass-through: TLS use is not visible, the rule does not apply
}


def test_listeners_tls(aws: str) -> None:
    seed_listeners()
    inventory, findings = run(aws_session(), collect_listeners)
    assert verdicts(findings, "AWS-ELBV2-LISTENER-TLS") == LISTENERS
    by_name = {r.name: r for r in inventory.resources}
    assert by_name["pacs-alb:443"].facts["tls_versions"] == ["TLSv1.2", "TLSv1.3"]
    assert by_name["pacs-alb:443"].facts["min_tls_version"] == "1.2"
    assert by_name["pacs-alb:8443"].facts["min_tls_version"] == "1.0"
    assert by_name["pacs-alb:80"].facts["default_actions"][0]["redirect"]["protocol"] == "HTTPS"
    assert inventory.calls["elasticloadbalancing:DescribeSSLPolicies"] == 1  # once per region


def test_denied_ssl_policies_are_errors_for_tls_listeners_only(aws: str) -> None:
    seed_listeners()
    session = aws_session()
    inject(session, "elbv2", "us-east-1", "DescribeSSLPolicies", Fault("AccessDenied", protocol="query"))
    _, findings = run(session, collect_listeners)
    expected = {name: ("error" if name not in ("pacs-alb:80", "pacs-alb:8080") and status != "not_applicable"
                       else status) for name, status in LISTENERS.items()}
    assert verdicts(findings, "AWS-ELBV2-LISTENER-TLS") == expected


def test_denied_load_balancers_is_a_listing_error(aws: str) -> None:
    seed_listeners()
    session = aws_session()
    inject(session, "elbv2", "us-east-1", "DescribeLoadBalancers", Fault("AccessDenied", protocol="query"))
    _, findings = run(session, collect_listeners)
    assert verdicts(findings, "AWS-ELBV2-LISTENER-TLS") == {
        "aws:123456789012:us-east-1:aws.elbv2.listener": "error"}


def test_lowest_version_refuses_what_it_does_not_know() -> None:
    assert lowest_version(["TLSv1.3", "TLSv1.2"]) == "1.2"
    assert lowest_version(["TLSv1", "TLSv1.2"]) == "1.0"
    assert lowest_version(["SSLv3", "TLSv1.2"]) is None
    assert lowest_version([]) is None


# --- CloudFront ------------------------------------------------------------------------------------

def _distribution(label: str, certificate: dict[str, Any], ordered: list[dict[str, Any]] | None = None) -> str:
    behavior = {"TargetOriginId": "pacs", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0}}
    config: dict[str, Any] = {
        "CallerReference": label, "Comment": label, "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "pacs", "DomainName": "pacs.example.org",
                                              "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                     "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": behavior, "ViewerCertificate": certificate,
    }
    if ordered:
        config["CacheBehaviors"] = {"Quantity": len(ordered), "Items": [
            {**behavior, "PathPattern": o["path"], "ViewerProtocolPolicy": o["policy"]} for o in ordered]}
    return str(client("cloudfront").create_distribution(DistributionConfig=config)["Distribution"]["Id"])


def test_cloudfront_tls(aws: str) -> None:
    acm = {"ACMCertificateArn": _certificate(), "SSLSupportMethod": "sni-only", "CloudFrontDefaultCertificate": False}
    ids = {
        _distribution("pass-cf-tls12", {**acm, "MinimumProtocolVersion": "TLSv1.2_2021"}): "pass-cf-tls12",
        _distribution("fail-cf-default-certificate", {"CloudFrontDefaultCertificate": True}):
            "fail-cf-default-certificate",
        _distribution("fail-cf-tls1-2016", {**acm, "MinimumProtocolVersion": "TLSv1_2016"}): "fail-cf-tls1-2016",
        _distribution("fail-cf-allow-all", {**acm, "MinimumProtocolVersion": "TLSv1.2_2021"},
                      [{"path": "/wado/*", "policy": "allow-all"}]): "fail-cf-allow-all",
    }
    inventory, findings = run(aws_session(), collect_distributions)
    found = {ids[name]: status for name, status in verdicts(findings, "AWS-CLOUDFRONT-TLS").items()}
    assert found == {"pass-cf-tls12": "pass", "fail-cf-default-certificate": "fail", "fail-cf-tls1-2016": "fail",
                     "fail-cf-allow-all": "fail"}
    facts = {ids[r.name]: r.facts for r in inventory.resources}
    assert facts["fail-cf-tls1-2016"]["min_tls_version"] == "1.0"  # not (1, 2016)
    assert facts["fail-cf-allow-all"]["cache_behaviors"][1] == {"path_pattern": "/wado/*",
                                                                "viewer_protocol_policy": "allow-all"}


def test_cloudfront_denied_is_a_listing_error(aws: str) -> None:
    session = aws_session()
    inject(session, "cloudfront", "us-east-1", "ListDistributions", Fault("AccessDenied", protocol="query"))
    _, findings = run(session, collect_distributions)
    assert verdicts(findings, "AWS-CLOUDFRONT-TLS") == {"aws:123456789012:global:aws.cloudfront.distribution": "error"}
