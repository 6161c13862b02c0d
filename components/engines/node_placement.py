"""Which nodes an engine instance's pods run on, spelt the ways the operators' APIs accept it.

The PoP taints its database node group (`components/pop/node_classes.py`); a pod lands there only
if it tolerates the taint, and stays off the system nodes only if it also selects the label. Every
pod an engine instance owns (data pods, their helpers such as vtgate, masters or etcd, backup
services and one-off Jobs) runs on the `DATABASES` class, so tenant load never competes with the
platform controllers on the system nodes.

Operators take the same two facts in one of two shapes:
- `pod_fields()`: `nodeSelector` + `tolerations`, for APIs that copy them into a PodSpec
  (Dragonfly, PerconaServerMongoDB replsets, AerospikeCluster/AerospikeBackupService podSpec, Jobs);
- `affinity_fields()`: `affinity.nodeAffinity` (a required term on the same labels) + `tolerations`,
  for APIs without a nodeSelector (Scylla rack placement, Vitess components, Strimzi pod templates).
"""

from __future__ import annotations

from dataclasses import dataclass

from components.pop.node_classes import DATABASES, NodeClass


def required_node_affinity(node_class: NodeClass) -> dict:
    """`nodeAffinity` requiring every label of the class's node selector (same effect as `nodeSelector`)."""
    return {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": key, "operator": "In", "values": [value]} for key, value in sorted(node_class.node_selector().items())
    ]}]}}


@dataclass(frozen=True)
class NodePlacement:
    """One node class, as the fields a pod spec or an operator's component spec takes."""

    node_class: NodeClass

    def node_selector(self) -> dict[str, str]:
        return self.node_class.node_selector()

    def tolerations(self) -> list[dict[str, str]]:
        return self.node_class.tolerations()

    def node_affinity(self) -> dict:
        return required_node_affinity(self.node_class)

    def pod_fields(self) -> dict:
        """`{"nodeSelector": ..., "tolerations": [...]}`, to merge into a PodSpec-like object."""
        return {"nodeSelector": self.node_selector(), "tolerations": self.tolerations()}

    def affinity(self, **pod_affinity: dict) -> dict:
        """A core `Affinity`: the node affinity, plus the component's own `podAffinity`/`podAntiAffinity`."""
        return {"nodeAffinity": self.node_affinity(), **pod_affinity}

    def affinity_fields(self, **pod_affinity: dict) -> dict:
        """`{"affinity": {...}, "tolerations": [...]}`, to merge into a component spec without a nodeSelector."""
        return {"affinity": self.affinity(**pod_affinity), "tolerations": self.tolerations()}


ENGINE_PODS = NodePlacement(DATABASES)
"""Where every engine instance's pods run."""
