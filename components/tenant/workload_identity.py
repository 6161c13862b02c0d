"""IRSA: the tenant's ServiceAccount and the IAM role it, and only it, can assume."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws_policies import dumps, role_access_policy, role_trust_policy
from dbaas.naming import TENANT_WORKLOAD_SA, tenant_role


def create_tenant_role(
    tenant_id: str, account_id: str, oidc_issuer: str, namespace: str, tags: dict[str, str], opts: pulumi.ResourceOptions
) -> aws.iam.Role:
    return aws.iam.Role(
        f"{tenant_id}-role",
        name=tenant_role(tenant_id),
        description=f"dbaas tenant {tenant_id}: backups to its own bucket with its own key",
        assume_role_policy=dumps(role_trust_policy(account_id, oidc_issuer, namespace, TENANT_WORKLOAD_SA)),
        max_session_duration=3600,
        tags=tags,
        opts=opts,
    )


def create_role_access(
    tenant_id: str, role: aws.iam.Role, bucket_arn: pulumi.Output[str], key_arn: pulumi.Output[str], opts: pulumi.ResourceOptions
) -> aws.iam.RolePolicy:
    return aws.iam.RolePolicy(
        f"{tenant_id}-role-access",
        name="tenant-backup-access",
        role=role.name,
        policy=pulumi.Output.all(bucket_arn, key_arn).apply(lambda a: dumps(role_access_policy(a[0], a[1]))),
        opts=opts,
    )


def create_service_account(
    tenant_id: str, namespace: str, role_arn: pulumi.Output[str], labels: dict[str, str], opts: pulumi.ResourceOptions
) -> k8s.core.v1.ServiceAccount:
    return k8s.core.v1.ServiceAccount(
        f"{tenant_id}-workload-sa",
        metadata={
            "name": TENANT_WORKLOAD_SA,
            "namespace": namespace,
            "labels": labels,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        automount_service_account_token=False,
        opts=opts,
    )
