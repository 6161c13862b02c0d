"""Translate the region's stack config and tenant environments into the Kafka components' typed args."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.kafka.settings import CONTROLLER_REPLICAS, KafkaBackboneArgs, NodePoolSizing
from components.kafka.tenant_streams import TenantStreamsArgs
from components.tenant import TenantEnvironment
from declarations.stack_config import StackConfig
from declarations.tenant_model import Tenant

CONTROLLER_MEMORY_FACTOR = 2
"""Controllers hold only metadata: container memory is twice their heap."""


def _double_heap(heap: str) -> str:
    amount, unit = int(heap[:-1]), heap[-1]
    return f"{amount * CONTROLLER_MEMORY_FACTOR}{'Gi' if unit == 'g' else 'Mi'}"


def backbone_args(config: StackConfig, oidc_issuer: pulumi.Input[str]) -> KafkaBackboneArgs:
    return KafkaBackboneArgs(
        region=config.region,
        namespace=config.kafka_namespace,
        cluster_name=config.kafka_cluster_name,
        bootstrap_port=config.kafka_bootstrap_port,
        storage_class=config.storage_class,
        brokers=NodePoolSizing(
            replicas=config.kafka_broker_replicas, storage_gb=config.kafka_broker_storage_gb,
            heap=config.kafka_broker_heap, memory=config.kafka_broker_memory, cpu=config.kafka_broker_cpu,
        ),
        controllers=NodePoolSizing(
            replicas=CONTROLLER_REPLICAS, storage_gb=config.kafka_controller_storage_gb,
            heap=config.kafka_controller_heap, memory=_double_heap(config.kafka_controller_heap), cpu="1",
        ),
        rack_topology_key=config.kafka_rack_topology_key,
        connect_replicas=config.kafka_connect_replicas,
        connect_image=config.kafka_connect_image,
        aws_account_id=config.aws_account_id,
        oidc_issuer=oidc_issuer,
        monitoring_namespace=config.monitoring_namespace,
    )


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
