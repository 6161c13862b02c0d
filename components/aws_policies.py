"""IAM, KMS key and bucket policy documents as pure functions of names and ARNs.

Kept apart from the resources so tests, the policy pack and moto can check the exact JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from declarations.naming import TENANT_BUCKET_PREFIX

KEY_ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion", "kms:Create*", "kms:Delete*", "kms:Describe*", "kms:Disable*",
    "kms:Enable*", "kms:Get*", "kms:List*", "kms:Put*", "kms:Revoke*", "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:Update*",
]
KEY_USE_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
BUCKET_OBJECT_ACTIONS = [
    "s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion",
    "s3:ListMultipartUploadParts", "s3:PutObject",
]


def dumps(doc: dict) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


TENANT_BUCKETS_ARN = f"arn:aws:s3:::{TENANT_BUCKET_PREFIX}*"
"""Every tenant backup bucket (declarations/naming.py backup_bucket); platform buckets share the prefix but never
hold an engine's `<engine>/` keys, and their key admits no operator role."""


@dataclass(frozen=True)
class OperatorKeyGrant:
    """An engine operator's platform role and the key actions it needs on a tenant key (through S3 only)."""

    sid: str
    role_arn: str
    actions: tuple[str, ...]


def key_policy(account_id: str, region: str, tenant_role_arn: str,
               operator_grants: Sequence[OperatorKeyGrant] = ()) -> dict:
    """Account administrators manage the key but cannot use it; only the tenant role uses it,
    and only through S3 in this region; engine operators that read the tenant's backups themselves
    (declarations/engine_catalog.py OperatorBackupAccess) use it for exactly their actions, through S3."""
    via_s3 = {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com", "kms:CallerAccount": account_id}}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": KEY_ADMIN_ACTIONS,
                "Resource": "*",
            },
            {
                "Sid": "TenantRoleUsesKeyViaS3",
                "Effect": "Allow",
                "Principal": {"AWS": tenant_role_arn},
                "Action": KEY_USE_ACTIONS,
                "Resource": "*",
                "Condition": via_s3,
            },
            *({"Sid": grant.sid, "Effect": "Allow", "Principal": {"AWS": grant.role_arn},
               "Action": list(grant.actions), "Resource": "*", "Condition": via_s3} for grant in operator_grants),
        ],
    }


def operator_backup_policy(account_id: str, prefix: str, object_actions: Sequence[str],
                           bucket_actions: Sequence[str] = ()) -> dict:
    """An engine operator's platform role: `object_actions` on keys under `<prefix>/` of this account's tenant
    buckets, listing only under that prefix, and `bucket_actions` (reads of bucket facts) on the buckets; nothing else
    (no bucket configuration, no other engine's keys)."""
    in_account = {"s3:ResourceAccount": account_id}
    locate = [{"Sid": "ReadTenantBucketFacts", "Effect": "Allow", "Action": list(bucket_actions),
               "Resource": TENANT_BUCKETS_ARN, "Condition": {"StringEquals": in_account}}] if bucket_actions else []
    return {
        "Version": "2012-10-17",
        "Statement": [
            *locate,
            {"Sid": "ListEngineBackupPrefix", "Effect": "Allow", "Action": "s3:ListBucket",
             "Resource": TENANT_BUCKETS_ARN,
             "Condition": {"StringLike": {"s3:prefix": f"{prefix}/*"}, "StringEquals": in_account}},
            {"Sid": "EngineBackupObjects", "Effect": "Allow", "Action": list(object_actions),
             "Resource": f"{TENANT_BUCKETS_ARN}/{prefix}/*", "Condition": {"StringEquals": in_account}},
        ],
    }


AUTOSCALING_SERVICE = "autoscaling.amazonaws.com"


def autoscaling_service_role_arn(account_id: str) -> str:
    """The EC2 Auto Scaling service-linked role, at the path and name IAM gives it
    (`aws-service-role/<service>/AWSServiceRoleForAutoScaling`)."""
    return f"arn:aws:iam::{account_id}:role/aws-service-role/{AUTOSCALING_SERVICE}/AWSServiceRoleForAutoScaling"


