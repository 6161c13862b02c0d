"""Translate the region's stack config and tenant environments into the Kafka components' typed args."""

from __future__ import annotations

import pulumi

from components.kafka.backbone import EventBackbone
from components.kafka.settings import CONTROLLER_REPLICAS, KafkaBackboneArgs, NodePoolSizing
from components.kafka.tenant_streams import TenantStreamsArgs
from components.tenant import TenantEnvironment
from dbaas.stack_config import StackConfig
from dbaas.tenant_model import Tenant

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


def tenant_streams_args(tenant: Tenant, env: TenantEnvironment, backbone: EventBackbone, aws_region: str) -> TenantStreamsArgs:
    """A tenant's streams: where the region's Kafka is, and the tenant's own bucket, key and role."""
    return TenantStreamsArgs(
        tenant=tenant,
        kafka_namespace=backbone.namespace,
        cluster_name=backbone.cluster_name,
        bootstrap=backbone.bootstrap,
        cluster_ca_secret=backbone.cluster_ca_secret,
        connect_name=backbone.connect_name,
        connect_service_account=backbone.connect_service_account,
        aws_region=aws_region,
        bucket_name=env.bucket.bucket,
        key_arn=env.key.arn,
        role_arn=env.role.arn,
    )
