"""Tenant stacks: one Pulumi stack per tenant, `<region>.<tenant-id>`, in the `dbaas-tenant` project.

A tenant stack builds exactly what `build_tenant` builds (same logical names and parents; the
TenantEnvironment stays the parent of everything the tenant owns) on a foundation made of the
platform contract (stacks/platform_contract.py) and the tenant stack's own explicit providers,
configured from the platform's outputs. It holds no platform resource and reads no other tenant.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from stacks.tenant.args import KafkaLocation
from components.observability.endpoints import Endpoints
from components.engines.args import EnginePlacement
from components.pop.provider_settings import CLUSTER_PROVIDER_SETTINGS
from components.tenant import NetworkPeers
from declarations.engine_catalog import EngineName
from stacks.platform_contract import PlatformContract
from stacks.providers import regional_aws_provider, regional_random_provider
from stacks.tenant.build import TenantFoundation
from stacks.stack_names import (  # noqa: F401 (re-exported: the tenant stack's names)
    DEFAULT_ORGANIZATION, TENANT_PROJECT, parse_tenant_stack_name, tenant_stack_name,
)

def foundation_from_contract(contract: PlatformContract) -> TenantFoundation:
    """The tenant stack's providers and the platform's facts, as `build_tenant` takes them."""
    aws_provider = regional_aws_provider(contract.region, contract.pop_name, contract.aws_region,
                                         contract.aws_account_id)
    kubernetes_provider = k8s.Provider(
        f"k8s-{contract.pop_name}",
        kubeconfig=pulumi.Output.secret(contract.kubeconfig.get_secret_value()),
        **CLUSTER_PROVIDER_SETTINGS,
    )
    random_provider = regional_random_provider(contract.region)
    network = contract.network
    return TenantFoundation(
        providers=pulumi.ResourceOptions(
            providers={"aws": aws_provider, "kubernetes": kubernetes_provider, "random": random_provider}),
        aws_region=contract.aws_region,
        aws_account_id=contract.aws_account_id,
        kubernetes_version=contract.kubernetes_version,
        kms_deletion_window_days=contract.kms_deletion_window_days,
        noncurrent_version_days=contract.backup_noncurrent_version_days,
        oidc_issuer=contract.oidc_issuer,
        operator_role_arns={EngineName(engine): arn for engine, arn in contract.engine_operator_role_arns.items()},
        network_peers=NetworkPeers(
            ingress_namespace=network.ingress_namespace, monitoring_namespace=network.monitoring_namespace,
            kafka_namespace=network.kafka_namespace, kafka_cluster_name=network.kafka_cluster_name,
            kafka_bootstrap_port=network.kafka_bootstrap_port,
            telemetry_collector_labels=tuple(sorted(network.telemetry_collector_labels.items())),
            telemetry_ports=network.telemetry_ports,
        ),
        kafka=KafkaLocation(**contract.kafka.model_dump()),
        endpoints=Endpoints(namespace=contract.observability.namespace),
        collector_uid=contract.observability.collector_uid,
        engine_placement=EnginePlacement(
            aws_region=contract.aws_region, storage_class=contract.storage_class,
            kafka_namespace=contract.kafka.namespace,
            aerospike_feature_key=pulumi.Output.secret(contract.aerospike_feature_key.get_secret_value()),
        ),
    )
