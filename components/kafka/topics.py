"""Topic durability and retention classes, as pure data the cluster, tenants and tests share.

Brokers default to the same durability, but every KafkaTopic states it explicitly, so a topic's
guarantees are readable from its own object and survive a change of broker defaults.
"""

from __future__ import annotations

from enum import Enum

REPLICATION_FACTOR = 3
MIN_INSYNC_REPLICAS = 2
DAY_MS = 24 * 60 * 60 * 1000


class RetentionClass(str, Enum):
    """How long a kind of event stays on the brokers."""

    cdc = "cdc"
    audit = "audit"
    metrics = "metrics"
    alerts = "alerts"


RETENTION_DAYS: dict[RetentionClass, int] = {
    RetentionClass.cdc: 7,
    RetentionClass.audit: 90,
    RetentionClass.metrics: 3,
    RetentionClass.alerts: 30,
}

PARTITIONS: dict[RetentionClass, int] = {
    RetentionClass.cdc: 6,
    RetentionClass.audit: 3,
    RetentionClass.metrics: 6,
    RetentionClass.alerts: 1,
}
"""Alerts keep one partition so a consumer sees them in order."""


def durability_config() -> dict[str, object]:
    """Topic-level settings every topic carries, whatever its retention."""
    return {"min.insync.replicas": MIN_INSYNC_REPLICAS, "unclean.leader.election.enable": False}


def retained_topic_spec(topic_name: str, retention: RetentionClass) -> dict:
    """KafkaTopic `spec` of a time-retained event topic."""
    return {
        "topicName": topic_name,
        "partitions": PARTITIONS[retention],
        "replicas": REPLICATION_FACTOR,
        "config": {
            **durability_config(),
            "cleanup.policy": "delete",
            "retention.ms": RETENTION_DAYS[retention] * DAY_MS,
        },
    }


def compacted_topic_spec(topic_name: str, partitions: int = 1) -> dict:
    """KafkaTopic `spec` of a compacted state topic (Connect's configs, offsets and status)."""
    return {
        "topicName": topic_name,
        "partitions": partitions,
        "replicas": REPLICATION_FACTOR,
        "config": {**durability_config(), "cleanup.policy": "compact"},
    }


def journal_topic_spec(topic_name: str) -> dict:
    """KafkaTopic `spec` of a topic kept forever (the schema registry's journal)."""
    return {
        "topicName": topic_name,
        "partitions": 1,
        "replicas": REPLICATION_FACTOR,
        "config": {**durability_config(), "cleanup.policy": "delete", "retention.ms": -1},
    }
