"""Build one regional stack: explicit providers, then one TenantEnvironment per local tenant.

No resource may fall back to a default provider: the stack files disable them, so a missing
`provider` fails loudly instead of deploying to whatever the ambient credentials point at.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.storage.platform import PlatformKey, PlatformKeyArgs
from components.engines.context import EnginePlacement
from components.engines.deployment import EngineDeployment, deploy_engines
from components.tenant import TenantEnvironment, TenantEnvironmentArgs
from components.tenant.network_policies import NetworkPeers
from dbaas.stack_config import PROJECT, StackConfig
from dbaas.tenant_model import Tenant

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TENANTS_DIR = PROJECT_ROOT / "tenants"


@dataclass
class RegionStack:
    config: StackConfig
    aws_provider: aws.Provider
    k8s_provider: k8s.Provider
    platform_key: PlatformKey
    tenants: dict[str, TenantEnvironment]
    engines: EngineDeployment | None = None


def build_region(config: StackConfig, tenants: list[Tenant], kubeconfig: pulumi.Input[str]) -> RegionStack:
    """Everything for one region. `tenants` must already be filtered to this region."""
    foreign = [t.id for t in tenants if t.data_region != config.region]
    if foreign:
        raise ValueError(f"tenants of other regions passed to {config.region}: {', '.join(foreign)}")
    aws_provider = aws.Provider(
        f"aws-{config.region}",
        region=config.aws_region,
        allowed_account_ids=[config.aws_account_id],
        default_tags={"tags": {"dbaas:region": config.region, "dbaas:pop": config.pop_name, "managed-by": "pulumi"}},
    )
    k8s_provider = k8s.Provider(
        f"k8s-{config.pop_name}",
        kubeconfig=kubeconfig,
        enable_server_side_apply=True,
        delete_unreachable=False,
    )
    providers = pulumi.ResourceOptions(providers={"aws": aws_provider, "kubernetes": k8s_provider})
    platform_key = PlatformKey(
        f"platform-{config.region}",
        PlatformKeyArgs(region=config.region, aws_account_id=config.aws_account_id,
                        deletion_window_days=config.kms_deletion_window_days),
        opts=providers,
    )
    peers = NetworkPeers(
        ingress_namespace=config.ingress_namespace,
        monitoring_namespace=config.monitoring_namespace,
        kafka_namespace=config.kafka_namespace,
        kafka_cluster_name=config.kafka_cluster_name,
        kafka_bootstrap_port=config.kafka_bootstrap_port,
    )
    environments = {
        t.id: TenantEnvironment(
            TenantEnvironmentArgs(
                tenant=t,
                aws_region=config.aws_region,
                aws_account_id=config.aws_account_id,
                oidc_issuer=config.oidc_issuer,
                kubernetes_version=config.kubernetes_version,
                network_peers=peers,
                kms_deletion_window_days=config.kms_deletion_window_days,
                noncurrent_version_days=config.backup_noncurrent_version_days,
            ),
            opts=providers,
        )
        for t in tenants
    }
    engines = deploy_engines(
        tenants, environments,
        EnginePlacement(aws_region=config.aws_region, storage_class=config.storage_class,
                        kafka_namespace=config.kafka_namespace,
                        aerospike_feature_key=pulumi.Config(PROJECT).require_secret("aerospikeFeatureKey")),
        providers,
    )
    return RegionStack(
        config=config, aws_provider=aws_provider, k8s_provider=k8s_provider, platform_key=platform_key, tenants=environments,
        engines=engines,
    )
