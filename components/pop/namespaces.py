"""Platform namespaces: Pod Security level, default-deny NetworkPolicies, and only the traffic each needs.

The namespaces `monitoring` and `kafka` are created (and their policies written) by the
observability and Kafka components; this module covers the namespaces the PoP baseline owns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.namespace_baseline import (
    ANYWHERE_BUT_METADATA, baseline_network_policies, namespace_selector, pod_security_labels, tcp,
)

PLATFORM_LABELS = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "dbaas", "dbaas.io/platform": "true"}


@dataclass(frozen=True)
class PlatformNamespace:
    name: str
    pod_security: str
    """Pod Security Admission level: restricted unless the workload cannot run so (hostNetwork CNI)."""
    metrics_port: int | None = None
    """Scraped from the monitoring namespace."""
    webhook_port: int | None = None
    """Called by the API server, whose addresses are not known in advance."""
    extra: dict[str, dict] = field(default_factory=dict)


def policy_specs(ns: PlatformNamespace, monitoring_namespace: str) -> dict[str, dict]:
    """NetworkPolicy name -> spec for one platform namespace; everything not listed is denied."""
    specs: dict[str, dict] = {
        **baseline_network_policies(),
        # The API server (443 on EKS, 6443 on kubeadm colocation clusters) and AWS APIs over HTTPS.
        "allow-apiserver-https-egress": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [ANYWHERE_BUT_METADATA], "ports": tcp(443, 6443)}],
        },
    }
    if ns.metrics_port is not None:
        specs["allow-metrics-from-monitoring"] = {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{
                "from": [{"namespaceSelector": namespace_selector(monitoring_namespace)}],
                "ports": tcp(ns.metrics_port),
            }],
        }
    if ns.webhook_port is not None:
        specs["allow-webhook-from-apiserver"] = {
            "podSelector": {},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [ANYWHERE_BUT_METADATA], "ports": tcp(ns.webhook_port)}],
        }
    specs.update(ns.extra)
    return specs


def cert_manager_namespace(name: str) -> PlatformNamespace:
    return PlatformNamespace(
        name, "restricted", metrics_port=9402, webhook_port=10250,
        # DNS-01 self-checks ask the zone's authoritative name servers directly.
        extra={"allow-authoritative-dns-egress": {
            "podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [ANYWHERE_BUT_METADATA],
                        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}],
        }},
    )


def ingress_namespace(name: str) -> PlatformNamespace:
    return PlatformNamespace(
        name, "baseline", metrics_port=10254, webhook_port=8443,
        extra={
            "allow-web-ingress": {
                "podSelector": {}, "policyTypes": ["Ingress"],
                "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": tcp(80, 443)}],
            },
            # Backends live in tenant and platform namespaces; their own policies decide what is let in.
            "allow-backend-egress": {
                "podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"namespaceSelector": {}}]}],
            },
        },
    )


def external_secrets_namespace(name: str, store_port: int) -> PlatformNamespace:
    extra = {}
    if store_port not in (443, 6443):
        extra["allow-secret-store-egress"] = {
            "podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [ANYWHERE_BUT_METADATA], "ports": tcp(store_port)}],
        }
    return PlatformNamespace(name, "restricted", metrics_port=8080, webhook_port=10250, extra=extra)


def calico_operator_namespace(name: str) -> PlatformNamespace:
    """The Tigera operator only talks to the API server; Calico's own pods run with hostNetwork."""
    return PlatformNamespace(name, "privileged")


def create_platform_namespace(
    ns: PlatformNamespace, monitoring_namespace: str, kubernetes_version: str, opts: pulumi.ResourceOptions
) -> k8s.core.v1.Namespace:
    namespace = k8s.core.v1.Namespace(
        f"pop-ns-{ns.name}",
        metadata={"name": ns.name, "labels": {**PLATFORM_LABELS, **pod_security_labels(ns.pod_security, kubernetes_version)}},
        opts=opts,
    )
    in_namespace = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[namespace]))
    for policy, spec in policy_specs(ns, monitoring_namespace).items():
        k8s.networking.v1.NetworkPolicy(
            f"pop-netpol-{ns.name}-{policy}",
            metadata={"name": policy, "namespace": ns.name, "labels": PLATFORM_LABELS},
            spec=spec,
            opts=in_namespace,
        )
    return namespace
