"""The regional cluster: durability, KRaft pools, security, pinned versions, schema validity."""

from __future__ import annotations

import pytest

from components.kafka import versions
from tools.kubernetes.validation import validate_object
from tests.conftest import one
from tests.kafka.helpers import kafka_registrations, named, strimzi


@pytest.fixture(params=["lagos", "frankfurt"])
def plan(request, lagos_plan, frankfurt_plan):
    return {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[request.param]


def test_every_kafka_object_validates_strictly(plan):
    objects = [r for r in kafka_registrations(plan) if r.custom and r.type.startswith("kubernetes:")
               and r.type != "kubernetes:helm.sh/v3:Release"]
    kinds = {r.inputs["kind"] for r in objects}
    assert {"Kafka", "KafkaNodePool", "KafkaConnect", "KafkaConnector", "KafkaTopic", "KafkaUser",
            "Deployment", "Service", "ConfigMap", "Namespace", "Role", "RoleBinding"} <= kinds
    problems = {r.urn: validate_object(r.inputs) for r in objects}
    assert {urn: p for urn, p in problems.items() if p} == {}


def test_durability_and_topic_creation(plan):
    config = named(plan, "Kafka", "events").inputs["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3
    assert config["min.insync.replicas"] == 2
    assert config["unclean.leader.election.enable"] is False
    assert config["auto.create.topics.enable"] is False
    assert config["allow.everyone.if.no.acl.found"] is False
    assert config["offsets.topic.replication.factor"] == 3
    assert config["transaction.state.log.min.isr"] == 2


def test_kraft_node_pools_sized_from_stack_config(plan):
    kafka = named(plan, "Kafka", "events").inputs
    assert kafka["metadata"]["annotations"] == {"strimzi.io/kraft": "enabled", "strimzi.io/node-pools": "enabled"}
    assert kafka["spec"]["kafka"]["version"] == "4.0.0"
    controllers = named(plan, "KafkaNodePool", "controllers").inputs["spec"]
    brokers = named(plan, "KafkaNodePool", "brokers").inputs["spec"]
    assert (controllers["roles"], controllers["replicas"]) == (["controller"], 3)
    assert (brokers["roles"], brokers["replicas"]) == (["broker"], 5)
    assert brokers["jvmOptions"] == {"-Xms": "4g", "-Xmx": "4g"}
    assert brokers["resources"]["limits"] == {"cpu": "2", "memory": "8Gi"}
    assert controllers["jvmOptions"] == {"-Xms": "1g", "-Xmx": "1g"}
    assert brokers["storage"]["volumes"][0]["size"] == "500Gi"
    assert brokers["storage"]["volumes"][0]["deleteClaim"] is False
    assert named(plan, "KafkaNodePool", "brokers").inputs["metadata"]["labels"]["strimzi.io/cluster"] == "events"


def test_storage_class_follows_the_region(lagos_plan, frankfurt_plan):
    volume = lambda p: named(p, "KafkaNodePool", "brokers").inputs["spec"]["storage"]["volumes"][0]["class"]  # noqa: E731
    assert (volume(lagos_plan), volume(frankfurt_plan)) == ("dbaas-nvme-retained", "dbaas-gp3-retained")


def test_tls_listener_simple_authorization_minimal_super_users(plan):
    spec = named(plan, "Kafka", "events").inputs["spec"]["kafka"]
    assert spec["listeners"] == [
        {"name": "tls", "port": 9093, "type": "internal", "tls": True, "authentication": {"type": "tls"}}
    ]
    assert spec["authorization"] == {"type": "simple", "superUsers": ["CN=dbaas-admin"]}
    assert spec["rack"] == {"topologyKey": "topology.kubernetes.io/zone"}
    assert spec["metricsConfig"]["type"] == "jmxPrometheusExporter"
    assert spec["metricsConfig"]["valueFrom"]["configMapKeyRef"]["name"] == "events-kafka-metrics"


def test_operator_chart_is_pinned(plan):
    release = one(plan, "kubernetes:helm.sh/v3:Release", name="kafka-strimzi-operator").inputs
    assert (release["chart"], release["version"]) == ("strimzi-kafka-operator", "0.47.0")
    assert release["repositoryOpts"] == {"repo": "https://strimzi.io/charts/"}
    assert release["namespace"] == "kafka"


def test_connect_builds_pinned_plugins_and_reads_secrets_through_providers(plan):
    spec = named(plan, "KafkaConnect", "dbaas-connect").inputs["spec"]
    assert named(plan, "KafkaConnect", "dbaas-connect").inputs["metadata"]["annotations"] == {
        "strimzi.io/use-connector-resources": "true"}
    urls = [a.get("url") or f"{a['group']}:{a['artifact']}:{a['version']}"
            for p in spec["build"]["plugins"] for a in p["artifacts"]]
    assert f"{versions.MAVEN_CENTRAL}/io/debezium/debezium-connector-vitess/3.1.0.Final/debezium-connector-vitess-3.1.0.Final-plugin.tar.gz" in urls
    assert "io.confluent:kafka-connect-s3:10.5.17" in urls
    assert all("latest" not in u and "SNAPSHOT" not in u for u in urls)
    config = spec["config"]
    assert config["config.providers.secrets.class"] == "io.strimzi.kafka.KubernetesSecretConfigProvider"
    assert config["topic.creation.enable"] is False
    assert config["value.converter"] == "io.apicurio.registry.utils.converter.AvroConverter"
    assert config["value.converter.apicurio.registry.url"] == (
        "http://dbaas-schema-registry.kafka.svc:8080/apis/registry/v2")
    assert spec["authentication"]["type"] == "tls"
    assert spec["bootstrapServers"] == "events-kafka-bootstrap.kafka.svc:9093"


def test_platform_topics_are_durable(plan):
    for reg in strimzi(plan, "KafkaTopic"):
        spec = reg.inputs["spec"]
        assert spec["replicas"] == 3, reg.name
        assert spec["config"]["min.insync.replicas"] == 2, reg.name
