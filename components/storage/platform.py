"""Region-level storage for the platform itself: one platform KMS key, and buckets under it.

Observability (Thanos, Loki, Tempo), the control-plane Postgres backups and the PoP cluster
(secrets and volume encryption) use these, never a tenant's key or bucket.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
from pydantic import BaseModel, ConfigDict, Field

from components.aws_policies import dumps, platform_key_policy
from components.protection import stateful
from components.storage.encrypted_bucket import BucketSettings, create_encrypted_bucket
from components.storage.kms_key import create_kms_key
from declarations.naming import platform_bucket, platform_key_alias


class PlatformKeyArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    region: str
    aws_account_id: str
    deletion_window_days: int = Field(default=30, ge=7, le=30)


class PlatformKey(pulumi.ComponentResource):
    """`dbaas:storage:PlatformKey`: the region's platform KMS key (protected, retained)."""

    key: aws.kms.Key
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: PlatformKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dbaas:storage:PlatformKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key, _ = create_kms_key(
            f"{name}-key",
            alias=platform_key_alias(args.region),
            description=f"dbaas platform key for region {args.region}",
            policy=dumps(platform_key_policy(args.aws_account_id)),
            deletion_window_days=args.deletion_window_days,
            tags={"dbaas:region": args.region, "dbaas:purpose": "platform", "managed-by": "pulumi"},
            opts=stateful(child, True),
            alias_opts=child,
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})


class PlatformBucketArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    region: str
    aws_account_id: str
    purpose: str = Field(pattern=r"^[a-z0-9-]{2,20}$", description="e.g. thanos, loki, tempo, pg-backups")
    key_arn: Any = Field(description="ARN of the platform KMS key: a str or a pulumi Output[str].")
    retention_days: int = Field(ge=1)
    noncurrent_version_days: int = Field(default=30, ge=1)
    object_lock_days: int | None = Field(
        default=None, ge=1, description="Governance-mode Object Lock for backup buckets; None for other purposes."
    )


class PlatformBucket(pulumi.ComponentResource):
    """`dbaas:storage:PlatformBucket`: a protected, encrypted regional bucket for one platform purpose."""

    bucket: aws.s3.Bucket
    name: str

    def __init__(self, name: str, args: PlatformBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dbaas:storage:PlatformBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.name = platform_bucket(args.region, args.purpose, args.aws_account_id)
        created = create_encrypted_bucket(
            f"{name}-bucket",
            BucketSettings(
                name=self.name,
                current_version_days=args.retention_days,
                noncurrent_version_days=args.noncurrent_version_days,
                object_lock_days=args.object_lock_days,
            ),
            args.key_arn,
            {"dbaas:region": args.region, "dbaas:purpose": args.purpose, "managed-by": "pulumi"},
            stateful(child, True),
            child,
        )
        self.bucket = created.bucket
        self.register_outputs({"bucket": self.bucket.bucket})
