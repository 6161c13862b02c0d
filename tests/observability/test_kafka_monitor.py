"""The regional Kafka PodMonitor: it scrapes what the backbone really exposes, where Prometheus
can discover it, and the tenants' under-replicated-partitions alert uses a series it collects."""

from __future__ import annotations

import promql_parser
import pytest

from components.observability.kafka_telemetry import kafka_pod_monitor_spec
from components.observability.metrics_values import kube_prometheus_stack_values
from components.observability.platform_alerts import kafka_alert_group
from components.observability.args import AlertRouting, Retention
from tools.kubernetes.validation import validate_object
from tests.observability.helpers import custom, selectors

EXPECTED_SPEC = {
    "selector": {"matchLabels": {"strimzi.io/cluster": "events", "strimzi.io/kind": "Kafka"}},
    "namespaceSelector": {"matchNames": ["kafka"]},
    "podMetricsEndpoints": [{
        "port": "tcp-prometheus", "path": "/metrics", "scheme": "http",
        "relabelings": [{"action": "labelmap", "regex": "__meta_kubernetes_pod_label_(strimzi_io_.+)",
                         "replacement": "$1"}],
    }],
}


def _kafka_monitor(plan):
    found = [m for m in custom(plan, "PodMonitor") if m.name.endswith("-kafka-monitor")]
    assert len(found) == 1, [m.name for m in found]
    return found[0]


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_one_kafka_pod_monitor_per_region_in_the_kafka_namespace(stack, request):
    plan = request.getfixturevalue(f"{stack}_plan")
    monitor = _kafka_monitor(plan)
    assert monitor.name == f"observability-{stack}-kafka-monitor"
    assert monitor.inputs["metadata"]["namespace"] == "kafka"
    assert monitor.inputs["metadata"]["name"] == "kafka"
    assert monitor.inputs["metadata"]["labels"]["dbaas.io/monitoring"] == "platform"  # Prometheus' selector
    assert monitor.inputs["spec"] == EXPECTED_SPEC
    assert validate_object(monitor.inputs) == []
    kps = next(r for r in plan.registrations if r.type == "kubernetes:helm.sh/v3:Release"
               and r.inputs["name"] == "kps")
    assert kps.urn in monitor.dependencies  # the PodMonitor CRD


def test_strict_schema_rejects_a_misspelt_endpoint_field():
    spec = kafka_pod_monitor_spec("kafka", "events")
    spec["podMetricsEndpoints"][0]["prot"] = spec["podMetricsEndpoints"][0].pop("port")
    bad = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
           "metadata": {"name": "kafka", "namespace": "kafka"}, "spec": spec}
    assert validate_object(bad) != []


def test_monitor_lives_where_prometheus_discovers_it():
    """Prometheus ignores monitors' namespaceSelectors, so the monitor must sit in the namespace it
    scrapes; it is not excluded from enforcement, so its series get namespace=kafka."""
    routing = AlertRouting(default_webhook_url="https://a.example.com", critical_webhook_url="https://b.example.com")
    spec = kube_prometheus_stack_values("monitoring", "p", "r", 30, Retention(), routing)["prometheus"]["prometheusSpec"]
    assert spec["ignoreNamespaceSelectors"] is True and spec["enforcedNamespaceLabel"] == "namespace"
    assert {e["namespace"] for e in spec["excludedFromEnforcement"]} == {"monitoring"}
    assert spec["podMonitorSelector"] == {"matchLabels": {"dbaas.io/monitoring": "platform"}}


@pytest.mark.parametrize("stack", ["lagos", "frankfurt"])
def test_backbone_deploys_the_exporters_the_monitor_scrapes(stack, request):
    plan = request.getfixturevalue(f"{stack}_plan")
    (kafka,) = [r.inputs for r in plan.registrations if r.type == "kubernetes:kafka.strimzi.io/v1beta2:Kafka"]
    assert (kafka["metadata"]["namespace"], kafka["metadata"]["name"]) == ("kafka", "events")
    assert kafka["spec"]["kafka"]["metricsConfig"]["type"] == "jmxPrometheusExporter"  # brokers and controllers
    assert kafka["spec"]["kafkaExporter"]["topicRegex"] == ".*"  # every topic, so every tenant's topics
    # The namespace opens exactly the port the monitor names (tcp-prometheus is 9404) to monitoring.
    (policy,) = [r.inputs["spec"] for r in plan.registrations
                 if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy"
                 and r.inputs["metadata"] == {**r.inputs["metadata"], "namespace": "kafka",
                                              "name": "allow-metrics-from-monitoring"}]
    assert policy["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 9404}]


def test_under_replicated_alert_uses_kafka_exporter_series_in_the_kafka_namespace():
    (rule,) = kafka_alert_group("acme", "kafka")["rules"]
    (sel,) = selectors(rule["expr"])
    assert sel["namespace"] == ("MatchOp.Equal", "kafka")
    comparison = promql_parser.parse(rule["expr"])
    assert (str(comparison.rhs), str(comparison.lhs.modifier)) == ("0", "by (topic)")
    # Kafka Exporter's per-partition gauge (topic label), not the JMX exporter's broker-wide count.
    assert comparison.lhs.expr.name == "kafka_topic_partition_under_replicated_partition"
