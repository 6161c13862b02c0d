"""The tenant's KMS key: rotated yearly, 30-day deletion window, usable only by the tenant role."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.tenant.policy_documents import dumps, key_policy
from dbaas.naming import kms_alias


def create_tenant_key(
    tenant_id: str,
    account_id: str,
    region: str,
    role_arn: pulumi.Input[str],
    deletion_window_days: int,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    alias_opts: pulumi.ResourceOptions,
) -> tuple[aws.kms.Key, aws.kms.Alias]:
    key = aws.kms.Key(
        f"{tenant_id}-key",
        description=f"dbaas tenant {tenant_id}: backups and tenant data",
        enable_key_rotation=True,
        deletion_window_in_days=deletion_window_days,
        key_usage="ENCRYPT_DECRYPT",
        customer_master_key_spec="SYMMETRIC_DEFAULT",
        policy=pulumi.Output.from_input(role_arn).apply(lambda arn: dumps(key_policy(account_id, region, arn))),
        tags=tags,
        opts=opts,
    )
    alias = aws.kms.Alias(f"{tenant_id}-key-alias", name=kms_alias(tenant_id), target_key_id=key.key_id, opts=alias_opts)
    return key, alias
