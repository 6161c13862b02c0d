"""Extra NetworkPolicies an instance needs on top of the tenant's default-deny set.

The tenant namespace admits nothing from outside but ingress and monitoring. An engine's operator
must reach its pods to manage them, and a `cdc: true` service must admit Kafka Connect on its
client port. NetworkPolicies are additive, so each instance adds exactly these two openings.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s


def _namespace(name: str) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def operator_ingress_spec(pod_selector: dict, operator_namespaces: tuple[str, ...]) -> dict:
    """The engine's operator namespaces (EngineSpec.namespaces: the operator's, and e.g. Scylla Manager's)."""
    return {
        "podSelector": pod_selector,
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [_namespace(name) for name in operator_namespaces]}],
    }


def cdc_ingress_spec(pod_selector: dict, kafka_namespace: str, port: int) -> dict:
    return {
        "podSelector": pod_selector,
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [_namespace(kafka_namespace)], "ports": [{"protocol": "TCP", "port": port}]}],
    }


def create_instance_policies(
    logical_prefix: str, instance: str, namespace: str, labels: dict[str, str], pod_selector: dict,
    operator_namespaces: tuple[str, ...], cdc: bool, kafka_namespace: str, client_port: int, opts: pulumi.ResourceOptions,
) -> list[k8s.networking.v1.NetworkPolicy]:
    specs = {"operator": operator_ingress_spec(pod_selector, operator_namespaces)}
    if cdc:
        specs["cdc"] = cdc_ingress_spec(pod_selector, kafka_namespace, client_port)
    return [
        k8s.networking.v1.NetworkPolicy(
            f"{logical_prefix}.netpol-{purpose}",
            metadata={"name": f"{instance}-allow-{purpose}", "namespace": namespace, "labels": labels},
            spec=spec,
            opts=opts,
        )
        for purpose, spec in specs.items()
    ]
