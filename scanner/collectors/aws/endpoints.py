"""TLS endpoints that may serve images: ELBv2 listeners and CloudFront distributions.

A listener's security policy is resolved to the protocol versions it accepts with
DescribeSSLPolicies (one call per region for the policies in use), not guessed from its name.
TLS versions are normalized to ``"1.0"``..``"1.3"``; ``min_tls_version`` is ``None`` when the policy
accepts SSLv3 or a protocol this collector does not recognize (so ``version-ge`` fails, never passes).

``aws.elbv2.listener`` (id: the listener ARN)

===================  ===========================================================  =========================
key                  meaning                                                      source
===================  ===========================================================  =========================
load_balancer_arn    the load balancer                                            DescribeLoadBalancers
load_balancer_name   its name                                                     DescribeLoadBalancers
load_balancer_type   ``application`` / ``network`` / ``gateway``                  DescribeLoadBalancers
scheme               ``internet-facing`` / ``internal``                           DescribeLoadBalancers
port                 listener port                                                DescribeListeners
protocol             ``HTTP``, ``HTTPS``, ``TLS``, ``TCP``, ``UDP``, ...          DescribeListeners
ssl_policy           security policy name (``None`` for plain listeners)          DescribeListeners
tls_versions         protocols the policy accepts, e.g. ``["TLSv1.2","TLSv1.3"]``  DescribeSSLPolicies
                     (``None`` without a policy, or on a non-HTTPS/TLS listener)
min_tls_version      lowest accepted TLS version, ``"1.2"`` (see above)          DescribeSSLPolicies
default_actions      ``type`` and, for redirects, ``redirect`` = ``{protocol,      DescribeListeners
                     port, status_code}`` (else ``None``)
===================  ===========================================================  =========================

``aws.cloudfront.distribution`` (id: the distribution ARN; region ``None``: global)

=========================  =====================================================  =================
key                        meaning                                                source
=========================  =====================================================  =================
distribution_id            ``E...``                                               ListDistributions
domain_name                ``*.cloudfront.net`` name                              ListDistributions
aliases                    alternate domain names                                 ListDistributions
enabled                    distribution enabled                                   ListDistributions
default_certificate        uses the ``*.cloudfront.net`` certificate              ListDistributions
minimum_protocol_version   ViewerCertificate.MinimumProtocolVersion as returned   ListDistributions
min_tls_version            lowest TLS version viewers may use: ``"1.0"`` for the  ListDistributions
                           default certificate (it accepts TLSv1), ``"1.2"`` for
                           ``TLSv1.2_2021``; ``None`` for SSLv3 or unrecognized
cache_behaviors            default + ordered behaviors: ``path_pattern``          ListDistributions
                           (``*`` for the default), ``viewer_protocol_policy``
=========================  =====================================================  =================
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from scanner.collectors.aws.errors import reason
from scanner.collectors.aws.network import Collected, paginate
from scanner.collectors.aws.session import AwsSession
from scanner.facts.resource import CollectionFailure, Resource

LISTENER = "aws.elbv2.listener"
DISTRIBUTION = "aws.cloudfront.distribution"
_ELB_PROTOCOL = re.compile(r"^TLSv1(?:\.([0-3]))?$")
_CLOUDFRONT_PROTOCOL = re.compile(r"^TLSv1(?:\.([0-3]))?(?:_\d{4})?$")


def tls_version(protocol: str, pattern: re.Pattern[str] = _ELB_PROTOCOL) -> str | None:
    """``"TLSv1"`` -> ``"1.0"``, ``"TLSv1.2"`` -> ``"1.2"``; anything else (SSLv3) -> None."""
    match = pattern.match(protocol.strip())
    return f"1.{match.group(1) or 0}" if match else None


def lowest_version(protocols: Sequence[str]) -> str | None:
    versions = [tls_version(p) for p in protocols]
    if not versions or any(v is None for v in versions):
        return None
    return min((v for v in versions if v is not None), key=lambda v: tuple(int(x) for x in v.split(".")))


# --- ELBv2 -----------------------------------------------------------------------------------------

def _action(raw: Mapping[str, Any]) -> dict[str, Any]:
    redirect = raw.get("RedirectConfig")
    return {
        "type": str(raw.get("Type", "")).lower(),
        "redirect": None if not redirect else {
            "protocol": redirect.get("Protocol"), "port": redirect.get("Port"),
            "status_code": redirect.get("StatusCode"),
        },
    }


def _listener(raw: Mapping[str, Any], balancer: Mapping[str, Any], region: str, account: str,
              policies: Mapping[str, list[str]], policy_error: str | None) -> Resource:
    policy = raw.get("SslPolicy")
    facts: dict[str, Any] = {
        "load_balancer_arn": balancer.get("LoadBalancerArn"), "load_balancer_name": balancer.get("LoadBalancerName"),
        "load_balancer_type": balancer.get("Type"), "scheme": balancer.get("Scheme"), "port": raw.get("Port"),
        "protocol": raw.get("Protocol"), "ssl_policy": policy,
        "default_actions": [_action(a) for a in raw.get("DefaultActions", [])],
    }
    errors: dict[str, str] = {}
    if policy is None or not _terminates_tls(raw):
        facts["tls_versions"] = facts["min_tls_version"] = None
    elif policy in policies:
        facts["tls_versions"] = sorted(policies[policy])
        facts["min_tls_version"] = lowest_version(policies[policy])
    else:
        why = policy_error or f"security policy {policy} not returned by DescribeSSLPolicies"
        errors["tls_versions"] = errors["min_tls_version"] = why
    arn = str(raw["ListenerArn"])
    name = f"{balancer.get('LoadBalancerName')}:{raw.get('Port')}"
    return Resource(provider="aws", type=LISTENER, id=arn, name=name, account=account, region=region,
                         facts=facts, errors=errors)


def _terminates_tls(listener: Mapping[str, Any]) -> bool:
    """Only HTTPS/TLS listeners negotiate TLS; a policy reported on another listener is not in force."""
    return str(listener.get("Protocol", "")).upper() in ("HTTPS", "TLS")


def _ssl_policies(client: Any, names: set[str]) -> tuple[dict[str, list[str]], str | None]:
    from botocore.exceptions import BotoCoreError, ClientError

    if not names:
        return {}, None
    try:
        found = client.describe_ssl_policies(Names=sorted(names)).get("SslPolicies", [])
    except (BotoCoreError, ClientError) as err:
        return {}, reason(err)
    return {str(p["Name"]): [str(v) for v in p.get("SslProtocols", [])] for p in found}, None


def _region_listeners(session: AwsSession, region: str, pool: Executor) -> list[Resource]:
    """Runs in the caller's thread: fans listeners of each balancer out on ``pool``."""
    client = session.client("elbv2", region)
    balancers = paginate(client, "describe_load_balancers", "LoadBalancers")
    futures = [(b, pool.submit(paginate, client, "describe_listeners", "Listeners",
                               LoadBalancerArn=b["LoadBalancerArn"])) for b in balancers]
    pairs = [(b, listener) for b, future in futures for listener in future.result()]
    in_force = {str(li["SslPolicy"]) for _, li in pairs if li.get("SslPolicy") and _terminates_tls(li)}
    policies, error = _ssl_policies(client, in_force)
    return [_listener(li, b, region, session.account, policies, error) for b, li in pairs]


