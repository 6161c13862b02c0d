"""One tenant on what it stands on: its environment, then its streams, monitors and databases as
the environment's children. The same code builds a tenant in its own stack (foundation from the
platform contract, stacks/tenant/foundation.py) and in the one-stack region view (foundation from the
platform built in the same program, stacks/one_stack_region.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from components.engines.args import EnginePlacement
from components.engines.base import EngineInstance
from components.engines.registry import create_service_instances
from components.kafka.tenant_streams import TenantStreams
from components.observability.tenant import TenantObservability
from components.observability.endpoints import Endpoints
from components.tenant import NetworkPeers, TenantEnvironment
from declarations.engine_catalog import EngineName
from declarations.naming import LOGICAL_NAME_SEPARATOR
from declarations.tenant_model import Tenant
from stacks.tenant.args import KafkaLocation, tenant_environment_args, tenant_observability_args, tenant_streams_args


@dataclass(frozen=True)
class TenantFoundation:
    """What a tenant stands on: the platform's facts and providers. In a tenant stack they come
    from the platform contract (stacks/platform_contract.py) and the tenant stack's own providers;
    dependencies on platform resources are empty there, because the platform stack is applied first."""

    providers: pulumi.ResourceOptions
    aws_region: str
    aws_account_id: str
    kubernetes_version: str
    kms_deletion_window_days: int
    noncurrent_version_days: int
    oidc_issuer: pulumi.Input[str]
    operator_role_arns: Mapping[EngineName, pulumi.Input[str]]
    """IRSA roles of the engine operators that read tenant backups themselves; the tenant key admits them."""
    network_peers: NetworkPeers
    kafka: KafkaLocation
    endpoints: Endpoints
    collector_uid: pulumi.Input[str]
    """The uid of the region's collector object, which the tenant's telemetry routes patch."""
    engine_placement: EnginePlacement
    observability_ready: tuple[pulumi.Resource, ...] = ()
    operators_ready: tuple[pulumi.Resource, ...] = ()


@dataclass
class TenantStack:
    """Everything one tenant has in its region."""

    environment: TenantEnvironment
    streams: TenantStreams
    observability: TenantObservability
    instances: dict[str, EngineInstance]


def build_tenant(foundation: TenantFoundation, tenant: Tenant) -> TenantStack:
    """The tenant's environment, then its streams, monitors and databases as its children."""
    env = TenantEnvironment(tenant.id, tenant_environment_args(tenant, foundation), opts=foundation.providers)
    streams = TenantStreams(
        f"{tenant.id}{LOGICAL_NAME_SEPARATOR}kafka",
        tenant_streams_args(tenant, env, foundation.kafka, foundation.aws_region),
        opts=pulumi.ResourceOptions(parent=env),
    )
    monitors = TenantObservability(
        f"{tenant.id}{LOGICAL_NAME_SEPARATOR}observability",
        tenant_observability_args(tenant, foundation),
        opts=pulumi.ResourceOptions(parent=env, depends_on=list(foundation.observability_ready)),
    )
    instances = create_service_instances(tenant, env, foundation.engine_placement,
                                         depends_on=list(foundation.operators_ready))
    return TenantStack(environment=env, streams=streams, observability=monitors, instances=instances)
