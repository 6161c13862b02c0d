"""Kafka event backbone: the regional Strimzi cluster and each tenant's topics, user and CDC."""

from components.kafka.backbone import EventBackbone
from components.kafka.settings import KafkaBackboneArgs, NodePoolSizing
from components.kafka.tenant_streams import TenantStreams, TenantStreamsArgs

__all__ = ["EventBackbone", "KafkaBackboneArgs", "NodePoolSizing", "TenantStreams", "TenantStreamsArgs"]
