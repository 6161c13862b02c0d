"""Tenant network isolation: deny everything, then allow only what a database tenant needs.

The baseline (deny, same namespace, DNS) comes from components/namespace_baseline.py; this adds
what a database tenant needs. Egress to the instance metadata service is never allowed.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.tenant.args import NetworkPeers
from components.namespace_baseline import (
    ANYWHERE_BUT_METADATA, allow_egress, allow_ingress, baseline_network_policies, namespace_peer,
)
from components.namespace_baseline import create_network_policies as create_namespace_policies

def policy_specs(peers: NetworkPeers) -> dict[str, dict]:
    """NetworkPolicy name -> spec. Pure data, so tests and policies can reason about it."""
    kafka_brokers = {"matchLabels": {"strimzi.io/cluster": peers.kafka_cluster_name, "strimzi.io/kind": "Kafka"}}
    specs = {
        **baseline_network_policies(),
        "allow-platform-ingress": allow_ingress(
            [namespace_peer(peers.ingress_namespace), namespace_peer(peers.monitoring_namespace)]
        ),
        "allow-kafka-egress": allow_egress(
            [namespace_peer(peers.kafka_namespace, kafka_brokers)], [peers.kafka_bootstrap_port]
        ),
        # Backups to S3 and the IRSA token exchange with STS need HTTPS to AWS endpoints, whose
        # addresses are not stable; allow 443 anywhere except link-local (instance metadata).
        "allow-aws-https-egress": allow_egress([ANYWHERE_BUT_METADATA], [443]),
    }
    if peers.telemetry_ports:
        collector = {"matchLabels": dict(peers.telemetry_collector_labels)}
        specs["allow-telemetry-egress"] = allow_egress(
            [namespace_peer(peers.monitoring_namespace, collector)], peers.telemetry_ports
        )
    return specs


def create_network_policies(
    tenant_id: str, namespace: str, labels: dict[str, str], peers: NetworkPeers, opts: pulumi.ResourceOptions
) -> list[k8s.networking.v1.NetworkPolicy]:
    return create_namespace_policies(f"{tenant_id}.netpol", namespace, policy_specs(peers), labels, opts)
