"""One parent-chain walk answers "what owns this resource" for the plan, the policy pack and the tests."""

from __future__ import annotations

from policies.rules.model import owners_by_parent_chain, tenant_by_parent_chain

PARENTS = {"stack": None, "env": "stack", "ns": "env", "db": "env", "pod": "db", "kafka": "stack", "topic": "kafka"}
TYPES = {"stack": "pulumi:pulumi:Stack", "env": "dbaas:tenant:TenantEnvironment", "ns": "kubernetes:core/v1:Namespace",
         "db": "dbaas:engines:MongodbInstance", "pod": "kubernetes:apps/v1:StatefulSet", "kafka": "dbaas:kafka:EventBackbone",
         "topic": "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic"}


def test_the_nearest_owner_wins_and_unowned_resources_are_absent() -> None:
    owners = owners_by_parent_chain(PARENTS, TYPES, frozenset({"dbaas:tenant:TenantEnvironment", "dbaas:engines:MongodbInstance"}))
    assert owners == {"env": "env", "ns": "env", "db": "db", "pod": "db"}


def test_tenant_ownership_is_the_same_walk() -> None:
    assert tenant_by_parent_chain(PARENTS, TYPES, {"env": "acme"}) == {"env": "acme", "ns": "acme", "db": "acme", "pod": "acme"}


def test_below_is_strictly_below_the_component(lagos_plan) -> None:
    below = lagos_plan.below({"dbaas:kafka:EventBackbone"})
    types = {r.type for r in below}
    assert "dbaas:kafka:EventBackbone" not in types
    assert "kubernetes:kafka.strimzi.io/v1beta2:Kafka" in types
    assert all(r.urn.startswith("urn:pulumi:lagos::") for r in below)  # the backbone is the platform stack's
