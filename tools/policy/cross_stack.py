"""Invariants over every stack of every region, which no single stack's engine or policy pack sees.

`pulumi preview -s lagos.acme --policy-pack policies` analyses one tenant's stack; two tenant stacks
claiming one bucket name, two tenants of a region whose Kafka prefixes overlap, or one tenant id in
two regions all pass it, and fail (or leak) only when applied. `dbaas policy` (no stack, or `--all`)
runs these over the offline plans of all regions together:

- a tenant id belongs to one stack only (ids are the key of tenant files, stacks, the API and the
  control-plane database across regions);
- a physical name is claimed once in its scope: a bucket name in all of S3, an IAM name in its
  account, a KMS alias or EKS cluster in its account and AWS region, a Kubernetes object, a
  cluster-local DNS name or a Kafka topic in its region's cluster (names from
  tools/offline/engine_rules.py `physical_identity`, the engine rules' own reading);
- no tenant's Kafka ACL prefix covers a name or prefix of another tenant on the same cluster;
- every AWS resource is in an AWS region its platform region's data residency allows
  (declarations/regions.py RESIDENCY_AWS_REGIONS), by the provider it is created with.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from pulumi_policy import Severity

from tools.offline.engine_rules import physical_identity, provider_urn
from tools.offline.plan import stack_of, tenant_owner_index
from tools.offline.runtime import Registration
from declarations.regions import RESIDENCY_AWS_REGIONS
from policies.rules.kafka import KAFKA_TOPIC, KAFKA_USER
from policies.rules.model import TENANT_ENVIRONMENT_TYPE, Finding
from declarations.naming import split_stack_name

CERTIFICATE = "kubernetes:cert-manager.io/v1:Certificate"
CLUSTER_LOCAL_SUFFIXES = (".svc", ".svc.cluster.local")


class AllStacks:
    """The registrations of every stack of every region, with the lookups the checks share."""

    def __init__(self, registrations: list[Registration]):
        self.registrations = registrations
        self.owners = tenant_owner_index(registrations)
        self.providers = {r.urn: r.inputs for r in registrations if r.type.startswith("pulumi:providers:")}

    def provider_setting(self, reg: Registration, key: str) -> Any:
        """A setting of the provider a resource is created with; provider inputs travel as JSON text."""
        value = self.providers.get(provider_urn(reg.provider), {}).get(key)
        if isinstance(value, str) and value[:1] in "[{":
            return json.loads(value)
        return value

    def aws_region(self, reg: Registration) -> str | None:
        """Where an AWS resource lives: its own `region` input (pulumi-aws 7), else its provider's."""
        return reg.inputs.get("region") or self.provider_setting(reg, "region")

    def aws_account(self, reg: Registration) -> str:
        accounts = self.provider_setting(reg, "allowedAccountIds") or []
        return ",".join(accounts) if isinstance(accounts, list) else str(accounts)


@dataclass(frozen=True)
class CrossStackCheck:
    name: str
    description: str
    severity: Severity
    fix_hint: str
    check: Callable[[AllStacks], Iterable[Finding]]


def check_tenant_in_one_stack(plans: AllStacks) -> Iterable[Finding]:
    stacks: dict[str, dict[str, str]] = defaultdict(dict)  # tenant -> stack -> its environment (or first) URN
    for reg in plans.registrations:
        tenant = plans.owners.get(reg.urn)
        if tenant is not None:
            found = stacks[tenant]
            if reg.type == TENANT_ENVIRONMENT_TYPE or stack_of(reg.urn) not in found:
                found[stack_of(reg.urn)] = reg.urn
    for tenant, found in sorted(stacks.items()):
        if len(found) > 1:
            names = sorted(found)
            yield Finding(found[names[1]], f"tenant id {tenant} has resources in stacks {', '.join(names)}; "
                                           "a tenant id belongs to one stack of one region")


def _scoped_names(plans: AllStacks, reg: Registration) -> Iterable[str]:
    """The names `reg` claims, each with the scope in which it must be unique."""
    region = split_stack_name(stack_of(reg.urn))[0]
    identity = physical_identity(reg)
    if identity is not None:
        if reg.type.startswith("kubernetes:"):
            yield f"{identity} on the {region} cluster"
        elif reg.type.startswith("aws:s3/"):
            yield identity  # bucket names are global across all accounts and regions
        elif reg.type.startswith("aws:iam/"):
            yield f"{identity} in account {plans.aws_account(reg)}"
        else:
            yield f"{identity} in account {plans.aws_account(reg)} region {plans.aws_region(reg)}"
    if reg.type == KAFKA_TOPIC:
        spec = reg.inputs.get("spec") or {}
        topic = spec.get("topicName") or (reg.inputs.get("metadata") or {}).get("name")
        if topic:
            yield f"kafka topic {topic} on the {region} cluster"
    if reg.type == CERTIFICATE:
        for name in dict.fromkeys((reg.inputs.get("spec") or {}).get("dnsNames") or []):
            if name.endswith(CLUSTER_LOCAL_SUFFIXES):
                yield f"dns name {name} on the {region} cluster"
            elif "." in name:
                yield f"dns name {name}"


