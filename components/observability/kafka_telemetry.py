"""How the region's Kafka is scraped, and which of its series the platform alerts on: the one
place to change when the backbone's exporters change (like engine_telemetry.py for the engines).

The backbone (components/kafka) runs Strimzi's JMX Prometheus exporter in every broker and
controller (`metricsConfig`) and Kafka Exporter (`kafkaExporter`); all of them serve `/metrics` on
the named port `tcp-prometheus` (9404), which the Kafka namespace opens to monitoring.

The PodMonitor lives in the Kafka namespace, not in monitoring: Prometheus runs with
`ignoreNamespaceSelectors`, so a monitor only discovers pods of its own namespace, and
`enforcedNamespaceLabel` stamps its series with `namespace=<kafka namespace>`, which is what the
tenants' Kafka rules (platform_alerts.kafka_alert_group, also in that namespace) select on.
"""

from __future__ import annotations

from components.kafka.network_policies import STRIMZI_METRICS_PORT_NAME, broker_pods

MONITOR_NAME = "kafka"
METRICS_PATH = "/metrics"
UNDER_REPLICATED_PARTITIONS = "kafka_topic_partition_under_replicated_partition"
"""Kafka Exporter's per-topic, per-partition gauge (1 while the partition is under-replicated).
The JMX exporter's broker-wide `UnderReplicatedPartitions` has no topic label, so it cannot tell
one tenant's topics from another's (and the backbone's JMX rules name it
`kafka_server_replicamanager_underreplicatedpartitions_value`)."""


def kafka_pod_monitor_spec(kafka_namespace: str, cluster_name: str) -> dict:
    """Brokers, controllers and Kafka Exporter of one Strimzi cluster: its pods labelled
    `strimzi.io/kind=Kafka` (as the Kafka namespace's policies select the brokers) that have a
    `tcp-prometheus` port. Strimzi's pod labels (pool, roles, component type) are kept on the series."""
    return {
        "selector": broker_pods(cluster_name),
        "namespaceSelector": {"matchNames": [kafka_namespace]},
        "podMetricsEndpoints": [{
            "port": STRIMZI_METRICS_PORT_NAME, "path": METRICS_PATH, "scheme": "http",
            "relabelings": [{"action": "labelmap", "regex": "__meta_kubernetes_pod_label_(strimzi_io_.+)",
                             "replacement": "$1"}],
        }],
    }
