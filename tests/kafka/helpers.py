"""Kafka test helpers: the registrations that belong to the Kafka components in a plan."""

from __future__ import annotations

from tools.offline.plan import OfflinePlan
from tools.offline.runtime import Registration

KAFKA_COMPONENTS = {"dbaas:kafka:EventBackbone", "dbaas:kafka:TenantStreams"}
STRIMZI = "kubernetes:kafka.strimzi.io/v1beta2:"


def kafka_registrations(plan: OfflinePlan) -> list[Registration]:
    """Every resource whose parent chain reaches a Kafka component."""
    return plan.below(KAFKA_COMPONENTS)


def strimzi(plan: OfflinePlan, kind: str) -> list[Registration]:
    return [r for r in plan.registrations if r.type == STRIMZI + kind]


def named(plan: OfflinePlan, kind: str, name: str) -> Registration:
    found = [r for r in strimzi(plan, kind) if r.inputs["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]
