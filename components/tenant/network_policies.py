"""Tenant network isolation: deny everything, then allow only what a database tenant needs.

The baseline (deny, same namespace, DNS) comes from components/namespace_baseline.py; this adds
what a database tenant needs. Egress to the instance metadata service is never allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.namespace_baseline import ANYWHERE_BUT_METADATA, baseline_network_policies, namespace_selector

@dataclass(frozen=True)
class NetworkPeers:
    """Platform namespaces a tenant namespace talks to."""

    ingress_namespace: str
    monitoring_namespace: str
    kafka_namespace: str
    kafka_cluster_name: str
    kafka_bootstrap_port: int
    telemetry_collector_labels: tuple[tuple[str, str], ...] = ()
    """Pod labels of the OpenTelemetry collector in the monitoring namespace (empty: no OTLP egress)."""
    telemetry_ports: tuple[int, ...] = ()


def policy_specs(peers: NetworkPeers) -> dict[str, dict]:
    """NetworkPolicy name -> spec. Pure data, so tests and policies can reason about it."""
    return {
        **baseline_network_policies(),
        "allow-platform-ingress": {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {"namespaceSelector": namespace_selector(peers.ingress_namespace)},
                        {"namespaceSelector": namespace_selector(peers.monitoring_namespace)},
                    ]
                }
            ],
        },
        "allow-kafka-egress": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": namespace_selector(peers.kafka_namespace),
                            "podSelector": {
                                "matchLabels": {
                                    "strimzi.io/cluster": peers.kafka_cluster_name,
                                    "strimzi.io/kind": "Kafka",
                                }
                            },
                        }
                    ],
                    "ports": [{"protocol": "TCP", "port": peers.kafka_bootstrap_port}],
                }
            ],
        },
        **({"allow-telemetry-egress": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"namespaceSelector": namespace_selector(peers.monitoring_namespace),
                            "podSelector": {"matchLabels": dict(peers.telemetry_collector_labels)}}],
                    "ports": [{"protocol": "TCP", "port": p} for p in peers.telemetry_ports],
                }
            ],
        }} if peers.telemetry_ports else {}),
        # Backups to S3 and the IRSA token exchange with STS need HTTPS to AWS endpoints, whose
        # addresses are not stable; allow 443 anywhere except link-local (instance metadata).
        "allow-aws-https-egress": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [ANYWHERE_BUT_METADATA],
                    "ports": [{"protocol": "TCP", "port": 443}],
                }
            ],
        },
    }


def create_network_policies(
    tenant_id: str, namespace: str, labels: dict[str, str], peers: NetworkPeers, opts: pulumi.ResourceOptions
) -> list[k8s.networking.v1.NetworkPolicy]:
    return [
        k8s.networking.v1.NetworkPolicy(
            f"{tenant_id}-netpol-{name}",
            metadata={"name": name, "namespace": namespace, "labels": labels},
            spec=spec,
            opts=opts,
        )
        for name, spec in policy_specs(peers).items()
    ]
