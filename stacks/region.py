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

from components.controlplane_db import ControlPlaneDatabase, ControlPlaneDatabaseArgs
from components.engines.base import EngineInstance
from components.engines.context import EnginePlacement
from components.engines.operators import EngineOperators, EngineOperatorsArgs
from components.engines.registry import create_service_instances
from components.kafka import EventBackbone, TenantStreams
from components.kafka.stack_args import KafkaLocation, backbone_args, tenant_streams_args
from components.observability import (
    AlertRouting, ObservabilityArgs, RegionalObservability, Retention, TenantObservability, TenantObservabilityArgs,
)
from components.observability.endpoints import Endpoints
from components.observability.collector_config import COLLECTOR_NAME, OTLP_GRPC_PORT, OTLP_HTTP_PORT
from components.observability.network_policies import collector_pods
from components.pop import PopCluster, pop_cluster_args
from components.storage.platform import PlatformKey, PlatformKeyArgs
from components.tenant import TenantEnvironment, TenantEnvironmentArgs
from components.tenant.network_policies import NetworkPeers
from declarations.stack_config import PROJECT, StackConfig
from declarations.tenant_model import Tenant

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
    platform_key = PlatformKey(
        f"platform-{config.region}",
        PlatformKeyArgs(region=config.region, aws_account_id=config.aws_account_id,
                        deletion_window_days=config.kms_deletion_window_days),
        opts=pulumi.ResourceOptions(providers={"aws": aws_provider}),
    )
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
    observability = build_observability(config, pop.oidc_issuer, platform_key.arn, kafka, providers)
    # Engine instances take certificates from the baseline's cert-manager: install operators after it.
    engine_operators = EngineOperators(
        EngineOperatorsArgs(monitoring_namespace=config.monitoring_namespace),
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
        engine_placement=EnginePlacement(
            aws_region=config.aws_region, storage_class=config.storage_class, kafka_namespace=config.kafka_namespace,
            aerospike_feature_key=pulumi.Config(PROJECT).require_secret("aerospikeFeatureKey"),
        ),
        control_plane_db=build_control_plane_db(config, pop.oidc_issuer, platform_key.arn, providers),
        network_peers=NetworkPeers(
            ingress_namespace=config.ingress_namespace,
            monitoring_namespace=config.monitoring_namespace,
            kafka_namespace=config.kafka_namespace,
            kafka_cluster_name=config.kafka_cluster_name,
            kafka_bootstrap_port=config.kafka_bootstrap_port,
            # Tenant workloads send OTLP to the region's collector, and to nothing else in monitoring.
            telemetry_collector_labels=tuple(sorted(
                collector_pods(config.monitoring_namespace, COLLECTOR_NAME)["matchLabels"].items())),
            telemetry_ports=(OTLP_GRPC_PORT, OTLP_HTTP_PORT),
        ),
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
    env = TenantEnvironment(
        TenantEnvironmentArgs(
            tenant=tenant,
            aws_region=foundation.aws_region,
            aws_account_id=foundation.aws_account_id,
            oidc_issuer=foundation.oidc_issuer,
            kubernetes_version=foundation.kubernetes_version,
            network_peers=foundation.network_peers,
            delegate_role_arns=(foundation.kafka.connect_role_arn,),
            kms_deletion_window_days=foundation.kms_deletion_window_days,
            noncurrent_version_days=foundation.noncurrent_version_days,
        ),
        opts=foundation.providers,
    )
    streams = TenantStreams(
        tenant_streams_args(tenant, env, foundation.kafka, foundation.aws_region),
        opts=pulumi.ResourceOptions(parent=env),
    )
    monitors = TenantObservability(
        TenantObservabilityArgs(tenant=tenant, endpoints=foundation.endpoints,
                                kafka_namespace=foundation.kafka.namespace),
        opts=pulumi.ResourceOptions(parent=env, depends_on=list(foundation.observability_ready)),
    )
    instances = create_service_instances(tenant, env, foundation.engine_placement,
                                         depends_on=list(foundation.operators_ready))
    return TenantStack(environment=env, streams=streams, observability=monitors, instances=instances)


def build_control_plane_db(config: StackConfig, oidc_issuer: pulumi.Input[str], platform_key_arn: pulumi.Input[str],
                           providers: pulumi.ResourceOptions) -> ControlPlaneDatabase:
    """The region's RLS control-plane PostgreSQL (components/controlplane_db), from the stack config."""
    return ControlPlaneDatabase(
        f"controlplane-{config.region}",
        ControlPlaneDatabaseArgs(
            region=config.region, aws_account_id=config.aws_account_id, oidc_issuer=oidc_issuer,
            kubernetes_version=config.kubernetes_version, platform_key_arn=platform_key_arn,
            monitoring_namespace=config.monitoring_namespace,
            storage_class=config.control_plane_db_storage_class or config.storage_class,
            storage_size=config.control_plane_db_storage_size,
            backup_retention_days=config.control_plane_db_backup_retention_days,
            tools_image=config.control_plane_tools_image,
            cluster_name=config.control_plane_db_cluster_name,
            recover_from=config.control_plane_db_recover_from,
            recovery_target_time=config.control_plane_db_recovery_target_time,
        ),
        opts=providers,
    )


def build_observability(config: StackConfig, oidc_issuer: pulumi.Input[str],
                        platform_key_arn: pulumi.Input[str], kafka: EventBackbone,
                        providers: pulumi.ResourceOptions) -> RegionalObservability:
    """The region's observability stack (components/observability), from the stack config."""
    return RegionalObservability(
        f"observability-{config.region}",
        ObservabilityArgs(
            region=config.region, pop_name=config.pop_name, aws_region=config.aws_region,
            aws_account_id=config.aws_account_id, oidc_issuer=oidc_issuer, namespace=config.monitoring_namespace,
            ingress_namespace=config.ingress_namespace, platform_key_arn=platform_key_arn, scrape_interval_seconds=config.metrics_scrape_interval_seconds,
            retention=Retention(metrics_local_days=config.metrics_retention_days,
                                metrics_long_term_days=config.metrics_long_term_retention_days,
                                logs_days=config.log_retention_days, traces_days=config.trace_retention_days),
            alert_routing=AlertRouting(default_webhook_url=config.alertmanager_webhook_url,
                                       critical_webhook_url=config.alertmanager_critical_webhook_url,
                                       group_wait_seconds=config.alertmanager_group_wait_seconds,
                                       group_interval_minutes=config.alertmanager_group_interval_minutes,
                                       repeat_interval_hours=config.alertmanager_repeat_interval_hours),
            kafka_namespace=config.kafka_namespace, kafka_cluster_name=config.kafka_cluster_name,
            kafka_dependencies=(kafka,),
        ),
        opts=providers,
    )
