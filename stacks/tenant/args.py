"""A tenant's declaration and what it stands on, mapped onto the tenant components' typed args.

The foundation comes from the platform in one program (the offline region view) or from the
platform contract in a tenant stack (stacks/tenant/foundation.py); either way the mapping is this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi

from components.kafka.args import TenantStreamsArgs
from components.observability.args import TenantObservabilityArgs
from components.tenant import TenantEnvironment, TenantEnvironmentArgs
from declarations.tenant_model import Tenant

if TYPE_CHECKING:  # only for annotations: stacks/tenant/build.py imports this module
    from stacks.tenant.build import TenantFoundation


@dataclass(frozen=True)
class KafkaLocation:
    """Where the region's Kafka is, as a tenant sees it: from the backbone in one program, from the
    platform contract in a tenant stack."""

    namespace: str
    cluster_name: str
    bootstrap: str
    cluster_ca_secret: str
    connect_name: str
    connect_service_account: str
    connect_role_arn: pulumi.Input[str]
    """The Connect workers' IRSA role: tenant roles trust it as a delegate (audit archive)."""


def tenant_environment_args(tenant: Tenant, foundation: TenantFoundation) -> TenantEnvironmentArgs:
    return TenantEnvironmentArgs(
        tenant=tenant,
        aws_region=foundation.aws_region,
        aws_account_id=foundation.aws_account_id,
        oidc_issuer=foundation.oidc_issuer,
        kubernetes_version=foundation.kubernetes_version,
        network_peers=foundation.network_peers,
        delegate_role_arns=(foundation.kafka.connect_role_arn,),
        operator_role_arns=dict(foundation.operator_role_arns),
        kms_deletion_window_days=foundation.kms_deletion_window_days,
        noncurrent_version_days=foundation.noncurrent_version_days,
    )


def tenant_streams_args(tenant: Tenant, env: TenantEnvironment, kafka: KafkaLocation, aws_region: str) -> TenantStreamsArgs:
    """A tenant's streams: where the region's Kafka is, and the tenant's own bucket, key and role."""
    return TenantStreamsArgs(
        tenant=tenant,
        kafka_namespace=kafka.namespace,
        cluster_name=kafka.cluster_name,
        bootstrap=kafka.bootstrap,
        cluster_ca_secret=kafka.cluster_ca_secret,
        connect_name=kafka.connect_name,
        connect_service_account=kafka.connect_service_account,
        aws_region=aws_region,
        bucket_name=env.bucket.bucket,
        key_arn=env.key.arn,
        role_arn=env.role.arn,
    )


def tenant_observability_args(tenant: Tenant, foundation: TenantFoundation) -> TenantObservabilityArgs:
    return TenantObservabilityArgs(tenant=tenant, endpoints=foundation.endpoints,
                                   kafka_namespace=foundation.kafka.namespace, collector_uid=foundation.collector_uid)
