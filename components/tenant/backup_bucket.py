"""The tenant's backup bucket, built from pulumi-aws v7's separate bucket resources.

Object Lock (governance mode) keeps each backup immutable for as long as the longest backup
retention the tenant declared, so a leaked credential cannot erase history.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.tenant.policy_documents import bucket_policy, dumps

ABORT_MULTIPART_DAYS = 7


@dataclass(frozen=True)
class BucketSettings:
    name: str
    current_version_days: int
    noncurrent_version_days: int
    object_lock_days: int


def lifecycle_rules(settings: BucketSettings) -> list[dict]:
    return [
        {
            "id": "data-class-retention",
            "status": "Enabled",
            "filter": {"prefix": ""},
            "expiration": {"days": settings.current_version_days},
            "noncurrentVersionExpiration": {"noncurrentDays": settings.noncurrent_version_days},
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": ABORT_MULTIPART_DAYS},
        }
    ]


@dataclass
class BackupBucket:
    bucket: aws.s3.Bucket
    policy: aws.s3.BucketPolicy


def create_backup_bucket(
    tenant_id: str,
    settings: BucketSettings,
    key_arn: pulumi.Output[str],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    child_opts: pulumi.ResourceOptions,
) -> BackupBucket:
    bucket = aws.s3.Bucket(
        f"{tenant_id}-backups",
        bucket=settings.name,
        object_lock_enabled=True,
        force_destroy=False,
        tags=tags,
        opts=opts,
    )
    on_bucket = pulumi.ResourceOptions.merge(child_opts, pulumi.ResourceOptions(depends_on=[bucket]))
    public_block = aws.s3.BucketPublicAccessBlock(
        f"{tenant_id}-backups-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=on_bucket,
    )
    aws.s3.BucketOwnershipControls(
        f"{tenant_id}-backups-ownership",
        bucket=bucket.id,
        rule={"object_ownership": "BucketOwnerEnforced"},
        opts=on_bucket,
    )
    versioning = aws.s3.BucketVersioning(
        f"{tenant_id}-backups-versioning",
        bucket=bucket.id,
        versioning_configuration={"status": "Enabled"},
        opts=on_bucket,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{tenant_id}-backups-encryption",
        bucket=bucket.id,
        rules=[
            {
                "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms", "kms_master_key_id": key_arn},
                "bucket_key_enabled": True,
            }
        ],
        opts=on_bucket,
    )
    aws.s3.BucketObjectLockConfiguration(
        f"{tenant_id}-backups-object-lock",
        bucket=bucket.id,
        object_lock_enabled="Enabled",
        rule={"default_retention": {"mode": "GOVERNANCE", "days": settings.object_lock_days}},
        opts=pulumi.ResourceOptions.merge(on_bucket, pulumi.ResourceOptions(depends_on=[versioning])),
    )
    aws.s3.BucketLifecycleConfiguration(
        f"{tenant_id}-backups-lifecycle",
        bucket=bucket.id,
        rules=[
            {
                "id": r["id"],
                "status": r["status"],
                "filter": {"prefix": ""},
                "expirations": [{"days": r["expiration"]["days"]}],
                "noncurrent_version_expirations": [{"noncurrent_days": r["noncurrentVersionExpiration"]["noncurrentDays"]}],
                "abort_incomplete_multipart_uploads": [
                    {"days_after_initiation": r["abortIncompleteMultipartUpload"]["daysAfterInitiation"]}
                ],
            }
            for r in lifecycle_rules(settings)
        ],
        opts=pulumi.ResourceOptions.merge(on_bucket, pulumi.ResourceOptions(depends_on=[versioning])),
    )
    policy = aws.s3.BucketPolicy(
        f"{tenant_id}-backups-policy",
        bucket=bucket.id,
        policy=pulumi.Output.all(bucket.arn, key_arn).apply(lambda a: dumps(bucket_policy(a[0], a[1]))),
        opts=pulumi.ResourceOptions.merge(on_bucket, pulumi.ResourceOptions(depends_on=[public_block])),
    )
    return BackupBucket(bucket=bucket, policy=policy)
