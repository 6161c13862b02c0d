"""Platform namespaces: Pod Security level, default-deny NetworkPolicies, and only the traffic each needs.

The namespaces `monitoring`, `kafka`, the engine operators' and `dbaas-controlplane` are created (and
their policies written, from the same builders in components/namespace_baseline.py) by the
observability, Kafka, engines and control-plane components; this module covers the namespaces the
PoP baseline owns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.namespace_baseline import (
    ANYWHERE_BUT_METADATA, PLATFORM_NAMESPACE_LABELS, allow_egress, allow_ingress, create_network_policies,
    platform_namespace_policies, pod_security_labels, tcp,
)

PLATFORM_LABELS = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "dbaas", **PLATFORM_NAMESPACE_LABELS}
CERT_MANAGER_METRICS_PORT = 9402
INGRESS_NGINX_METRICS_PORT = 10254
EXTERNAL_SECRETS_METRICS_PORT = 8080


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
    specs = platform_namespace_policies(
        monitoring_namespace,
        metrics_ports=() if ns.metrics_port is None else (ns.metrics_port,),
        webhook_ports=() if ns.webhook_port is None else (ns.webhook_port,),
    )
    specs.update(ns.extra)
    return specs


def cert_manager_namespace(name: str) -> PlatformNamespace:
    return PlatformNamespace(
        name, "restricted", metrics_port=CERT_MANAGER_METRICS_PORT, webhook_port=10250,
        # DNS-01 self-checks ask the zone's authoritative name servers directly.
        extra={"allow-authoritative-dns-egress": {
            "podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [ANYWHERE_BUT_METADATA],
                        "ports": [{"protocol": "UDP", "port": 53}, *tcp(53)]}],
        }},
    )


def ingress_namespace(name: str) -> PlatformNamespace:
    return PlatformNamespace(
        name, "baseline", metrics_port=INGRESS_NGINX_METRICS_PORT, webhook_port=8443,
        extra={
            "allow-web-ingress": allow_ingress([{"ipBlock": {"cidr": "0.0.0.0/0"}}], (80, 443)),
            # Backends live in tenant and platform namespaces; their own policies decide what is let in.
            "allow-backend-egress": allow_egress([{"namespaceSelector": {}}]),
        },
    )


def external_secrets_namespace(name: str, store_port: int) -> PlatformNamespace:
    extra = {}
    if store_port not in (443, 6443):
        extra["allow-secret-store-egress"] = allow_egress([ANYWHERE_BUT_METADATA], (store_port,))
    return PlatformNamespace(name, "restricted", metrics_port=EXTERNAL_SECRETS_METRICS_PORT, webhook_port=10250,
                             extra=extra)


def pod_identity_webhook_namespace(name: str, webhook_port: int) -> PlatformNamespace:
    """The pod identity webhook (adopt mode): called by the API server, watches ServiceAccounts through it
    (the baseline's API server egress), and talks to nothing else. Nothing scrapes its metrics port yet
    (no ServiceMonitor), so monitoring is not let in."""
    return PlatformNamespace(name, "restricted", webhook_port=webhook_port)


def calico_operator_namespace(name: str) -> PlatformNamespace:
    """The Tigera operator only talks to the API server; Calico's own pods run with hostNetwork."""
    return PlatformNamespace(name, "privileged")


def create_platform_namespace(
    ns: PlatformNamespace, monitoring_namespace: str, kubernetes_version: str, opts: pulumi.ResourceOptions
) -> k8s.core.v1.Namespace:
    return create_platform_namespace_and_policies(ns, monitoring_namespace, kubernetes_version, opts)[0]


def create_platform_namespace_and_policies(
    ns: PlatformNamespace, monitoring_namespace: str, kubernetes_version: str, opts: pulumi.ResourceOptions
) -> tuple[k8s.core.v1.Namespace, list[k8s.networking.v1.NetworkPolicy]]:
    """The namespace and its policies, for a workload that must not serve before its allows exist."""
    namespace = k8s.core.v1.Namespace(
        f"pop-ns-{ns.name}",
        metadata={"name": ns.name, "labels": {**PLATFORM_LABELS, **pod_security_labels(ns.pod_security, kubernetes_version)}},
        opts=opts,
    )
    in_namespace = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[namespace]))
    policies = create_network_policies(f"pop-netpol-{ns.name}", ns.name, policy_specs(ns, monitoring_namespace),
                                       PLATFORM_LABELS, in_namespace)
    return namespace, policies
