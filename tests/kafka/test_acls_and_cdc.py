"""ACL isolation over generated tenant ids, CDC connector classes/topics per engine, no clear-text secrets."""

from __future__ import annotations

import json

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from components.kafka.acls import tenant_acl_rules
from components.kafka.cdc_sources import ConnectorCapture, Mechanism, OutboundCapture, cdc_capture
from declarations.engine_catalog import SUPPORTED_VERSIONS, EngineName
from declarations.naming import KAFKA_TENANT_TOPIC_KINDS, kafka_cdc_topic, kafka_group_prefix, kafka_tenant_topic
from declarations.tenant_model import Service, Tenant
from tests.kafka.helpers import kafka_registrations

tenant_ids = st.from_regex(r"[a-z0-9][-a-z0-9]{1,38}[a-z0-9]", fullmatch=True)
service_names = st.from_regex(r"[a-z][-a-z0-9]{0,10}[a-z0-9]", fullmatch=True)


def tenant(tenant_id: str, service: str) -> Tenant:
    return Tenant.model_validate({
        "id": tenant_id, "name": "t", "org": "org", "plan": "standard", "data_region": "lagos", "owners": ["ops"],
        "data_classes": ["operational"],
        "services": [{"name": service, "engine": "mongodb", "version": "7.0", "topology": "single", "replicas": 1,
                      "storage_gb": 10, "cdc": True}],
    })


def resources_of(t: Tenant, group_suffix: str) -> list[tuple[str, str]]:
    topics = [kafka_tenant_topic(k, t.id) for k in KAFKA_TENANT_TOPIC_KINDS]
    topics += [kafka_cdc_topic(e.value, t.id, s.name) for s in t.services for e in EngineName]
    return [("topic", name) for name in topics] + [("group", kafka_group_prefix(t.id) + group_suffix)]


@settings(max_examples=300, deadline=None)
@given(a=tenant_ids, b=tenant_ids, svc_a=service_names, svc_b=service_names, suffix=st.text("abc.-_", max_size=8))
@example(a="acme", b="acme2", svc_a="orders", svc_b="orders", suffix="")
@example(a="acme", b="acme-x", svc_a="orders", svc_b="orders", suffix="x")
@example(a="acme-x", b="acme", svc_a="x", svc_b="acme", suffix="")
def test_no_tenant_pattern_matches_another_tenants_topics_or_groups(a, b, svc_a, svc_b, suffix):
    assume(a != b)
    owner, other = tenant(a, svc_a), tenant(b, svc_b)
    rules = tenant_acl_rules(owner)
    leaks = [(r.name, kind, name) for r in rules for kind, name in resources_of(other, suffix) if r.matches(kind, name)]
    assert leaks == []
    # The rules are not vacuous: they do reach the owner's own topics and groups.
    own = {name for kind, name in resources_of(owner, suffix) if any(r.matches(kind, name) for r in rules)}
    assert kafka_cdc_topic("mongodb", a, svc_a) in own and kafka_group_prefix(a) + suffix in own


@given(a=tenant_ids, svc=service_names)
def test_no_cluster_operations_and_allow_only(a, svc):
    for rule in tenant_acl_rules(tenant(a, svc)):
        assert rule.resource_type in ("topic", "group")
        assert rule.to_strimzi()["type"] == "allow"
        assert rule.name != "*"
        assert rule.pattern == "literal" or rule.name.endswith(".")


EXPECTED_CDC = {
    (EngineName.yugabyte, "2.20"): ("io.debezium.connector.yugabytedb.YugabyteDBgRPCConnector", Mechanism.vendor_debezium),
    (EngineName.yugabyte, "2024.2"): ("io.debezium.connector.postgresql.YugabyteDBConnector", Mechanism.vendor_debezium),
    (EngineName.vitess, "24.0"): ("io.debezium.connector.vitess.VitessConnector", Mechanism.debezium),
    (EngineName.mongodb, "7.0"): ("io.debezium.connector.mongodb.MongoDbConnector", Mechanism.debezium),
    (EngineName.scylla, "6.2"): ("com.scylladb.cdc.debezium.connector.ScyllaConnector", Mechanism.vendor_debezium),
    (EngineName.dragonfly, "1.25"): ("com.redis.kafka.connect.RedisStreamSourceConnector", Mechanism.redis_streams),
    (EngineName.aerospike, "7.2"): (None, Mechanism.xdr_outbound),
}