def platform_key_policy(account_id: str, autoscaling_node_volumes: bool) -> dict:
    """Platform keys (cluster secrets, volumes, platform buckets) are administered by the
    account and used by the platform's own roles, which IAM policies in the account grant.

    `autoscaling_node_volumes` (create mode: EKS node groups) adds EC2 Auto Scaling's service-linked
    role. KMS refuses a key policy naming a principal that does not exist (MalformedPolicyDocumentException),
    so the role is named only where the stack creates it first (components/storage/platform.py): an
    adopted cluster launches no node through Auto Scaling and never needs it."""
    root = f"arn:aws:iam::{account_id}:root"
    statements: list[dict] = [
        {"Sid": "AccountAdministersKey", "Effect": "Allow", "Principal": {"AWS": root},
         "Action": KEY_ADMIN_ACTIONS, "Resource": "*"},
        {"Sid": "AccountRolesUseKeyThroughIam", "Effect": "Allow", "Principal": {"AWS": root},
         "Action": KEY_USE_ACTIONS, "Resource": "*",
         "Condition": {"StringEquals": {"kms:CallerAccount": account_id}}},
    ]
    if autoscaling_node_volumes:
        autoscaling = autoscaling_service_role_arn(account_id)
        # EKS managed node groups launch through EC2 Auto Scaling, whose service-linked role
        # creates the nodes' encrypted root volumes. Its own IAM policy grants no KMS access, so
        # only the key policy can: without these two statements the node groups never launch
        # (EC2 Auto Scaling user guide, "Required AWS KMS key policy for use with encrypted volumes").
        statements += [
            {"Sid": "AutoScalingUsesKeyForNodeVolumes", "Effect": "Allow", "Principal": {"AWS": autoscaling},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
             "Resource": "*"},
            {"Sid": "AutoScalingGrantsForNodeVolumes", "Effect": "Allow", "Principal": {"AWS": autoscaling},
             "Action": "kms:CreateGrant", "Resource": "*",
             "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}}},
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def bucket_policy(bucket_arn: str, key_arn: str) -> dict:
    """TLS only, and no object may be written under any key but the tenant's own.

    The two encryption denials apply only when the writer sends an SSE header (`Null: false`): a write without
    one gets the bucket's default encryption, the tenant's key, and must pass. `StringNotEqualsIfExists` alone is
    true when the key is absent (IAM: "If the key is not present, evaluate the condition element as true"), which
    denied every writer that relies on the default (Dragonfly, YB-Controller, the Aerospike backup service:
    `dbaas datapaths`). A header `aws:kms` without the key id still fails: S3 would use the aws/s3 key then."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOtherEncryptionKeys",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/*",
                "Condition": {"Null": {"s3:x-amz-server-side-encryption": "false"},
                              "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": key_arn}},
            },
            {
                "Sid": "DenyUnencryptedOrNonKmsWrites",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/*",
                "Condition": {"Null": {"s3:x-amz-server-side-encryption": "false"},
                              "StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
            },
        ],
    }


def role_trust_policy(
    account_id: str,
    oidc_issuer: str,
    namespace: str,
    service_account: str,
    delegate_role_arns: tuple[str, ...] = (),
    external_id: str | None = None,
    also_service_accounts: tuple[str, ...] = (),
) -> dict:
    """IRSA: only the workload's ServiceAccount may assume the role (and, named one by one, the
    ServiceAccounts an operator runs the tenant's data pods under, in the same namespace);
    optionally, named platform roles (Kafka Connect's audit archive) may assume it too, and only
    with the external id."""
    subjects = [f"system:serviceaccount:{namespace}:{sa}" for sa in (service_account, *also_service_accounts)]
    delegation = []
    if delegate_role_arns:
        if not external_id:
            raise ValueError("delegating a role needs an external id")
        delegation.append({
            "Sid": "PlatformDelegatesWithExternalId",
            "Effect": "Allow",
            "Principal": {"AWS": list(delegate_role_arns)},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
        })
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TenantWorkloadServiceAccount",
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{account_id}:oidc-provider/{oidc_issuer}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        # one subject is a string, several a list: StringEquals matches any of them
                        f"{oidc_issuer}:sub": subjects[0] if len(subjects) == 1 else subjects,
                        f"{oidc_issuer}:aud": "sts.amazonaws.com",
                    }
                },
            },
            *delegation,
        ],
    }


def role_access_policy(bucket_arn: str, key_arn: str) -> dict:
    """The tenant role reaches its own bucket and key, nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ListOwnBucket", "Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketVersions"], "Resource": bucket_arn},
            {"Sid": "ReadWriteOwnObjects", "Effect": "Allow", "Action": BUCKET_OBJECT_ACTIONS, "Resource": f"{bucket_arn}/*"},
            {"Sid": "UseOwnKey", "Effect": "Allow", "Action": KEY_USE_ACTIONS, "Resource": key_arn},
        ],
    }
