"""The few provider-computed attributes that configuration alone decides.

* ``aws_s3_bucket`` ``id`` and ``bucket``: the ``bucket`` argument (when set and known);
* ``aws_s3_bucket`` ``arn``: ``arn:aws:s3:::<bucket>``, unless an AWS provider block in the
  configuration sets a region outside the ``aws`` partition (``us-gov-*``, ``cn-*``) or a
  region that cannot be known: then unknown;
* ``aws_s3_bucket`` ``tags_all``: its provider configuration's ``default_tags`` under its own
  ``tags`` (:mod:`scanner.iac.hcl.default_tags`); absent where no default tags apply;
* ``data.aws_iam_policy_document`` ``json`` and ``minified_json``: rendered as the provider
  does (:mod:`scanner.iac.hcl.iam`);
* ``data.aws_partition`` ``partition`` and ``id`` (``aws``), ``dns_suffix`` (``amazonaws.com``),
  ``reverse_dns_prefix`` (``com.amazonaws``): the provider computes them from its region, without
  calling AWS; under the same condition as the bucket ARN.

Everything else a provider computes is unknown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scanner.facts.values import Unknown
from scanner.iac.hcl.bindings import Evaluated
from scanner.iac.hcl.default_tags import tags_all
from scanner.iac.hcl.env import Deps

if TYPE_CHECKING:
    from scanner.iac.hcl.resources import ResourceInstance

DERIVED = {("managed", "aws_s3_bucket"): ("id", "bucket", "arn", "tags_all"),
           ("data", "aws_iam_policy_document"): ("json", "minified_json"),
           ("data", "aws_partition"): ("partition", "id", "dns_suffix", "reverse_dns_prefix")}
_AWS_PARTITION = {"partition": "aws", "id": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"}


def derived_names(instance: ResourceInstance) -> tuple[str, ...]:
    return DERIVED.get((instance.resource.mode, instance.resource.type), ())


def derived_attribute(instance: ResourceInstance, name: str) -> Evaluated | None:
    if name not in derived_names(instance):
        return None
    if instance.resource.type == "aws_s3_bucket":
        return tags_all(instance) if name == "tags_all" else _bucket(instance, name)
    if instance.resource.type == "aws_partition":
        return _partition(instance, name)
    return _policy_document(instance, name)


def _partition(instance: ResourceInstance, name: str) -> Evaluated:
    partition = instance.group.module.config.partition()
    if isinstance(partition, Unknown):
        return Evaluated(Unknown(f"{instance.address}.{name}: {partition.reason}", partition.origin,
                                 symbol=f"{instance.address}.{name}"), Deps())
    return Evaluated(_AWS_PARTITION[name], Deps())


def _bucket(instance: ResourceInstance, name: str) -> Evaluated | None:
    if "bucket" not in instance.resource.body.attributes:
        return None
    configured = instance.value("bucket")
    bucket = configured.value
    if bucket is None:
        return None
    if isinstance(bucket, Unknown):
        reason = f"{instance.address}.{name} follows its bucket argument, which is unknown: {bucket.reason}"
        symbol = f"{instance.address}.{name}"
        return Evaluated(Unknown(reason, bucket.origin, bucket.error, symbol=symbol), configured.deps)
    if name != "arn":
        return configured
    partition = instance.group.module.config.partition()
    if isinstance(partition, Unknown):
        return Evaluated(Unknown(f"{instance.address}.arn: {partition.reason}", partition.origin,
                                 symbol=f"{instance.address}.arn"), configured.deps)
    return Evaluated(f"arn:{partition}:s3:::{bucket}", configured.deps)


def _policy_document(instance: ResourceInstance, name: str) -> Evaluated:
    from scanner.iac.hcl.iam import render

    cached = instance.cached_extra(name)
    if cached is not None:
        return cached
    deps = Deps()
    attrs: dict[str, Any] = {}
    for arg in instance.names():
        evaluated = instance.value(arg)
        attrs[arg] = evaluated.value
        deps.merge(evaluated.deps)
    origin = instance.group.module.origin_in(instance.resource.file, instance.resource.line)
    rendered, minified = render(attrs, origin)
    instance.cache_extra("json", Evaluated(rendered, deps))
    instance.cache_extra("minified_json", Evaluated(minified, deps))
    result = instance.cached_extra(name)
    assert result is not None
    return result
