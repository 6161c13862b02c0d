"""Kafka event backbone: the regional Strimzi cluster and each tenant's topics, user and CDC."""

from components.kafka.args import KafkaBackboneArgs, NodePoolSizing, TenantStreamsArgs
from components.kafka.backbone import EventBackbone
from components.kafka.tenant_streams import TenantStreams

__all__ = ["EventBackbone", "KafkaBackboneArgs", "NodePoolSizing", "TenantStreams", "TenantStreamsArgs"]
