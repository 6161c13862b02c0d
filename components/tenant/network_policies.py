"""Tenant network isolation: deny everything, then allow only what a database tenant needs.

Egress to the instance metadata service (169.254.169.254) is never allowed: the only ipBlock
rule excludes the whole link-local range, and pods get AWS credentials through IRSA instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

LINK_LOCAL = "169.254.0.0/16"


@dataclass(frozen=True)
class NetworkPeers:
    """Platform namespaces a tenant namespace talks to."""

    ingress_namespace: str
    monitoring_namespace: str
    kafka_namespace: str
    kafka_cluster_name: str
    kafka_bootstrap_port: int


def _namespace_selector(name: str) -> dict:
    return {"matchLabels": {"kubernetes.io/metadata.name": name}}


def policy_specs(peers: NetworkPeers) -> dict[str, dict]:
    """NetworkPolicy name -> spec. Pure data, so tests and policies can reason about it."""
    return {
        "default-deny-all": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        "allow-same-namespace": {
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": [{"podSelector": {}}]}],
            "egress": [{"to": [{"podSelector": {}}]}],
        },
        "allow-dns": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": _namespace_selector("kube-system"),
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
        "allow-platform-ingress": {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [
                        {"namespaceSelector": _namespace_selector(peers.ingress_namespace)},
                        {"namespaceSelector": _namespace_selector(peers.monitoring_namespace)},
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
                            "namespaceSelector": _namespace_selector(peers.kafka_namespace),
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
        # Backups to S3 and the IRSA token exchange with STS need HTTPS to AWS endpoints, whose
        # addresses are not stable; allow 443 anywhere except link-local (instance metadata).
        "allow-aws-https-egress": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [LINK_LOCAL]}}],
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
