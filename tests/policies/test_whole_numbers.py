"""Every numeric comparison of the rules is indifferent to 3 versus 3.0 (the engine sends every
number as a protobuf double), and a fraction where a count is required is a violation that says so.

The int/double equivalence is a property of the rule functions (over the wire both are 3.0), so it
is checked on the rules directly; the fractions go through the analyzer protocol."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from tools.policy.runner import PackConfig, RuleSettings
from policies.rules.catalog import RULES_BY_NAME
from policies.rules.model import Resource, RuleContext, StackView, TenantFacts, at_least, shown, whole_number
from pulumi_policy import EnforcementLevel
from tests.policies.mutations import fixture_plan, registration, violations

BANK = TenantFacts(id="bank", data_region="lagos", deletion_protection=False, owners=("bank-admins",), plan="enterprise")
TOPIC = "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic"
KEY = "aws:kms/key:Key"


def test_whole_number_and_its_messages():
    assert [whole_number(v) for v in (3, 3.0, -2.0, 2.5, True, "3", None)] == [3, 3, -2, None, None, None, None]
    assert [shown(v) for v in (3.0, 2.5, None)] == ["3", "2.5", "None"]
    assert at_least("x", 3.0, 3) is None
    assert at_least("x", 2.0, 3) == "x is 2, must be at least 3"
    assert at_least("x", 2.5, 2) == "x is 2.5, must be a whole number of at least 2"


# --- Resource rules: (rule, props builder for a count) ---

def _topic(replicas: Any = 3, insync: Any = 2) -> dict:
    return {"metadata": {"name": "t", "namespace": "kafka"},
            "spec": {"replicas": replicas, "config": {"min.insync.replicas": insync}}}


RESOURCE_CASES: dict[str, tuple[str, str, Callable[[Any], dict], int, str]] = {
    # case: (rule, type, props for value, passing value, message for 2.5)
    "kafka replicas": ("kafka-topic-durability", TOPIC, lambda v: _topic(replicas=v), 3,
                       "spec.replicas is 2.5, must be a whole number of at least 3"),
    "kafka min.insync.replicas": ("kafka-topic-durability", TOPIC, lambda v: _topic(insync=v), 2,
                                  "spec.config['min.insync.replicas'] is 2.5, must be a whole number of at least 2"),
    "kms deletion window": ("aws-kms-deletion-window", KEY, lambda v: {"deletionWindowInDays": v, "enableKeyRotation": True},
                            30, None),
}


def _resource_check(rule: str, type_: str, props: dict) -> list[str]:
    ctx = RuleContext(config=RULES_BY_NAME[rule].config_defaults(), tenants={})
    return list(RULES_BY_NAME[rule].check_resource(Resource("urn:x", type_, "x", props), ctx))


@pytest.mark.parametrize("case", sorted(RESOURCE_CASES))
def test_resource_rules_treat_a_whole_double_as_its_integer(case):
    rule, type_, props, good, _ = RESOURCE_CASES[case]
    assert _resource_check(rule, type_, props(good)) == _resource_check(rule, type_, props(float(good))) == []
    bad = good - 1
    failing = _resource_check(rule, type_, props(bad))
    assert failing and failing == _resource_check(rule, type_, props(float(bad)))


@pytest.mark.parametrize("case", sorted(RESOURCE_CASES))
def test_resource_rules_report_a_fraction_through_the_protocol(case):
    rule, type_, props, good, message = RESOURCE_CASES[case]
    value = 30.5 if message is None else 2.5
    expected = message or "deletionWindowInDays is 30.5, must be a whole number of at least 30"
    plan = fixture_plan([registration(type_, "x", props(value))])
    assert violations(plan, {}, None, rule) == [(rule, "x", expected)]


def test_the_kms_minimum_from_pack_config_arrives_as_a_double_and_still_compares():
    config = PackConfig({"aws-kms-deletion-window": RuleSettings(EnforcementLevel.MANDATORY, {"minimumDays": 14})})
    plan = fixture_plan([registration(KEY, "x", {"deletionWindowInDays": 7, "enableKeyRotation": True})])
    assert violations(plan, {}, config, "aws-kms-deletion-window") == [
        ("aws-kms-deletion-window", "x", "deletionWindowInDays is 7, must be at least 14")]
    ctx = RuleContext(config={"minimumDays": 14.0}, tenants={})
    assert list(RULES_BY_NAME["aws-kms-deletion-window"].check_resource(
        Resource("urn:x", KEY, "x", {"deletionWindowInDays": 14.0}), ctx)) == []


# --- plan-enterprise-clustered: one count per engine ---

ENGINE_CASES: dict[str, tuple[str, Callable[[Any], dict], str]] = {
    # engine: (instance type, spec for a replica count, what the message names)
    "yugabyte": ("kubernetes:operator.yugabyte.io/v1alpha1:YBUniverse", lambda n: {"replicationFactor": n},
                 "YBUniverse spec.replicationFactor"),
    "vitess": ("kubernetes:planetscale.com/v2:VitessCluster", lambda n: {"keyspaces": [{"partitionings": [
        {"equal": {"shardTemplate": {"tabletPools": [{"replicas": n}]}}}]}]},
               "VitessCluster spec.keyspaces[*].partitionings[*] tabletPools replicas (smallest)"),
    "scylla": ("kubernetes:scylla.scylladb.com/v1:ScyllaCluster",
               lambda n: {"datacenter": {"racks": [{"members": n}, {"members": 0 * n}]}},
               "ScyllaCluster spec.datacenter.racks[*].members (sum)"),
    "dragonfly": ("kubernetes:dragonflydb.io/v1alpha1:Dragonfly", lambda n: {"replicas": n}, "Dragonfly spec.replicas"),
    "aerospike": ("kubernetes:asdb.aerospike.com/v1:AerospikeCluster", lambda n: {"size": n}, "AerospikeCluster spec.size"),
    "mongodb": ("kubernetes:psmdb.percona.com/v1:PerconaServerMongoDB", lambda n: {"replsets": [{"size": n}]},
                "PerconaServerMongoDB spec.replsets[*].size (smallest)"),
}


def _instance(engine: str, replicas: Any) -> tuple[str, dict]:
    type_, spec, _ = ENGINE_CASES[engine]
    labels = {"dbaas.io/tenant": "bank", "dbaas.io/service": "accounts", "dbaas.io/engine": engine}
    return type_, {"metadata": {"name": "accounts", "namespace": "t-bank", "labels": labels}, "spec": spec(replicas)}


def _clustered(engine: str, replicas: Any) -> list[str]:
    type_, props = _instance(engine, replicas)
    view = StackView("lagos", [Resource("urn:i", type_, "i", props, tenant="bank")])
    ctx = RuleContext(config={}, tenants={"bank": BANK})
    return [f.message for f in RULES_BY_NAME["plan-enterprise-clustered"].check_stack(view, ctx)]


@pytest.mark.parametrize("engine", sorted(ENGINE_CASES))
def test_replica_counts_treat_a_whole_double_as_its_integer(engine):
    assert _clustered(engine, 3) == _clustered(engine, 3.0) == []
    assert _clustered(engine, 1) == _clustered(engine, 1.0) == [
        f"enterprise service bank/accounts ({engine}) must keep at least 3 replicas: {ENGINE_CASES[engine][2]} is 1"]


@pytest.mark.parametrize("engine", sorted(ENGINE_CASES))
def test_a_fractional_replica_count_is_a_violation_through_the_protocol(engine):
    type_, props = _instance(engine, 2.5 if engine != "scylla" else 3.0)
    if engine == "scylla":  # two racks of 1.5 members
        props["spec"]["datacenter"]["racks"] = [{"members": 1.5}, {"members": 1.5}]
    plan = fixture_plan([registration(type_, f"bank-accounts-{engine}", props)])
    shown_value = "1.5" if engine == "scylla" else "2.5"
    assert violations(plan, {"bank": BANK}, None, "plan-enterprise-clustered") == [
        ("plan-enterprise-clustered", f"bank-accounts-{engine}",
         f"enterprise service bank/accounts ({engine}) must keep at least 3 replicas: "
         f"{ENGINE_CASES[engine][2]} is {shown_value}, not a whole number")]
