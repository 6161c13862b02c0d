"""Kafka rules: topic durability, and tenant KafkaUsers confined to the tenant's own names.

Names come from `declarations.naming`'s Kafka helpers. Tenant ids and service names are DNS labels, so
they never contain a dot: a name's dot-separated segments identify its tenant exactly, and a prefix
that ends in the separator (`dbaas.tenant.acme.`) can never cover another tenant (`acme2`).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from pulumi_policy import Severity

from declarations.engine_catalog import EngineName
from declarations.naming import KAFKA_TENANT_TOPIC_KINDS, kafka_cdc_topic, kafka_group_prefix, kafka_tenant_topic
from declarations.tenant_model import DNS_LABEL
from policies.rules.model import Resource, Rule, RuleContext, at_least

KAFKA_TOPIC = "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic"
KAFKA_USER = "kubernetes:kafka.strimzi.io/v1beta2:KafkaUser"
MIN_REPLICAS = 3
MIN_INSYNC_REPLICAS = 2
SEPARATOR = "."
CLUSTER_OPERATIONS = frozenset({"ClusterAction", "IdempotentWrite", "CreateTokens", "DescribeTokens"})
"""Operations Kafka defines only on the cluster resource, whatever resource an ACL names."""

def _numeric_text(value: Any) -> Any:
    """Kafka topic configs may also be numeric strings ("2"); anything else is left to `at_least`."""
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


def check_topic_durability(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    if resource.type != KAFKA_TOPIC:
        return
    spec = resource.props.get("spec") or {}
    problem = at_least("spec.replicas", spec.get("replicas"), MIN_REPLICAS)
    if problem:
        yield problem
    insync = (spec.get("config") or {}).get("min.insync.replicas")
    problem = at_least("spec.config['min.insync.replicas']", _numeric_text(insync), MIN_INSYNC_REPLICAS)
    if problem:
        yield problem


def tenant_topic_prefixes(tenant: str) -> tuple[str, ...]:
    """Prefixes (ending in the separator) under which every name belongs to `tenant`: its CDC topics
    per engine, `dbaas.cdc.<engine>.<tenant>.`, and names below its event topics."""
    return (*(kafka_tenant_topic(kind, tenant) + SEPARATOR for kind in KAFKA_TENANT_TOPIC_KINDS),
            *(kafka_cdc_topic(engine.value, tenant, "") for engine in EngineName))


def is_tenant_topic(name: str, tenant: str) -> bool:
    """One of the tenant's event topics, or one CDC topic of one of its services (a DNS-label service name)."""
    if name in {kafka_tenant_topic(kind, tenant) for kind in KAFKA_TENANT_TOPIC_KINDS}:
        return True
    return any(name.startswith(p) and re.match(DNS_LABEL, name[len(p):])
               for p in (kafka_cdc_topic(engine.value, tenant, "") for engine in EngineName))


def _scope_problem(resource_type: str, name: str, pattern: str, tenant: str) -> str | None:
    """Why an allow ACL on (type, name, pattern) reaches beyond `tenant`'s own names, or None."""
    if resource_type == "cluster":
        return "is on the cluster resource; tenant users get no cluster-level rights"
    if pattern not in ("literal", "prefix"):
        return f"has patternType {pattern!r}; tenant ACLs are literal or prefix"
    if name == "*":
        return "names every resource ('*')"
    if resource_type == "topic":
        if pattern == "literal":
            return None if is_tenant_topic(name, tenant) else f"topic {name!r} is not one of {tenant}'s topics"
        owned = tenant_topic_prefixes(tenant)
    elif resource_type in ("group", "transactionalId"):
        own = kafka_group_prefix(tenant)
        if pattern == "literal":
            return None if name.startswith(own) else f"{name!r} does not start with {own!r}"
        owned = (own,)
    else:
        return f"is on resource type {resource_type!r}; tenants get topics, groups and transactional ids only"
    if not name.endswith(SEPARATOR):
        return f"prefix {name!r} does not end in {SEPARATOR!r}, so it also covers other tenants' names"
    if not any(name.startswith(p) for p in owned):
        return f"prefix {name!r} is not under {tenant}'s own prefixes ({', '.join(owned)})"
    return None


def check_tenant_acl_scope(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    if resource.type != KAFKA_USER or resource.tenant is None:
        return
    tenant = resource.tenant
    authorization = (resource.props.get("spec") or {}).get("authorization")
    if not isinstance(authorization, Mapping) or authorization.get("type") != "simple":
        yield "spec.authorization is not a 'simple' ACL block; a tenant user without ACLs is unconstrained"
        return
    for i, acl in enumerate(authorization.get("acls") or []):
        if acl.get("type", "allow") != "allow":
            continue  # deny rules only take rights away
        target = acl.get("resource") or {}
        where = f"spec.authorization.acls[{i}]"
        operations = set(acl.get("operations") or []) | ({acl["operation"]} if acl.get("operation") else set())
        cluster_ops = sorted(operations & CLUSTER_OPERATIONS)
        if cluster_ops:
            yield f"{where} grants cluster-level operation(s) {', '.join(cluster_ops)}"
        problem = _scope_problem(str(target.get("type")), str(target.get("name", "*")),
                                 str(target.get("patternType", "literal")), tenant)
        if problem:
            yield f"{where} {problem}"


RULES = [
    Rule(
        name="kafka-topic-durability",
        description=f"Every KafkaTopic keeps at least {MIN_REPLICAS} replicas and min.insync.replicas "
                    f">= {MIN_INSYNC_REPLICAS}, so one broker loss neither loses acknowledged writes nor stops them.",
        severity=Severity.HIGH,
        fix_hint="Build the spec with components.kafka.topics (retained_topic_spec, compacted_topic_spec, "
                 "journal_topic_spec), which state replicas and durability_config() explicitly.",
        check_resource=check_topic_durability,
    ),
    Rule(
        name="kafka-tenant-acl-scope",
        description="A tenant's KafkaUsers only reach that tenant's own topics, groups and transactional ids "
                    "(literal names, or prefixes ending in the separator) and have no cluster-level rights.",
        severity=Severity.CRITICAL,
        fix_hint="Derive ACLs with components.kafka.acls.tenant_acl_rules, whose names come from declarations.naming "
                 "(kafka_tenant_topic, kafka_cdc_topic, kafka_group_prefix).",
        check_resource=check_tenant_acl_scope,
    ),
]
