"""Per-tenant topics, retention, users and quotas in the shipped plans."""

from __future__ import annotations

import pytest

from components.kafka.topics import DAY_MS
from declarations.plans import PLANS, PlanName
from tests.conftest import resources
from tests.kafka.helpers import named

RETENTION_MS = {"audit": 90 * DAY_MS, "metrics": 3 * DAY_MS, "alerts": 30 * DAY_MS}


def test_retention_classes(lagos_plan):
    for kind, ms in RETENTION_MS.items():
        spec = named(lagos_plan, "KafkaTopic", f"dbaas.{kind}.acme").inputs["spec"]
        assert spec["topicName"] == f"dbaas.{kind}.acme"
        assert spec["config"]["retention.ms"] == ms
        assert (spec["replicas"], spec["config"]["min.insync.replicas"]) == (3, 2)
    cdc = named(lagos_plan, "KafkaTopic", "dbaas.cdc.yugabyte.acme.orders").inputs["spec"]
    assert cdc["config"]["retention.ms"] == 7 * 24 * 60 * 60 * 1000 == 604_800_000
    assert RETENTION_MS == {"audit": 7_776_000_000, "metrics": 259_200_000, "alerts": 2_592_000_000}


def test_tenant_kafka_resources_are_attributed_to_the_tenant(lagos_plan):
    owned = {r.inputs["metadata"]["name"] for r in resources(lagos_plan, "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic", "kudi-pay")}
    assert owned == {"dbaas.audit.kudi-pay", "dbaas.metrics.kudi-pay", "dbaas.alerts.kudi-pay",
                     "dbaas.cdc.vitess.kudi-pay.ledger", "dbaas.cdc.mongodb.kudi-pay.wallets"}
    assert all(r.inputs["metadata"]["namespace"] == "kafka"
               for r in resources(lagos_plan, "kubernetes:kafka.strimzi.io/v1beta2:KafkaUser", "kudi-pay"))


@pytest.mark.parametrize("tenant, plan", [("acme", "standard"), ("kudi-pay", "enterprise"), ("naija-stream", "starter")])
def test_quotas_per_plan(lagos_plan, tenant, plan):
    quotas = named(lagos_plan, "KafkaUser", f"tenant-{tenant}").inputs["spec"]["quotas"]
    expected = {
        "starter": {"producerByteRate": 1_048_576, "consumerByteRate": 2_097_152, "requestPercentage": 10},
        "standard": {"producerByteRate": 10_485_760, "consumerByteRate": 20_971_520, "requestPercentage": 25},
        "enterprise": {"producerByteRate": 52_428_800, "consumerByteRate": 104_857_600, "requestPercentage": 50},
    }[plan]
    assert quotas == expected
    catalog = PLANS[PlanName(plan)].kafka_quota
    assert quotas["producerByteRate"] == catalog.producer_byte_rate


def test_tenant_user_acls_are_exact(lagos_plan):
    spec = named(lagos_plan, "KafkaUser", "tenant-acme").inputs["spec"]
    assert spec["authentication"] == {"type": "tls"}
    acls = [(a["resource"]["type"], a["resource"]["name"], a["resource"]["patternType"], a["operations"])
            for a in spec["authorization"]["acls"]]
    assert acls == [
        ("topic", "dbaas.audit.acme", "literal", ["Read", "Describe"]),
        ("topic", "dbaas.metrics.acme", "literal", ["Read", "Write", "Describe"]),
        ("topic", "dbaas.alerts.acme", "literal", ["Read", "Write", "Describe"]),
        ("topic", "dbaas.cdc.yugabyte.acme.orders", "literal", ["Read", "Describe"]),
        ("group", "dbaas.tenant.acme.", "prefix", ["Read", "Describe"]),
    ]


def test_audit_archive_writes_to_tenant_bucket_with_tenant_key(frankfurt_plan):
    archive = named(frankfurt_plan, "KafkaConnector", "audit-archive.bergbahn").inputs
    config = archive["spec"]["config"]
    key = [r for r in resources(frankfurt_plan, "aws:kms/key:Key", "bergbahn")]
    bucket = [r for r in resources(frankfurt_plan, "aws:s3/bucket:Bucket", "bergbahn")]
    assert len(key) == 1 and len(bucket) == 1
    assert archive["spec"]["class"] == "io.confluent.connect.s3.S3SinkConnector"
    assert archive["metadata"]["labels"]["strimzi.io/cluster"] == "dbaas-connect"
    assert config["topics"] == "dbaas.audit.bergbahn"
    assert config["s3.bucket.name"] == bucket[0].inputs["bucket"]
    assert config["s3.ssea.name"] == "aws:kms"
    assert config["s3.sse.kms.key.id"].startswith("arn:aws:kms:eu-central-1:444455556666:key/")
    assert config["sts.role.arn"] == "arn:aws:iam::444455556666:role/dbaas-tenant-bergbahn"
    assert config["sts.role.external.id"] == "bergbahn"
