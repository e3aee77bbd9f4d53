"""TLS on endpoints that serve images: load-balancer listeners and CloudFront, against ``min_tls_version``.

* PACS_AWS_LB_TLS on ``aws_lb_listener``/``aws_alb_listener``: an HTTPS/TLS listener's
  ``ssl_policy`` must not accept a TLS version below ``min_tls_version`` (policy names map to their
  lowest version: ``ELBSecurityPolicy-TLS13-1-2-2021-06`` -> 1.2, ``ELBSecurityPolicy-2016-08`` ->
  1.0; an unset ``ssl_policy`` is the provider default ``ELBSecurityPolicy-2016-08``; an unknown name
  is UNKNOWN). An HTTP listener (or one with no protocol: the ALB default is HTTP) passes only when
  its default action redirects to HTTPS. TCP/UDP listeners pass traffic through, so whether TLS is
  used end to end is not visible: UNKNOWN.
* PACS_AWS_CLOUDFRONT_TLS on ``aws_cloudfront_distribution``: the viewer certificate's
  ``minimum_protocol_version`` (``TLSv1.2_2021`` -> 1.2) is at least ``min_tls_version``; the default
  ``*.cloudfront.net`` certificate (or an unset minimum) allows TLSv1 and fails; no cache behaviour may
  use ``viewer_protocol_policy = "allow-all"`` (plain HTTP).
"""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies import parameters
from policies.terraform.aws_common import blocks, is_unresolved
from policies.terraform.common import Observation, as_bool, combine, first

DEFAULT_ELB_POLICY = "ELBSecurityPolicy-2016-08"
LEGACY_ELB_POLICIES = {
    "ELBSecurityPolicy-2016-08": (1, 0),
    "ELBSecurityPolicy-2015-05": (1, 0),
    "ELBSecurityPolicy-FS-2018-06": (1, 0),
}
_ELB_VERSIONED = re.compile(r"^ELBSecurityPolicy-(?:TLS13|TLS|FS)-1-([0-3])(?:-|$)")
_CLOUDFRONT_VERSION = re.compile(r"^TLSv1(?:\.([0-3]))?(?:_\d{4})?$")


def parse_version(text: str) -> tuple[int, int]:
    """``"1.2"`` -> ``(1, 2)``."""
    major, minor = text.strip().split(".")
    return int(major), int(minor)


def elb_policy_min_version(policy: str) -> tuple[int, int] | None:
    """Lowest TLS version an ELB security policy accepts, or None for an unknown policy name."""
    if policy in LEGACY_ELB_POLICIES:
        return LEGACY_ELB_POLICIES[policy]
    match = _ELB_VERSIONED.match(policy)
    return (1, int(match.group(1))) if match else None


def cloudfront_min_version(value: str) -> tuple[int, int] | None:
    """Lowest TLS version of a CloudFront ``minimum_protocol_version`` (SSLv3 -> (0, 3))."""
    if value == "SSLv3":
        return (0, 3)
    match = _CLOUDFRONT_VERSION.match(value)
    if not match:
        return None
    return (1, int(match.group(1) or 0))


def version_observation(label: str, value: Any, lowest: tuple[int, int] | None) -> Observation:
    """Compare a policy's lowest TLS version with ``min_tls_version``."""
    wanted = str(parameters.get("min_tls_version"))
    if lowest is None:
        return Observation(f"{label}={value}: unknown policy, min_tls_version={wanted}", CheckResult.UNKNOWN)
    shown = f"{label}={value} allows TLS{lowest[0]}.{lowest[1]}"
    if lowest < parse_version(wanted):
        return Observation(f"{shown} < min_tls_version={wanted}", CheckResult.FAILED)
    return Observation(f"{shown} >= min_tls_version={wanted}", CheckResult.PASSED)


def redirects_to_https(conf: dict[str, Any]) -> bool:
    """True when every default action of a listener is a redirect to HTTPS."""
    actions = blocks(conf, "default_action")
    if not actions:
        return False
    for action in actions:
        redirect = blocks(action, "redirect")
        if first(action, "type") != "redirect" or not redirect or first(redirect[0], "protocol") != "HTTPS":
            return False
    return True