def check_physical_names(plans: AllStacks) -> Iterable[Finding]:
    owners: dict[str, str] = {}
    for reg in plans.registrations:
        for name in _scoped_names(plans, reg):
            first = owners.setdefault(name, reg.urn)
            if first != reg.urn:
                yield Finding(reg.urn, f"{name} is claimed by stack {stack_of(reg.urn)} and by stack "
                                       f"{stack_of(first)} ({first})")


@dataclass(frozen=True)
class _KafkaName:
    name: str
    prefix: bool
    tenant: str
    urn: str


def _kafka_names(plans: AllStacks) -> dict[tuple[str, str], list[_KafkaName]]:
    """(region, resource type) -> every tenant's ACL names and prefixes, and its topics."""
    found: dict[tuple[str, str], list[_KafkaName]] = defaultdict(list)
    for reg in plans.registrations:
        tenant = plans.owners.get(reg.urn)
        if tenant is None:
            continue
        region = split_stack_name(stack_of(reg.urn))[0]
        if reg.type == KAFKA_TOPIC:
            spec = reg.inputs.get("spec") or {}
            topic = spec.get("topicName") or (reg.inputs.get("metadata") or {}).get("name")
            if topic:
                found[(region, "topic")].append(_KafkaName(topic, False, tenant, reg.urn))
        elif reg.type == KAFKA_USER:
            authorization = (reg.inputs.get("spec") or {}).get("authorization") or {}
            for acl in authorization.get("acls") or [] if isinstance(authorization, dict) else []:
                target = acl.get("resource") or {}
                if acl.get("type", "allow") == "allow" and target.get("name"):
                    found[(region, str(target.get("type")))].append(
                        _KafkaName(str(target["name"]), target.get("patternType") == "prefix", tenant, reg.urn))
    return found


def check_kafka_prefixes(plans: AllStacks) -> Iterable[Finding]:
    """A prefix ACL of one tenant may cover no name or prefix of another tenant on the same cluster."""
    reported: set[tuple[str, str, str]] = set()
    for (region, kind), names in sorted(_kafka_names(plans).items()):
        ordered = sorted(names, key=lambda n: n.name)
        keys = [n.name for n in ordered]
        for owner in (n for n in ordered if n.prefix):
            i = bisect_left(keys, owner.name)
            while i < len(keys) and keys[i].startswith(owner.name):
                other = ordered[i]
                i += 1
                if other.tenant == owner.tenant or (owner.name, other.name, other.tenant) in reported:
                    continue
                reported.add((owner.name, other.name, other.tenant))
                what = "prefix" if other.prefix else "name"
                yield Finding(owner.urn, f"{kind} prefix {owner.name!r} of tenant {owner.tenant} (stack "
                                         f"{stack_of(owner.urn)}) covers {kind} {what} {other.name!r} of tenant "
                                         f"{other.tenant} (stack {stack_of(other.urn)}) on the {region} Kafka cluster")


def check_aws_residency(plans: AllStacks) -> Iterable[Finding]:
    for reg in plans.registrations:
        if not reg.custom or not reg.type.startswith("aws:"):
            continue
        stack = stack_of(reg.urn)
        allowed = RESIDENCY_AWS_REGIONS.get(split_stack_name(stack)[0], ())
        where = plans.aws_region(reg)
        if where not in allowed:
            yield Finding(reg.urn, f"stack {stack} creates it in AWS region {where or '(none)'}, outside "
                                   f"{split_stack_name(stack)[0]}'s data residency ({', '.join(allowed) or 'none declared'})")


CROSS_STACK_CHECKS: tuple[CrossStackCheck, ...] = (
    CrossStackCheck(
        name="cross-stack-tenant-id-unique",
        description="A tenant id has resources in one stack of one region only.",
        severity=Severity.CRITICAL,
        fix_hint="Give the tenant another id; a tenant moves regions only by a new tenant and a data move.",
        check=check_tenant_in_one_stack,
    ),
    CrossStackCheck(
        name="cross-stack-physical-name-unique",
        description="Bucket names (global), IAM names (per account), KMS aliases (per account and region), "
                    "Kubernetes objects, cluster DNS names and Kafka topics (per region's cluster) are claimed once "
                    "across all stacks.",
        severity=Severity.CRITICAL,
        fix_hint="Derive names with declarations.naming from the tenant id (unique across regions) and the region.",
        check=check_physical_names,
    ),
    CrossStackCheck(
        name="cross-stack-kafka-prefix-disjoint",
        description="No tenant's Kafka ACL prefix covers a topic, group or prefix of another tenant of the region.",
        severity=Severity.CRITICAL,
        fix_hint="Prefixes end in the separator and name the tenant (components.kafka.acls.tenant_acl_rules).",
        check=check_kafka_prefixes,
    ),
    CrossStackCheck(
        name="cross-stack-aws-residency",
        description="Every AWS resource of a stack lives in an AWS region of its platform region's data residency.",
        severity=Severity.CRITICAL,
        fix_hint="Create it with the stack's regional AWS provider (stacks/providers.py regional_aws_provider).",
        check=check_aws_residency,
    ),
)
CROSS_STACK_CHECK_NAMES = frozenset(c.name for c in CROSS_STACK_CHECKS)


def cross_stack_findings(registrations: list[Registration]) -> list[tuple[CrossStackCheck, Finding]]:
    """Every check over the union of all stacks' registrations, in check order."""
    plans = AllStacks(registrations)
    return [(check, finding) for check in CROSS_STACK_CHECKS for finding in check.check(plans)]