def collect_listeners(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    """ELBv2 listeners in every region. Regions are walked here and listeners fetched on ``pool``
    (never nested submits that wait on the same pool)."""
    from botocore.exceptions import BotoCoreError, ClientError

    resources: list[Resource] = []
    failures: list[CollectionFailure] = []
    for region in regions:
        try:
            resources += _region_listeners(session, region, pool)
        except (BotoCoreError, ClientError) as err:
            failures.append(CollectionFailure("aws", LISTENER, session.account, region, reason(err)))
    return resources, failures


# --- CloudFront ------------------------------------------------------------------------------------

def _behaviors(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    default = summary.get("DefaultCacheBehavior") or {}
    out = [{"path_pattern": "*", "viewer_protocol_policy": default.get("ViewerProtocolPolicy")}]
    for behavior in (summary.get("CacheBehaviors") or {}).get("Items", []) or []:
        out.append({"path_pattern": behavior.get("PathPattern"),
                    "viewer_protocol_policy": behavior.get("ViewerProtocolPolicy")})
    return out


def _distribution(summary: Mapping[str, Any], account: str) -> Resource:
    certificate = summary.get("ViewerCertificate") or {}
    default_cert = bool(certificate.get("CloudFrontDefaultCertificate")) or not (
        certificate.get("ACMCertificateArn") or certificate.get("IAMCertificateId"))
    minimum = certificate.get("MinimumProtocolVersion")
    lowest = "1.0" if default_cert else (tls_version(str(minimum), _CLOUDFRONT_PROTOCOL) if minimum else "1.0")
    dist_id = str(summary["Id"])
    return Resource(
        provider="aws", type=DISTRIBUTION, id=str(summary.get("ARN") or f"arn:aws:cloudfront::{account}:"
                                                                         f"distribution/{dist_id}"),
        name=dist_id, account=account, region=None,
        facts={
            "distribution_id": dist_id, "domain_name": summary.get("DomainName"),
            "aliases": list((summary.get("Aliases") or {}).get("Items", []) or []),
            "enabled": summary.get("Enabled"), "default_certificate": default_cert,
            "minimum_protocol_version": minimum, "min_tls_version": lowest,
            "cache_behaviors": _behaviors(summary),
        },
    )


def collect_distributions(session: AwsSession, regions: Sequence[str], pool: Executor) -> Collected:
    """CloudFront is global: one listing through us-east-1 whatever ``regions`` says."""
    from botocore.exceptions import BotoCoreError, ClientError

    del regions, pool  # one paginated call; nothing to fan out
    client = session.client("cloudfront", "us-east-1")
    try:
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("list_distributions").paginate():
            items.extend((page.get("DistributionList") or {}).get("Items", []) or [])
    except (BotoCoreError, ClientError) as err:
        return [], [CollectionFailure("aws", DISTRIBUTION, session.account, None, reason(err))]
    return [_distribution(s, session.account) for s in items], []