def listener_observation(conf: dict[str, Any]) -> Observation:
    protocol = first(conf, "protocol")
    if protocol is None or (isinstance(protocol, str) and protocol.upper() == "HTTP"):
        shown = f"protocol={protocol or 'unset (HTTP)'}"
        if redirects_to_https(conf):
            return Observation(f"{shown}, default_action redirects to HTTPS", CheckResult.PASSED)
        return Observation(f"{shown} serves plain HTTP (no redirect to HTTPS)", CheckResult.FAILED)
    if not isinstance(protocol, str) or is_unresolved(protocol):
        return Observation(f"protocol={protocol} not resolvable", CheckResult.UNKNOWN)
    if protocol.upper() in ("HTTPS", "TLS"):
        policy = first(conf, "ssl_policy")
        if policy is None:
            lowest = elb_policy_min_version(DEFAULT_ELB_POLICY)
            return version_observation(
                f"protocol={protocol} ssl_policy=unset (default)", DEFAULT_ELB_POLICY, lowest
            )
        if not isinstance(policy, str) or is_unresolved(policy):
            return Observation(f"ssl_policy={policy} not resolvable", CheckResult.UNKNOWN)
        return version_observation(f"protocol={protocol} ssl_policy", policy, elb_policy_min_version(policy))
    return Observation(f"protocol={protocol}: pass-through, TLS use not visible", CheckResult.UNKNOWN)


class LoadBalancerTlsCheck(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Load balancer listeners use HTTPS/TLS with a policy no older than min_tls_version",
            id="PACS_AWS_LB_TLS",
            categories=(CheckCategories.ENCRYPTION,),
            supported_resources=("aws_lb_listener", "aws_alb_listener"),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["protocol", "ssl_policy", "default_action"]
        observation = listener_observation(conf)
        self.details = [observation.text]
        return observation.result


def cloudfront_observations(conf: dict[str, Any]) -> list[Observation]:
    out: list[Observation] = []
    certificates = blocks(conf, "viewer_certificate")
    cert = certificates[0] if certificates else {}
    if as_bool(first(cert, "cloudfront_default_certificate")) is True or not certificates:
        out.append(
            Observation(
                "viewer_certificate uses the default *.cloudfront.net certificate (allows TLSv1)",
                CheckResult.FAILED,
            )
        )
    else:
        value = first(cert, "minimum_protocol_version")
        if value is None:
            out.append(
                Observation("viewer_certificate.minimum_protocol_version unset (TLSv1)", CheckResult.FAILED)
            )
        elif not isinstance(value, str) or is_unresolved(value):
            out.append(Observation(f"minimum_protocol_version={value} not resolvable", CheckResult.UNKNOWN))
        else:
            out.append(
                version_observation(
                    "viewer_certificate.minimum_protocol_version", value, cloudfront_min_version(value)
                )
            )
    for key in ("default_cache_behavior", "ordered_cache_behavior"):
        for i, behavior in enumerate(blocks(conf, key)):
            policy = first(behavior, "viewer_protocol_policy")
            verdict = CheckResult.FAILED if policy == "allow-all" else CheckResult.PASSED
            if is_unresolved(policy):
                verdict = CheckResult.UNKNOWN
            out.append(Observation(f"{key}[{i}].viewer_protocol_policy={policy}", verdict))
    return out


class CloudFrontTlsCheck(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="CloudFront viewers use HTTPS with a minimum protocol no older than min_tls_version",
            id="PACS_AWS_CLOUDFRONT_TLS",
            categories=(CheckCategories.ENCRYPTION,),
            supported_resources=("aws_cloudfront_distribution",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        self.evaluated_keys = ["viewer_certificate", "default_cache_behavior", "ordered_cache_behavior"]
        observations = cloudfront_observations(conf)
        self.details = [o.text for o in observations]
        return combine(observations, CheckResult.FAILED)


load_balancer_tls_check = LoadBalancerTlsCheck()
cloudfront_tls_check = CloudFrontTlsCheck()
