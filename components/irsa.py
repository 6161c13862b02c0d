"""IRSA: a ServiceAccount and the IAM role that it, and only it, can assume, with access to
exactly one bucket and one key. Used for tenant workloads and for platform workloads alike."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.aws_policies import dumps, role_access_policy, role_trust_policy

from declarations.pod_identity import IRSA_ROLE_ANNOTATION, STS_AUDIENCE  # noqa: F401 (the names components use)


def create_irsa_role(
    logical_name: str,
    role_name: str,
    description: str,
    account_id: str,
    oidc_issuer: pulumi.Input[str],
    namespace: str,
    service_account: str,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    delegate_role_arns: tuple[pulumi.Input[str], ...] = (),
    external_id: str | None = None,
    also_service_accounts: tuple[str, ...] = (),
) -> aws.iam.Role:
    """`delegate_role_arns` may also assume the role, with `external_id`, and `also_service_accounts`
    of the same namespace by web identity (see role_trust_policy)."""
    return aws.iam.Role(
        logical_name,
        name=role_name,
        description=description,
        # The issuer may be an output (a created EKS cluster's), so the trust is built inside apply.
        assume_role_policy=pulumi.Output.all(oidc_issuer, *delegate_role_arns).apply(
            lambda v: dumps(role_trust_policy(account_id, v[0], namespace, service_account, tuple(v[1:]), external_id,
                                             also_service_accounts))
        ),
        max_session_duration=3600,
        tags=tags,
        opts=opts,
    )


def grant_bucket_access(
    logical_name: str,
    role: aws.iam.Role,
    bucket_arn: pulumi.Input[str],
    key_arn: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.iam.RolePolicy:
    return aws.iam.RolePolicy(
        logical_name,
        name="bucket-access",
        role=role.name,
        policy=pulumi.Output.all(bucket_arn, key_arn).apply(lambda a: dumps(role_access_policy(a[0], a[1]))),
        opts=opts,
    )


def create_service_account(
    logical_name: str,
    name: str,
    namespace: pulumi.Input[str],
    role_arn: pulumi.Input[str],
    labels: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> k8s.core.v1.ServiceAccount:
    """Token automount is off: pods that need the API or AWS mount a projected token explicitly."""
    return k8s.core.v1.ServiceAccount(
        logical_name,
        metadata={
            "name": name,
            "namespace": namespace,
            "labels": labels,
            "annotations": {IRSA_ROLE_ANNOTATION: role_arn},
        },
        automount_service_account_token=False,
        opts=opts,
    )
