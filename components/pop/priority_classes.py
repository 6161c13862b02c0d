"""PriorityClasses: platform controllers outrank databases, databases outrank tenant workloads.

Values stay below Kubernetes' own system-cluster-critical (2e9) and under the 1e9 user ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.pop.namespaces import PLATFORM_LABELS


@dataclass(frozen=True)
class Priority:
    name: str
    value: int
    preemption_policy: str
    description: str


PLATFORM_CRITICAL = Priority("dbaas-platform-critical", 1_000_000, "PreemptLowerPriority",
                             "Ingress, cert-manager, External Secrets and operators: the PoP itself.")
DATABASE = Priority("dbaas-database", 100_000, "PreemptLowerPriority",
                    "Tenant database and Kafka pods: may evict tenant workloads, never the platform.")
TENANT_WORKLOAD = Priority("dbaas-tenant-workload", 1_000, "Never",
                           "Tenant jobs and tools: scheduled last and never evict anything.")
PRIORITIES = (PLATFORM_CRITICAL, DATABASE, TENANT_WORKLOAD)


def create_priority_classes(opts: pulumi.ResourceOptions) -> list[k8s.scheduling.v1.PriorityClass]:
    return [
        k8s.scheduling.v1.PriorityClass(
            f"pop-priority-{p.name}",
            metadata={"name": p.name, "labels": PLATFORM_LABELS},
            value=p.value,
            preemption_policy=p.preemption_policy,
            global_default=False,
            description=p.description,
            opts=opts,
        )
        for p in PRIORITIES
    ]