def test_connector_class_and_topic_for_each_engine():
    assert {engine for engine, _ in EXPECTED_CDC} == set(EngineName)
    for (engine, version), (connector_class, mechanism) in EXPECTED_CDC.items():
        assert version in SUPPORTED_VERSIONS[engine]
        service = Service(name="svc", engine=engine, version=version, topology="single", replicas=1, storage_gb=10, cdc=True)
        capture = cdc_capture("acme", service)
        assert capture.topic == f"dbaas.cdc.{engine.value}.acme.svc"
        assert capture.mechanism is mechanism
        if connector_class is None:
            assert isinstance(capture, OutboundCapture)
            continue
        assert isinstance(capture, ConnectorCapture)
        assert capture.connector_class == connector_class
        config = capture.config
        if engine is EngineName.dragonfly:
            assert config["topic"] == capture.topic
        else:
            assert config["transforms.route.topic.replacement"] == capture.topic
            assert config["transforms.route.topic.regex"] == r"dbaas\.cdc\." + engine.value + r"\.acme\.svc\..+"
        secret_values = [v for k, v in config.items() if "password" in k or "user" in k or "connection" in k]
        assert secret_values and all("${secrets:t-acme/svc-" in str(v) for v in secret_values)


def test_shipped_cdc_connectors(lagos_plan, frankfurt_plan):
    found = {}
    for plan in (lagos_plan, frankfurt_plan):
        for reg in kafka_registrations(plan):
            if reg.type.endswith(":KafkaConnector") and reg.inputs["metadata"]["name"].startswith("cdc."):
                spec = reg.inputs["spec"]
                found[reg.inputs["metadata"]["name"]] = (spec["class"], spec["config"].get("topic.prefix"))
    assert found == {
        "cdc.acme.orders": ("io.debezium.connector.yugabytedb.YugabyteDBgRPCConnector", "dbaas.cdc.yugabyte.acme.orders"),
        "cdc.kudi-pay.ledger": ("io.debezium.connector.vitess.VitessConnector", "dbaas.cdc.vitess.kudi-pay.ledger"),
        "cdc.kudi-pay.wallets": ("io.debezium.connector.mongodb.MongoDbConnector", "dbaas.cdc.mongodb.kudi-pay.wallets"),
        "cdc.hanse-ledger.accounts": ("io.debezium.connector.postgresql.YugabyteDBConnector",
                                      "dbaas.cdc.yugabyte.hanse-ledger.accounts"),
    }


def test_aerospike_cdc_runs_the_vendor_outbound_connector(frankfurt_plan):
    deployments = [r for r in kafka_registrations(frankfurt_plan) if r.type == "kubernetes:apps/v1:Deployment"
                   and r.inputs["metadata"]["name"].startswith("xdr-bergbahn-tracking-")]
    assert len(deployments) == 1
    config = [r for r in kafka_registrations(frankfurt_plan) if r.type == "kubernetes:core/v1:ConfigMap"
              and r.inputs["metadata"]["name"] == deployments[0].inputs["metadata"]["name"]][0]
    text = config.inputs["data"]["aerospike-kafka-outbound.yml"]
    assert "destination: dbaas.cdc.aerospike.bergbahn.tracking" in text
    assert "ssl.keystore.password: ${dir:/etc/dbaas/kafka-user:user.password}" in text


def test_connect_reads_only_the_named_credentials_secrets(lagos_plan):
    roles = [r for r in kafka_registrations(lagos_plan) if r.type == "kubernetes:rbac.authorization.k8s.io/v1:Role"]
    rules = {r.inputs["metadata"]["namespace"]: r.inputs["rules"] for r in roles}
    assert rules == {
        "t-acme": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"],
                    "resourceNames": ["orders-yugabyte-credentials"]}],
        "t-kudi-pay": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"],
                        "resourceNames": ["ledger-vitess-credentials", "wallets-mongodb-credentials"]}],
    }


def test_no_clear_text_credentials_in_kafka_plan(lagos_plan, frankfurt_plan):
    for plan in (lagos_plan, frankfurt_plan):
        text = json.dumps([r.inputs for r in kafka_registrations(plan)])
        assert "offline-" not in text  # generated passwords of the mock runtime never flow into Kafka objects
        for reg in kafka_registrations(plan):
            config = (reg.inputs.get("spec") or {}).get("config") or {}
            for key, value in config.items() if isinstance(config, dict) else ():
                if "password" in key:
                    assert str(value).startswith(("${secrets:", "${dir:")), (reg.urn, key)
