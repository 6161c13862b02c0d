"""Build one regional stack: the region's platform once, then each local tenant on top of it.

No resource may fall back to a default provider: the stack files disable them, so a missing
`provider` fails loudly instead of deploying to whatever the ambient credentials point at.

The platform knows no tenant: adding, changing or removing a tenant never changes a platform
resource (each tenant stack adds its own telemetry pipelines to the region's collector,
components/observability/collector_config.py). `build_region` composes both in one program: the
offline region view; a real deployment runs the platform stack and one stack per tenant
(stacks/platform/program.py, stacks/tenant/program.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.controlplane_db import ControlPlaneDatabase
from components.engines.args import EnginePlacement
from components.engines.base import EngineInstance
from components.engines.operators import EngineOperators
from components.engines.registry import create_service_instances
from components.kafka import EventBackbone, TenantStreams
from components.observability import RegionalObservability, TenantObservability
from components.observability.endpoints import Endpoints
from components.pop import PopCluster
from components.storage.platform import PlatformKey
from components.tenant import NetworkPeers, TenantEnvironment
from declarations.naming import LOGICAL_NAME_SEPARATOR
from declarations.stack_config import PROJECT, StackConfig
from declarations.tenant_model import Tenant
from stacks.platform.args import (
    backbone_args, control_plane_db_args, engine_operators_args, engine_placement, network_peers, observability_args,
    platform_key_args, pop_cluster_args,
)
from stacks.tenant.args import (
    KafkaLocation, tenant_environment_args, tenant_observability_args, tenant_streams_args,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TENANTS_DIR = PROJECT_ROOT / "tenants"


@dataclass
class RegionPlatform:
    """What every tenant of the region stands on."""

    config: StackConfig
    providers: pulumi.ResourceOptions
    aws_provider: aws.Provider
    random_provider: random.Provider
    platform_key: PlatformKey
    pop: PopCluster
    kafka: EventBackbone
    observability: RegionalObservability
    engine_operators: EngineOperators
    engine_placement: EnginePlacement
    control_plane_db: ControlPlaneDatabase
    network_peers: NetworkPeers


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
    network_peers: NetworkPeers
    kafka: KafkaLocation
    endpoints: Endpoints
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


@dataclass
class RegionStack:
    platform: RegionPlatform
    tenants: dict[str, TenantStack]


def build_region(
    config: StackConfig,
    tenants: list[Tenant],
    kubeconfig: pulumi.Input[str] | None,
    only_tenants: frozenset[str] | None = None,
) -> RegionStack:
    """Everything for one region. `tenants` must be this region's tenants, all of them."""
    foreign = [t.id for t in tenants if t.data_region != config.region]
    if foreign:
        raise ValueError(f"tenants of other regions passed to {config.region}: {', '.join(foreign)}")
    platform = build_platform(config, kubeconfig)
    built = [t for t in tenants if only_tenants is None or t.id in only_tenants]
    foundation = foundation_of(platform)
    return RegionStack(platform=platform, tenants={t.id: build_tenant(foundation, t) for t in built})


def regional_aws_provider(region: str, pop_name: str, aws_region: str, aws_account_id: str) -> aws.Provider:
    """The region's AWS provider; the platform stack and every tenant stack each have one, alike."""
    return aws.Provider(
        f"aws-{region}",
        region=aws_region,
        allowed_account_ids=[aws_account_id],
        default_tags={"tags": {"dbaas:region": region, "dbaas:pop": pop_name, "managed-by": "pulumi"}},
    )


def regional_random_provider(region: str) -> random.Provider:
    """pulumi_random (generated passwords) must be explicit too: default providers are disabled."""
    return random.Provider(f"random-{region}")


def build_platform(config: StackConfig, kubeconfig: pulumi.Input[str] | None) -> RegionPlatform:
    """Providers, the platform key, the PoP cluster, Kafka, observability, engine operators and
    the control-plane database: everything that exists once per region."""
    aws_provider = regional_aws_provider(config.region, config.pop_name, config.aws_region, config.aws_account_id)
    platform_key = PlatformKey(f"platform-{config.region}", platform_key_args(config),
                               opts=pulumi.ResourceOptions(providers={"aws": aws_provider}))
    # The PoP cluster (created on EKS or adopted) owns the one Kubernetes provider of the stack.
    pop = PopCluster(
        f"pop-{config.pop_name}",
        pop_cluster_args(config, kubeconfig, platform_key.arn),
        opts=pulumi.ResourceOptions(providers={"aws": aws_provider}),
    )
    random_provider = regional_random_provider(config.region)
    providers = pulumi.ResourceOptions(providers={"aws": aws_provider, "kubernetes": pop.provider, "random": random_provider})
    # Kafka before tenants: tenant roles trust its Connect role (audit archive), which must exist first.
    kafka = EventBackbone("kafka", backbone_args(config, pop.oidc_issuer), opts=providers)
    observability = RegionalObservability(
        f"observability-{config.region}",
        observability_args(config, pop.oidc_issuer, platform_key.arn, kafka_dependencies=(kafka,)),
        opts=providers,
    )
    # Engine instances take certificates from the baseline's cert-manager: install operators after it.
    engine_operators = EngineOperators(
        "engines", engine_operators_args(config),
        opts=pulumi.ResourceOptions.merge(providers, pulumi.ResourceOptions(depends_on=[pop])),
    )
    return RegionPlatform(
        config=config,
        providers=providers,
        aws_provider=aws_provider,
        random_provider=random_provider,
        platform_key=platform_key,
        pop=pop,
        kafka=kafka,
        observability=observability,
        engine_operators=engine_operators,
        engine_placement=engine_placement(
            config, pulumi.Config(PROJECT).require_secret("aerospikeFeatureKey")),
        control_plane_db=ControlPlaneDatabase(
            f"controlplane-{config.region}", control_plane_db_args(config, pop.oidc_issuer, platform_key.arn),
            opts=providers),
        network_peers=network_peers(config),
    )


def foundation_of(platform: RegionPlatform) -> TenantFoundation:
    """What a tenant built in the same program as its platform stands on (the offline region view)."""
    config = platform.config
    return TenantFoundation(
        providers=platform.providers,
        aws_region=config.aws_region,
        aws_account_id=config.aws_account_id,
        kubernetes_version=config.kubernetes_version,
        kms_deletion_window_days=config.kms_deletion_window_days,
        noncurrent_version_days=config.backup_noncurrent_version_days,
        oidc_issuer=platform.pop.oidc_issuer,
        network_peers=platform.network_peers,
        kafka=KafkaLocation(
            namespace=platform.kafka.namespace, cluster_name=platform.kafka.cluster_name,
            bootstrap=platform.kafka.bootstrap, cluster_ca_secret=platform.kafka.cluster_ca_secret,
            connect_name=platform.kafka.connect_name, connect_service_account=platform.kafka.connect_service_account,
            connect_role_arn=platform.kafka.connect_role.arn,
        ),
        endpoints=platform.observability.endpoints,
        engine_placement=platform.engine_placement,
        observability_ready=(platform.observability,),
        operators_ready=(platform.engine_operators,),
    )


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
