"""The region's platform, built once per region: providers, platform key, PoP cluster, Kafka,
observability, engine operators and the control-plane database.

The platform knows no tenant: adding, changing or removing a tenant never changes a platform
resource (each tenant stack adds its own telemetry pipelines to the region's collector,
components/observability/collector_config.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.controlplane_db.component import ControlPlaneDatabase
from components.engines.args import EnginePlacement
from components.engines.operators import EngineOperators
from components.kafka.backbone import EventBackbone
from components.observability.regional import RegionalObservability
from components.pop.cluster import PopCluster
from components.storage.platform import PlatformKey
from components.tenant import NetworkPeers
from declarations.stack_config import PROJECT, StackConfig
from stacks.platform.args import (
    backbone_args, control_plane_db_args, engine_operators_args, engine_placement, network_peers, observability_args,
    platform_key_args, pop_cluster_args,
)
from stacks.providers import regional_aws_provider, regional_random_provider


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
    # Kafka Connect, observability's object-store users, the engines and the control-plane database get AWS
    # credentials through IRSA: on an adopted cluster stacks/ordering.py makes every object created from here on
    # that creates pods or names an IRSA role wait for the baseline's pod identity webhook (a `depends_on` on a
    # component would not reach its children's registrations).
    # Kafka before tenants: tenant roles trust its Connect role (audit archive), which must exist first.
    kafka = EventBackbone("kafka", backbone_args(config, pop.oidc_issuer), opts=providers)
    observability = RegionalObservability(
        f"observability-{config.region}",
        observability_args(config, pop.oidc_issuer, platform_key.arn, kafka_dependencies=(kafka,)),
        opts=providers,
    )
    # Engine instances take certificates from the baseline's cert-manager: install operators after it.
    engine_operators = EngineOperators(
        "engines", engine_operators_args(config, pop.oidc_issuer),
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
