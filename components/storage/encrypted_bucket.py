"""An S3 bucket the way every bucket on this platform must be: built from pulumi-aws v7's
separate bucket resources, private, versioned, SSE-KMS with one named key and a bucket key,
TLS-only, refusing writes under any other key, with a lifecycle, and optionally Object Lock.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_policies import bucket_policy, dumps

ABORT_MULTIPART_DAYS = 7


@dataclass(frozen=True)
class BucketSettings:
    name: str
    current_version_days: int
    """Objects expire this many days after they were written."""
    noncurrent_version_days: int
    """Superseded versions expire this many days after they stopped being current."""
    object_lock_days: int | None = None
    """Governance-mode default retention; None means no Object Lock."""


def lifecycle_rules(settings: BucketSettings) -> list[dict]:
    """The lifecycle, as the S3 API spells it (the policy pack and moto read this form)."""
    return [
        {
            "ID": "retention",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "Expiration": {"Days": settings.current_version_days},
            "NoncurrentVersionExpiration": {"NoncurrentDays": settings.noncurrent_version_days},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
        }
    ]


@dataclass
class EncryptedBucket:
    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy


def create_encrypted_bucket(
    logical_name: str,
    settings: BucketSettings,
    key_arn: pulumi.Input[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    child_opts: pulumi.ResourceOptions,
) -> EncryptedBucket:
    """`opts` apply to the bucket itself (protect it there); `child_opts` to its settings."""
    bucket = aws.s3.Bucket(
        logical_name,
        bucket=settings.name,
        object_lock_enabled=settings.object_lock_days is not None,
        force_destroy=False,
        tags=tags,
        opts=opts,
    )
    on_bucket = pulumi.ResourceOptions.merge(child_opts, pulumi.ResourceOptions(depends_on=[bucket]))
    public_block = aws.s3.BucketPublicAccessBlock(
        f"{logical_name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=on_bucket,
    )
    aws.s3.BucketOwnershipControls(
        f"{logical_name}-ownership",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=on_bucket,
    )
    versioning = aws.s3.BucketVersioning(
        f"{logical_name}-versioning",
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=on_bucket,
    )
    after_versioning = pulumi.ResourceOptions.merge(on_bucket, pulumi.ResourceOptions(depends_on=[versioning]))
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{logical_name}-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=key_arn
                ),
                bucket_key_enabled=True,
            )
        ],
        opts=on_bucket,
    )
    if settings.object_lock_days is not None:
        aws.s3.BucketObjectLockConfiguration(
            f"{logical_name}-object-lock",
            bucket=bucket.id,
            object_lock_enabled="Enabled",
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode="GOVERNANCE", days=settings.object_lock_days
                )
            ),
            opts=after_versioning,
        )
    aws.s3.BucketLifecycleConfiguration(
        f"{logical_name}-lifecycle",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id=r["ID"],
                status=r["Status"],
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=r["Filter"]["Prefix"]),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=r["Expiration"]["Days"]),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=r["NoncurrentVersionExpiration"]["NoncurrentDays"]
                ),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]
                ),
            )
            for r in lifecycle_rules(settings)
        ],
        opts=after_versioning,
    )
    policy = aws.s3.BucketPolicy(
        f"{logical_name}-policy",
        bucket=bucket.id,
        policy=pulumi.Output.all(bucket.arn, key_arn).apply(lambda a: dumps(bucket_policy(a[0], a[1]))),
        opts=pulumi.ResourceOptions.merge(on_bucket, pulumi.ResourceOptions(depends_on=[public_block])),
    )
    return EncryptedBucket(bucket=bucket, policy=policy)
