"""Which API call produces each fact of each AWS resource kind: the table the read plan is applied with.

One entry per top-level fact (or a key below one, where a key costs a call of its own), as the
session counts the call (``service:Operation``). ``per`` says how often the call is made: once per
resource (the calls a read plan can spare), once per listing page (facts every resource gets from
the listing that found it: free once the kind is listed), or once per account / region.
``after`` orders reads whose answer an earlier fact may make certain (``storage.py``'s
implications); ``feeds`` names a fact of another kind built from this one.

``tests/test_read_tables.py`` checks that every fact an AWS rule reads has an entry here, that
every entry names a fact its kind's schema declares, and that every operation here is allowed by
``policies/iam/pacscan-aws-readonly.json``.
"""

from __future__ import annotations

from collections.abc import Mapping

from scanner.collectors.planned import Read


def _listing(operation: str, *paths: str) -> dict[str, Read]:
    return {path: Read(operation, per="listing") for path in paths}


_TRAILS = (("aws.cloudtrail.account", "trails"),)

READS: Mapping[str, Mapping[str, Read]] = {
    "aws.s3.bucket": {
        "location": Read("s3:ListBuckets", per="listing", also=("s3:GetBucketLocation",)),  # or, without BucketRegion
        "encryption": Read("s3:GetBucketEncryption"),
        "encryption.customer_managed_key": Read("kms:DescribeKey", per="key", after=("encryption",)),
        "public_access_block": Read("s3:GetPublicAccessBlock"),
        "account_public_access_block": Read("s3:GetPublicAccessBlock", per="account"),  # s3control
        "policy": Read("s3:GetBucketPolicy"),
        "policy_status": Read("s3:GetBucketPolicyStatus", after=("policy",)),
        "ownership": Read("s3:GetBucketOwnershipControls"),
        "acl": Read("s3:GetBucketAcl", after=("ownership",)),
        "versioning": Read("s3:GetBucketVersioning"),
        "object_lock": Read("s3:GetObjectLockConfiguration", after=("versioning",)),
        "logging": Read("s3:GetBucketLogging"),
        "replication": Read("s3:GetBucketReplication"),
        "lifecycle": Read("s3:GetBucketLifecycleConfiguration"),
        "tags": Read("s3:GetBucketTagging"),
    },
    "aws.kms.key": {
        **{path: Read("kms:DescribeKey", also=("kms:ListKeys",))
           for path in ("key_manager", "state", "key_spec", "key_usage", "origin", "multi_region")},
        "rotation": Read("kms:GetKeyRotationStatus", after=("key_spec", "origin", "state")),
        "tags": Read("kms:ListResourceTags"),
    },
    "aws.backup.vault": {
        **_listing("backup:ListBackupVaults", "vault_lock", "recovery_points"),
        "encryption": Read("kms:DescribeKey", per="key"),  # the key ARN is listed; its manager is described
        "tags": Read("backup:ListTags"),
    },
    "aws.backup.plan": {
        "rules": Read("backup:GetBackupPlan", also=("backup:ListBackupPlans",)),
        "selections": Read("backup:ListBackupSelections", also=("backup:GetBackupSelection",)),
        "covered_resources": Read("backup:ListBackupSelections", after=("selections",)),
        "tags": Read("backup:ListTags"),
    },
    "aws.rds.instance": _listing("rds:DescribeDBInstances", "engine", "storage_encrypted", "kms_key_id",
                                 "backup_retention_days", "publicly_accessible", "cluster_id",
                                 "deletion_protection", "tags"),
    "aws.rds.cluster": _listing("rds:DescribeDBClusters", "engine", "storage_encrypted", "kms_key_id",
                                "backup_retention_days", "publicly_accessible", "deletion_protection", "tags"),
    "aws.ec2.ebs_encryption": {"enabled": Read("ec2:GetEbsEncryptionByDefault", per="region")},
    "aws.ec2.volume": _listing("ec2:DescribeVolumes", "encrypted", "kms_key_id", "state", "attached_to", "tags"),
    "aws.ec2.security_group": {
        **_listing("ec2:DescribeSecurityGroups", "group_id", "group_name", "vpc_id", "is_default"),
        "ingress": Read("ec2:DescribeSecurityGroups", per="listing", also=("ec2:GetManagedPrefixListEntries",)),
    },
    "aws.ec2.network_acl": _listing("ec2:DescribeNetworkAcls", "network_acl_id", "vpc_id", "is_default", "subnets",
                                    "ingress"),
    "aws.ec2.vpc": {
        **_listing("ec2:DescribeVpcs", "vpc_id", "cidr_block", "is_default"),
        "flow_logs": Read("ec2:DescribeFlowLogs", per="region"),
    },
    "aws.elbv2.listener": {
        **_listing("elasticloadbalancing:DescribeLoadBalancers", "load_balancer_arn", "load_balancer_name",
                   "load_balancer_type", "scheme"),
        **_listing("elasticloadbalancing:DescribeListeners", "port", "protocol", "ssl_policy", "default_actions"),
        "tls_versions": Read("elasticloadbalancing:DescribeSSLPolicies", per="region"),
        "min_tls_version": Read("elasticloadbalancing:DescribeSSLPolicies", per="region"),
    },
    "aws.cloudfront.distribution": _listing(
        "cloudfront:ListDistributions2020_05_31", "distribution_id", "domain_name", "aliases", "enabled",
        "default_certificate", "minimum_protocol_version", "min_tls_version", "cache_behaviors"),
    "aws.cloudtrail.trail": {
        **_listing("cloudtrail:DescribeTrails", "name", "home_region", "multi_region", "organization_trail",
                   "log_file_validation", "kms_key_id", "s3_bucket"),
        "is_logging": Read("cloudtrail:GetTrailStatus", feeds=_TRAILS),
        "latest_delivery_error": Read("cloudtrail:GetTrailStatus"),
        "s3_data_events": Read("cloudtrail:GetEventSelectors", feeds=_TRAILS),
        "management_events": Read("cloudtrail:GetEventSelectors"),
    },
    # built from the trails' facts above (their listing, status and event selectors)
    "aws.cloudtrail.account": {"trails": Read("cloudtrail:DescribeTrails", per="account")},
    "aws.iam.account": {path: Read("iam:GetAccountSummary", per="account")
                        for path in ("root_mfa_enabled", "root_access_keys_present")},
    "aws.iam.user": {
        "user_name": Read("iam:ListUsers", per="listing"),
        "console_access": Read("iam:GetLoginProfile"),
        "mfa_devices": Read("iam:ListMFADevices"),
    },
    # the collector reads every fact of each data store it lists (a handful of calls per store)
    "aws.healthimaging.datastore": {
        **{path: Read("medical-imaging:GetDatastore", also=("medical-imaging:ListDatastores",))
           for path in ("datastore_name", "status", "encryption")},
        "encryption.customer_managed_key": Read("kms:DescribeKey", per="key", after=("encryption",)),
        "external_access": Read("iam:GetAccountAuthorizationDetails", per="account"),
        "audit": Read("cloudtrail:DescribeTrails", per="account", also=(
            "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "cloudtrail:ListEventDataStores",
            "cloudtrail:GetEventDataStore")),
        "tags": Read("medical-imaging:ListTagsForResource"),
    },
    "aws.iam.policy": _listing("iam:GetAccountAuthorizationDetails", "attached_to", "policy_name", "principal",
                               "statements", "role_assumable_without_mfa"),
}
