"""Kafka ACLs as typed rules, plus the matching semantics of Kafka's simple authorizer.

The tenant rules are pure functions of the declaration, so tests (and the policy pack) can prove
isolation over generated tenant ids instead of trusting a handful of examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from declarations.naming import kafka_cdc_topic, kafka_group_prefix, kafka_tenant_topic
from declarations.tenant_model import Tenant

ResourceType = Literal["topic", "group", "cluster", "transactionalId"]
PatternType = Literal["literal", "prefix"]
Operation = Literal["Read", "Write", "Create", "Delete", "Alter", "Describe", "ClusterAction",
                    "AlterConfigs", "DescribeConfigs", "IdempotentWrite", "All"]


@dataclass(frozen=True)
class AclRule:
    """One `allow` rule of a Strimzi KafkaUser."""

    resource_type: ResourceType
    name: str
    pattern: PatternType
    operations: tuple[Operation, ...]

    def to_strimzi(self) -> dict:
        return {
            "type": "allow",
            "resource": {"type": self.resource_type, "name": self.name, "patternType": self.pattern},
            "operations": list(self.operations),
            "host": "*",
        }

    def matches(self, resource_type: str, name: str) -> bool:
        """Kafka's rule: a literal pattern matches the exact name (or everything if `*`), a
        prefix pattern matches every name that starts with it."""
        if resource_type != self.resource_type:
            return False
        if self.pattern == "literal":
            return self.name == "*" or self.name == name
        return name.startswith(self.name)


CONSUME = ("Read", "Describe")
PRODUCE_AND_CONSUME = ("Read", "Write", "Describe")


def tenant_acl_rules(tenant: Tenant) -> list[AclRule]:
    """What a tenant's own clients may do: nothing outside its topics and groups, nothing on the cluster.

    Audit and CDC topics are written by the platform (so a tenant cannot forge them) and only read
    by the tenant; metrics and alerts are also produced by the tenant's own exporters and rules.
    """
    rules = [
        AclRule("topic", kafka_tenant_topic("audit", tenant.id), "literal", CONSUME),
        AclRule("topic", kafka_tenant_topic("metrics", tenant.id), "literal", PRODUCE_AND_CONSUME),
        AclRule("topic", kafka_tenant_topic("alerts", tenant.id), "literal", PRODUCE_AND_CONSUME),
    ]
    rules += [
        AclRule("topic", kafka_cdc_topic(s.engine.value, tenant.id, s.name), "literal", CONSUME)
        for s in tenant.services
        if s.cdc
    ]
    rules.append(AclRule("group", kafka_group_prefix(tenant.id), "prefix", ("Read", "Describe")))
    return rules


CDC_TOPIC_PREFIX = "dbaas.cdc."
AUDIT_TOPIC_PREFIX = "dbaas.audit."
SINK_GROUP_PREFIX = "connect-"
"""Kafka Connect names a sink connector's consumer group `connect-<connector name>`."""


def connect_acl_rules(group_id: str, internal_topic_prefix: str) -> list[AclRule]:
    """Kafka Connect: its own group and state topics, writes to CDC topics, reads audit topics
    for the archive. Topics are never created by Connect (only KafkaTopic objects create them)."""
    return [
        AclRule("group", group_id, "literal", ("Read", "Describe")),
        AclRule("topic", internal_topic_prefix, "prefix", ("Read", "Write", "Describe", "DescribeConfigs")),
        AclRule("topic", CDC_TOPIC_PREFIX, "prefix", ("Write", "Describe")),
        AclRule("topic", AUDIT_TOPIC_PREFIX, "prefix", CONSUME),
        AclRule("group", SINK_GROUP_PREFIX, "prefix", ("Read", "Describe")),
    ]


def schema_registry_acl_rules(topic_prefix: str, group_prefix: str) -> list[AclRule]:
    """Apicurio's kafkasql storage: its journal and snapshot topics and its consumer groups."""
    return [
        AclRule("topic", topic_prefix, "prefix", ("Read", "Write", "Describe", "DescribeConfigs")),
        AclRule("group", group_prefix, "prefix", ("Read", "Describe")),
    ]


def aerospike_outbound_acl_rules(topic: str) -> list[AclRule]:
    """The vendor's XDR outbound connector of one Aerospike service writes its one CDC topic."""
    return [AclRule("topic", topic, "literal", ("Write", "Describe"))]
