"""Customer-managed KMS keys: rotated yearly, a deletion waiting period, an explicit key policy."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def create_kms_key(
    logical_name: str,
    alias: str,
    description: str,
    policy: pulumi.Input[str],
    deletion_window_days: int,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    alias_opts: pulumi.ResourceOptions,
) -> tuple[aws.kms.Key, aws.kms.Alias]:
    """`opts` apply to the key (protect it there); the alias is only a name and is not protected."""
    key = aws.kms.Key(
        logical_name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=deletion_window_days,
        key_usage="ENCRYPT_DECRYPT",
        customer_master_key_spec="SYMMETRIC_DEFAULT",
        policy=policy,
        tags=tags,
        opts=opts,
    )
    key_alias = aws.kms.Alias(f"{logical_name}-alias", name=alias, target_key_id=key.key_id, opts=alias_opts)
    return key, key_alias
