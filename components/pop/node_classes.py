"""Node classes of a PoP cluster: the labels and taints that place workloads.

Engines and Kafka import these so their pods select and tolerate the right nodes; created
clusters put them on their managed node groups, adopted clusters must label their nodes the same.
"""

from __future__ import annotations

from dataclasses import dataclass

WORKLOAD_LABEL = "dbaas.io/workload"
LOCAL_NVME_LABEL = "dbaas.io/local-nvme"


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str
    """Kubernetes spelling (`NoSchedule`); EKS node groups spell it `NO_SCHEDULE`."""

    def as_toleration(self) -> dict[str, str]:
        return {"key": self.key, "operator": "Equal", "value": self.value, "effect": self.effect}

    def as_eks(self) -> dict[str, str]:
        eks_effect = {"NoSchedule": "NO_SCHEDULE", "NoExecute": "NO_EXECUTE", "PreferNoSchedule": "PREFER_NO_SCHEDULE"}
        return {"key": self.key, "value": self.value, "effect": eks_effect[self.effect]}


@dataclass(frozen=True)
class NodeClass:
    name: str
    labels: dict[str, str]
    taints: tuple[Taint, ...]
    local_nvme: bool

    def node_selector(self) -> dict[str, str]:
        return {WORKLOAD_LABEL: self.labels[WORKLOAD_LABEL]}

    def tolerations(self) -> list[dict[str, str]]:
        return [t.as_toleration() for t in self.taints]

    # Operators take placement in one of two shapes: a PodSpec's nodeSelector + tolerations
    # (Dragonfly, PSMDB replsets, Aerospike podSpec, Jobs), or, where an API has no nodeSelector
    # (Scylla racks, Vitess components, Strimzi pod templates), a required node affinity on the
    # same labels + tolerations.

    def node_affinity(self) -> dict:
        """`nodeAffinity` requiring every label of the node selector (same effect as `nodeSelector`)."""
        return {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": key, "operator": "In", "values": [value]} for key, value in sorted(self.node_selector().items())
        ]}]}}

    def pod_fields(self) -> dict:
        """`{"nodeSelector": ..., "tolerations": [...]}`, to merge into a PodSpec-like object."""
        return {"nodeSelector": self.node_selector(), "tolerations": self.tolerations()}

    def affinity(self, **pod_affinity: dict) -> dict:
        """A core `Affinity`: the node affinity, plus the component's own `podAffinity`/`podAntiAffinity`."""
        return {"nodeAffinity": self.node_affinity(), **pod_affinity}

    def affinity_fields(self, **pod_affinity: dict) -> dict:
        """`{"affinity": {...}, "tolerations": [...]}`, for a component spec without a nodeSelector."""
        return {"affinity": self.affinity(**pod_affinity), "tolerations": self.tolerations()}


SYSTEM = NodeClass("system", {WORKLOAD_LABEL: "system"}, (), local_nvme=False)
"""Untainted: platform controllers (ingress, cert-manager, External Secrets, operators) run here."""

DATABASES = NodeClass(
    "databases",
    {WORKLOAD_LABEL: "database", LOCAL_NVME_LABEL: "true"},
    (Taint(WORKLOAD_LABEL, "database", "NoSchedule"),),
    local_nvme=True,
)
"""Local NVMe instance storage (RAID0 by the node bootstrap); only database pods tolerate the taint."""

KAFKA = NodeClass("kafka", {WORKLOAD_LABEL: "kafka"}, (Taint(WORKLOAD_LABEL, "kafka", "NoSchedule"),), local_nvme=False)
"""Dedicated to Strimzi brokers and controllers, so a noisy tenant query cannot starve the event bus."""

NODE_CLASSES = (SYSTEM, DATABASES, KAFKA)
