"""Terraform (aws) -> facts: the normalisers for this provider's resource kinds (rules/facts/aws.yaml,
rules/facts/aws-storage.yaml)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from policies.terraform.aws.backup import plans, vaults
from policies.terraform.aws.databases import ebs, rds
from policies.terraform.aws.endpoints import distributions, listeners
from policies.terraform.aws.healthimaging import datastores
from policies.terraform.aws.iam import iam_policies
from policies.terraform.aws.kms import normalise_keys
from policies.terraform.aws.network_acls import network_acls
from policies.terraform.aws.s3_bucket import normalise_buckets
from policies.terraform.aws.security_groups import security_groups
from policies.terraform.aws.trails import trails
from policies.terraform.aws.vpcs import vpcs
from policies.terraform.index import Index
from scanner.facts.resource import Resource

#: every kind but S3 buckets and KMS keys
INFRA: tuple[Callable[[Index], Iterable[Resource]], ...] = (
    security_groups, network_acls, vpcs, listeners, distributions, trails, rds, ebs, vaults, plans, iam_policies,
)

NORMALISERS: tuple[Callable[[Index], Iterable[Resource]], ...] = (normalise_buckets, normalise_keys, *INFRA,
                                                                 datastores)
