"""IAM, KMS key and bucket policy documents as pure functions of names and ARNs.

Kept apart from the resources so tests, the policy pack and moto can check the exact JSON.
"""

from __future__ import annotations

import json

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


def key_policy(account_id: str, region: str, tenant_role_arn: str) -> dict:
    """Account administrators manage the key but cannot use it; only the tenant role uses it,
    and only through S3 in this region."""
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
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": f"s3.{region}.amazonaws.com",
                        "kms:CallerAccount": account_id,
                    }
                },
            },
        ],
    }


def platform_key_policy(account_id: str) -> dict:
    """Platform keys (cluster secrets, volumes, platform buckets) are administered by the
    account and used by the platform's own roles, which IAM policies in the account grant."""
    root = f"arn:aws:iam::{account_id}:root"
    autoscaling = f"arn:aws:iam::{account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdministersKey", "Effect": "Allow", "Principal": {"AWS": root},
             "Action": KEY_ADMIN_ACTIONS, "Resource": "*"},
            {"Sid": "AccountRolesUseKeyThroughIam", "Effect": "Allow", "Principal": {"AWS": root},
             "Action": KEY_USE_ACTIONS, "Resource": "*",
             "Condition": {"StringEquals": {"kms:CallerAccount": account_id}}},
            # EKS managed node groups launch through EC2 Auto Scaling, whose service-linked role
            # creates the nodes' encrypted root volumes. Its own IAM policy grants no KMS access, so
            # only the key policy can: without these two statements the node groups never launch
            # (EC2 Auto Scaling user guide, "Required AWS KMS key policy for use with encrypted volumes").
            {"Sid": "AutoScalingUsesKeyForNodeVolumes", "Effect": "Allow", "Principal": {"AWS": autoscaling},
             "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
             "Resource": "*"},
            {"Sid": "AutoScalingGrantsForNodeVolumes", "Effect": "Allow", "Principal": {"AWS": autoscaling},
             "Action": "kms:CreateGrant", "Resource": "*",
             "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}}},
        ],
    }


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
