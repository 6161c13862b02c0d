"""Brokers and controllers run on the tainted Kafka node group; Connect stays on the system nodes.

Expected values are written out here: label `dbaas.io/workload=kafka`, taint
`dbaas.io/workload=kafka:NoSchedule`, system label `dbaas.io/workload=system` (no taint).
"""

from __future__ import annotations

import pytest

from tools.kubernetes.validation import validate_object
from tests.kafka.helpers import named, strimzi


def required(value: str) -> dict:
    return {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "dbaas.io/workload", "operator": "In", "values": [value]}]}]}}


KAFKA_POD_TEMPLATE = {
    "affinity": {"nodeAffinity": required("kafka")},
    "tolerations": [{"key": "dbaas.io/workload", "operator": "Equal", "value": "kafka", "effect": "NoSchedule"}],
}
SYSTEM_AFFINITY = {"nodeAffinity": required("system")}


@pytest.fixture(params=["lagos", "frankfurt"])
def plan(request, lagos_plan, frankfurt_plan):
    return {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[request.param]


def test_both_node_pools_on_kafka_nodes(plan):
    pools = {r.inputs["metadata"]["name"]: r for r in strimzi(plan, "KafkaNodePool")}
    assert set(pools) == {"controllers", "brokers"}
    for name, pool in pools.items():
        assert pool.inputs["spec"]["template"] == {"pod": KAFKA_POD_TEMPLATE}, name
        assert validate_object(pool.inputs) == [], name


def test_only_node_pools_tolerate_the_kafka_taint(plan):
    """The Kafka CR's own pods (entity operator, Kafka exporter) and Connect do not tolerate it."""
    kafka = named(plan, "Kafka", "events").inputs["spec"]
    assert "template" not in kafka["entityOperator"] and "template" not in kafka["kafkaExporter"]
    assert "template" not in kafka["kafka"]  # per-pool templates are the only ones, so nothing overrides them


def test_connect_stays_on_system_nodes(plan):
    connect = named(plan, "KafkaConnect", "dbaas-connect").inputs
    template = connect["spec"]["template"]
    assert template["pod"] == {"affinity": SYSTEM_AFFINITY}
    assert template["buildPod"] == {"affinity": SYSTEM_AFFINITY}
    assert "tolerations" not in template["pod"] and "tolerations" not in template["buildPod"]
    assert validate_object(connect) == []
