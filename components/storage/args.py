"""Typed inputs of the platform's own storage: the region's platform key and its buckets."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from components.input_types import StrInput
from declarations.field_types import AwsAccountId


class PlatformKeyArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    region: str = Field(description="Platform region: names the key's alias and tags.")
    aws_account_id: AwsAccountId = Field(description="The account whose root administers the key.")
    deletion_window_days: int = Field(default=30, ge=7, le=30, description="KMS waiting period before deletion.")
    autoscaling_node_volumes: bool = Field(
        default=False,
        description="EC2 Auto Scaling encrypts node volumes with the key (create mode, EKS node groups): the key "
                    "creates Auto Scaling's service-linked role first and names it in its policy; never in adopt mode.")


class PlatformBucketArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    region: str = Field(description="Platform region: part of the bucket name and tags.")
    aws_account_id: AwsAccountId = Field(description="Part of the bucket name, which is global across AWS.")
    purpose: str = Field(pattern=r"^[a-z0-9-]{2,20}$", description="e.g. thanos, loki, tempo, pg-backups")
    key_arn: StrInput = Field(description="ARN of the platform KMS key that encrypts the bucket.")
    retention_days: int = Field(ge=1, description="Current object versions expire after this.")
    noncurrent_version_days: int = Field(default=30, ge=1, description="Superseded versions expire after this.")
    object_lock_days: int | None = Field(
        default=None, ge=1, description="Governance-mode Object Lock for backup buckets; None for other purposes."
    )
