"""``aws.elbv2.listener`` and ``aws.cloudfront.distribution`` from Terraform.

Listeners (``aws_lb_listener``, ``aws_alb_listener``): ``protocol`` as written (absent: ``HTTP``,
the default of an Application Load Balancer; ``GENEVE`` on a Gateway Load Balancer; unknown on a
Network Load Balancer, which requires one). An HTTPS/TLS listener without ``ssl_policy`` uses
``ELBSecurityPolicy-2016-08`` (the provider's and the API's default); the policy's accepted
versions come from the table of predefined policies (:mod:`.elb_policies`): a name not in it is
unknown, never assumed. ``default_actions``: each action's ``type`` and, for a redirect, its
``protocol`` (absent: ``#{protocol}``, the listener's own), ``port`` and ``status_code``. The load
balancer's name, type and scheme come from the ``aws_lb``/``aws_alb`` the listener names.

Distributions (``aws_cloudfront_distribution``): ``default_certificate`` when
``cloudfront_default_certificate`` is true or no ACM/IAM certificate is named (an unknown flag is
unknown: both answers remain); viewers may then use TLSv1, whatever ``minimum_protocol_version``
says. With a certificate of one's own the minimum protocol is as written (absent: ``TLSv1``);
``TLSv1.2_2021`` -> ``1.2``, ``SSLv3`` -> none (fails ``version-ge``), a value pacscan does not
recognise -> unknown. ``cache_behaviors``: the default behaviour (``path_pattern`` ``*``) and the
ordered ones, each with its ``viewer_protocol_policy``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policies.terraform.attrs import arg, block, blocks, resource
from policies.terraform.aws.common import known_str, lift, listed, located, spread
from policies.terraform.aws.elb_policies import DEFAULT_POLICY, TLS_VERSIONS
from policies.terraform.index import Index
from scanner.facts.resource import Resource
from scanner.facts.values import Unknown
from scanner.iac.tfmodel import TfInstance

LISTENER = "aws.elbv2.listener"
DISTRIBUTION = "aws.cloudfront.distribution"
_LISTENER_TYPES = ("aws_lb_listener", "aws_alb_listener")
_LB_TYPES = ("aws_lb", "aws_alb")
_TERMINATES_TLS = ("HTTPS", "TLS")
_CLOUDFRONT_VERSION = re.compile(r"TLSv1(?:\.([0-3]))?(?:_\d{4})?")


def listeners(index: Index) -> list[Resource]:
    return [_listener(index, li) for li in index.of_type(*_LISTENER_TYPES)]


def _listener(index: Index, listener: TfInstance) -> Resource:
    attrs = listener.attrs
    balancers = index.referenced(listener, "load_balancer_arn", *_LB_TYPES)
    balancer = balancers[0] if len(balancers) == 1 else None
    lb_type = arg(balancer.attrs, "load_balancer_type", "application") if balancer else None
    protocol = lift(_protocol_of(lb_type), attrs.get("protocol"))
    given = attrs.get("ssl_policy")
    policy = lift(lambda proto: (DEFAULT_POLICY if given is None else given) if proto in _TERMINATES_TLS else None,
                  protocol)
    versions = lift(_versions, policy)
    facts = {
        "load_balancer_arn": known_str(attrs.get("load_balancer_arn")),
        "load_balancer_name": arg(balancer.attrs, "name") if balancer else None,
        "load_balancer_type": lb_type,
        "scheme": lift(lambda internal: "internal" if internal else "internet-facing",
                       arg(balancer.attrs, "internal", False)) if balancer else None,
        "port": attrs.get("port"),
        "protocol": protocol,
        "ssl_policy": policy,
        "tls_versions": versions,
        "min_tls_version": lift(_lowest, versions),
        "default_actions": [_action(a) for a in blocks(attrs, "default_action")],
    }
    origins = {key: located(listener) for key in facts}
    return resource(LISTENER, listener, facts, tags=attrs.get("tags"), configured_by=balancers[:1],
                    origins=origins, traced={"protocol": ("protocol",), "ssl_policy": ("protocol", "ssl_policy"),
                                             "tls_versions": ("ssl_policy",), "min_tls_version": ("ssl_policy",),
                                             "default_actions": ("default_action",)})


def _protocol_of(lb_type: Any) -> Any:
    def protocol(given: Any) -> Any:
        if given is not None:
            return str(given).strip().upper()
        if lb_type == "gateway":
            return "GENEVE"
        if lb_type == "network":
            return Unknown("a Network Load Balancer listener without a protocol (the API requires one)")
        return "HTTP"

    return protocol


def _versions(policy: Any) -> Any:
    if policy is None:
        return None
    found = TLS_VERSIONS.get(str(policy))
    if found is None:
        return Unknown(f"{policy} is not a predefined ELB security policy pacscan knows: the TLS versions it "
                       f"accepts are not known")
    return sorted("TLSv1" if v == "1.0" else f"TLSv{v}" for v in found)


def _lowest(versions: Any) -> Any:
    """``["TLSv1", "TLSv1.1", "TLSv1.2"]`` -> ``"1.0"``."""
    if versions is None:
        return None
    numbers = [(*(int(d) for d in re.findall(r"\d+", v)), 0) for v in versions]
    low = min(numbers)
    return f"{low[0]}.{low[1]}"


def _action(action: Any) -> Any:
    if isinstance(action, Unknown):
        return action if action.spread or action.candidates else spread(action)
    if not isinstance(action, Mapping):
        return Unknown(f"a default_action that is not a block: {action!r}")
    redirect = block(action, "redirect")
    if isinstance(redirect, Mapping):
        redirect = {"protocol": arg(redirect, "protocol", "#{protocol}"), "port": arg(redirect, "port", "#{port}"),
                    "status_code": redirect.get("status_code")}
    kind = action.get("type")
    return {"type": kind.strip().lower() if isinstance(kind, str) else kind, "redirect": redirect}


# --- CloudFront ------------------------------------------------------------------------------------

def distributions(index: Index) -> list[Resource]:
    return [_distribution(d) for d in index.of_type("aws_cloudfront_distribution")]


def _distribution(dist: TfInstance) -> Resource:
    attrs = dist.attrs
    certificate = block(attrs, "viewer_certificate")
    if isinstance(certificate, Unknown):
        default: Any = Unknown(f"viewer_certificate: {certificate.reason}", certificate.origin, certificate.error,
                               (True, False))
        minimum: Any = certificate
    else:
        cert = certificate or {}
        acm, iam = cert.get("acm_certificate_arn"), cert.get("iam_certificate_id")
        default = lift(lambda flag: _uses_default(flag, acm, iam), cert.get("cloudfront_default_certificate"))
        if isinstance(default, Unknown) and not default.candidates:
            default = Unknown(default.reason, default.origin, default.error, (True, False))
        minimum = arg(cert, "minimum_protocol_version", "TLSv1")
    facts = {
        "distribution_id": known_str(attrs.get("id")),
        "domain_name": known_str(attrs.get("domain_name")),
        "aliases": listed(attrs.get("aliases")),
        "enabled": attrs.get("enabled"),
        "default_certificate": default,
        "minimum_protocol_version": lift(lambda d, m: "TLSv1" if d else m, default, minimum),
        "min_tls_version": lift(lambda d, m: "1.0" if d else _cloudfront_version(m), default, minimum),
        "cache_behaviors": _behaviors(attrs),
    }
    origins = {key: located(dist) for key in facts}
    return resource(DISTRIBUTION, dist, facts, tags=attrs.get("tags"), origins=origins,
                    traced={"default_certificate": ("viewer_certificate",),
                            "minimum_protocol_version": ("viewer_certificate",),
                            "min_tls_version": ("viewer_certificate",),
                            "cache_behaviors": ("default_cache_behavior", "ordered_cache_behavior")})


def _uses_default(flag: Any, acm: Any, iam: Any) -> bool:
    """The default ``*.cloudfront.net`` certificate: asked for, or no certificate of one's own named
    (a certificate argument whose value is not known is named: it is not null)."""
    return flag is True or str(flag).lower() == "true" or (acm in (None, "") and iam in (None, ""))


def _cloudfront_version(minimum: Any) -> Any:
    if minimum == "SSLv3":
        return None
    match = _CLOUDFRONT_VERSION.fullmatch(str(minimum).strip())
    if match is None:
        return Unknown(f"minimum_protocol_version {minimum!r} is not one pacscan knows")
    return f"1.{match.group(1) or 0}"


def _behaviors(attrs: Mapping[str, Any]) -> list[Any]:
    out: list[Any] = []
    for key in ("default_cache_behavior", "ordered_cache_behavior"):
        for behavior in blocks(attrs, key):
            if isinstance(behavior, Unknown):
                out.append(behavior if behavior.spread or behavior.candidates else spread(behavior))
            elif isinstance(behavior, Mapping):
                pattern = "*" if key == "default_cache_behavior" else behavior.get("path_pattern")
                out.append({"path_pattern": pattern, "viewer_protocol_policy": behavior.get("viewer_protocol_policy")})
    return out
