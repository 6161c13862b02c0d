"""The Kafka namespace and the Strimzi cluster operator, from its Helm chart at a pinned version.

The operator and its topic and user operators watch only this namespace, which is why every
Kafka custom resource, tenants' included, lives here and not in the tenant namespaces.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.kafka.custom_resources import PART_OF
from components.helm import helm_release
from components.namespace_baseline import PLATFORM_NAMESPACE_LABELS
from components.kafka.versions import STRIMZI_CHART


def namespace_labels() -> dict[str, str]:
    """`baseline` is enforced because Strimzi's Kaniko build pod needs root to build the Connect
    image; every other pod here is checked against `restricted` through warnings and audit."""
    return {
        **PART_OF,
        **PLATFORM_NAMESPACE_LABELS,
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    }


def operator_values() -> dict:
    return {
        "replicas": 2,
        "leaderElection": {"enable": True},
        "resources": {"requests": {"cpu": "200m", "memory": "384Mi"}, "limits": {"cpu": "1", "memory": "384Mi"}},
    }


def create_namespace_and_operator(
    namespace: str, opts: pulumi.ResourceOptions
) -> tuple[k8s.core.v1.Namespace, k8s.helm.v3.Release]:
    ns = k8s.core.v1.Namespace("kafka-namespace", metadata={"name": namespace, "labels": namespace_labels()}, opts=opts)
    release = helm_release(
        "kafka-strimzi-operator", "strimzi-cluster-operator", STRIMZI_CHART, namespace, operator_values(),
        pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[ns])),
    )
    return ns, release
