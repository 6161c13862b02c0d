"""Kafka test helpers: the registrations that belong to the Kafka components in a plan."""

from __future__ import annotations

from tools.offline.plan import OfflinePlan
from tools.offline.runtime import Registration

KAFKA_COMPONENTS = {"dbaas:kafka:EventBackbone", "dbaas:kafka:TenantStreams"}
STRIMZI = "kubernetes:kafka.strimzi.io/v1beta2:"


def kafka_registrations(plan: OfflinePlan) -> list[Registration]:
    """Every resource whose parent chain reaches a Kafka component."""
    by_urn = {r.urn: r for r in plan.registrations}
    found = []
    for reg in plan.registrations:
        cursor = by_urn.get(reg.parent)
        while cursor is not None:
            if cursor.type in KAFKA_COMPONENTS:
                found.append(reg)
                break
            cursor = by_urn.get(cursor.parent)
    return found


def strimzi(plan: OfflinePlan, kind: str) -> list[Registration]:
    return [r for r in plan.registrations if r.type == STRIMZI + kind]


def named(plan: OfflinePlan, kind: str, name: str) -> Registration:
    found = [r for r in strimzi(plan, kind) if r.inputs["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]
