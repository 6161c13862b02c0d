"""The Strimzi `Kafka` cluster in KRaft mode: controller and broker node pools, TLS listener,
simple authorization, rack awareness, durability defaults and the Prometheus JMX exporter."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource

from components.kafka.custom_resources import PART_OF, strimzi_resource
from components.kafka.args import KafkaBackboneArgs, NodePoolSizing
from components.kafka.topics import MIN_INSYNC_REPLICAS, REPLICATION_FACTOR
from components.kafka.versions import KAFKA_METADATA_VERSION, KAFKA_VERSION
from components.pop.node_classes import KAFKA

ADMIN_USER = "dbaas-admin"
SUPER_USERS = [f"CN={ADMIN_USER}"]
"""Break-glass only. Strimzi adds its own operators' principals itself."""

METRICS_KEY = "kafka-metrics.yaml"
TLS_LISTENER = "tls"
KAFKA_NODES = KAFKA
"""Brokers and controllers run on the dedicated, tainted Kafka node group. Entity operator, Kafka
exporter and Connect stay on the system nodes (they tolerate no taint)."""


def broker_config() -> dict[str, object]:
    """Cluster-wide defaults: durable by default, no implicit topics, deny without an ACL."""
    return {
        "default.replication.factor": REPLICATION_FACTOR,
        "min.insync.replicas": MIN_INSYNC_REPLICAS,
        "unclean.leader.election.enable": False,
        "auto.create.topics.enable": False,
        "allow.everyone.if.no.acl.found": False,
        "offsets.topic.replication.factor": REPLICATION_FACTOR,
        "transaction.state.log.replication.factor": REPLICATION_FACTOR,
        "transaction.state.log.min.isr": MIN_INSYNC_REPLICAS,
        "replica.selector.class": "org.apache.kafka.common.replica.RackAwareReplicaSelector",
    }


def jmx_exporter_rules() -> dict:
    """Prometheus JMX exporter rules: broker, controller, request and log metrics with their labels."""
    return {
        "lowercaseOutputName": True,
        "lowercaseOutputLabelNames": True,
        "rules": [
            {
                "pattern": "kafka.server<type=(.+), name=(.+), clientId=(.+), topic=(.+), partition=(.*)><>Value",
                "name": "kafka_server_$1_$2",
                "type": "GAUGE",
                "labels": {"clientId": "$3", "topic": "$4", "partition": "$5"},
            },
            {
                "pattern": "kafka.server<type=(.+), name=(.+), topic=(.+)><>(Count|OneMinuteRate)",
                "name": "kafka_server_$1_$2_$4",
                "type": "GAUGE",
                "labels": {"topic": "$3"},
            },
            {"pattern": "kafka.server<type=(.+), name=(.+)><>(Count|Value)", "name": "kafka_server_$1_$2_$3", "type": "GAUGE"},
            {"pattern": "kafka.controller<type=(.+), name=(.+)><>(Count|Value)", "name": "kafka_controller_$1_$2_$3", "type": "GAUGE"},
            {
                "pattern": "kafka.network<type=RequestMetrics, name=(.+), request=(.+)><>(Count|99thPercentile)",
                "name": "kafka_network_requestmetrics_$1_$3",
                "type": "GAUGE",
                "labels": {"request": "$2"},
            },
            {
                "pattern": "kafka.log<type=Log, name=Size, topic=(.+), partition=(.*)><>Value",
                "name": "kafka_log_log_size",
                "type": "GAUGE",
                "labels": {"topic": "$1", "partition": "$2"},
            },
        ],
    }


def metrics_config(configmap: str) -> dict:
    return {"type": "jmxPrometheusExporter", "valueFrom": {"configMapKeyRef": {"name": configmap, "key": METRICS_KEY}}}


def node_pool_spec(role: str, sizing: NodePoolSizing, storage_class: str) -> dict:
    """One pool; controllers keep the KRaft metadata log on their single JBOD volume."""
    volume: dict = {"id": 0, "type": "persistent-claim", "size": f"{sizing.storage_gb}Gi",
                    "class": storage_class, "deleteClaim": False, "kraftMetadata": "shared"}
    return {
        "replicas": sizing.replicas,
        "roles": [role],
        "storage": {"type": "jbod", "volumes": [volume]},
        "jvmOptions": {"-Xms": sizing.heap, "-Xmx": sizing.heap},
        "resources": {
            "requests": {"cpu": sizing.cpu, "memory": sizing.memory},
            "limits": {"cpu": sizing.cpu, "memory": sizing.memory},
        },
        # Strimzi pod templates have no nodeSelector: the node class goes in as a required node affinity.
        "template": {"pod": KAFKA_NODES.affinity_fields()},
    }


def kafka_spec(args: KafkaBackboneArgs, metrics_configmap: str) -> dict:
    return {
        "kafka": {
            "version": KAFKA_VERSION,
            "metadataVersion": KAFKA_METADATA_VERSION,
            "listeners": [
                {"name": TLS_LISTENER, "port": args.bootstrap_port, "type": "internal", "tls": True,
                 "authentication": {"type": "tls"}},
            ],
            "authorization": {"type": "simple", "superUsers": SUPER_USERS},
            "config": broker_config(),
            "rack": {"topologyKey": args.rack_topology_key},
            "metricsConfig": metrics_config(metrics_configmap),
        },
        "entityOperator": {"topicOperator": {}, "userOperator": {}},
        "kafkaExporter": {"topicRegex": ".*", "groupRegex": ".*"},
    }


def create_kafka(args: KafkaBackboneArgs, opts: pulumi.ResourceOptions) -> CustomResource:
    """Metrics ConfigMap, the two node pools and the Kafka itself (KRaft, node pools enabled)."""
    metrics_name = f"{args.cluster_name}-kafka-metrics"
    metrics = k8s.core.v1.ConfigMap(
        "kafka-metrics-config",
        metadata={"name": metrics_name, "namespace": args.namespace, "labels": PART_OF},
        data={METRICS_KEY: json.dumps(jmx_exporter_rules(), indent=2, sort_keys=True)},
        opts=opts,
    )
    on_metrics = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[metrics]))
    for role, sizing, pool in (("controller", args.controllers, "controllers"), ("broker", args.brokers, "brokers")):
        strimzi_resource(
            f"kafka-pool-{pool}", "KafkaNodePool", pool, args.namespace,
            node_pool_spec(role, sizing, args.storage_class), opts, cluster=args.cluster_name,
        )
    return strimzi_resource(
        "kafka-cluster", "Kafka", args.cluster_name, args.namespace, kafka_spec(args, metrics_name), on_metrics,
        annotations={"strimzi.io/kraft": "enabled", "strimzi.io/node-pools": "enabled"},
    )
