"""What every namespace on a PoP starts from, tenant or platform: Pod Security labels pinned to
the cluster version, and the network baseline (deny everything, then allow traffic inside the
namespace and DNS to kube-dns). Each namespace's owner adds only the traffic it needs on top.

Egress to "anywhere" always excludes link-local, so no pod reaches the instance metadata
service (169.254.169.254); pods get AWS credentials through IRSA instead.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import pulumi
import pulumi_kubernetes as k8s

LINK_LOCAL = "169.254.0.0/16"
ANYWHERE_BUT_METADATA = {"ipBlock": {"cidr": "0.0.0.0/0", "except": [LINK_LOCAL]}}


def pod_security_labels(level: str, kubernetes_version: str) -> dict[str, str]:
    """`level` for enforce, audit and warn, pinned to the cluster's minor version so a cluster
    upgrade cannot silently change what is admitted."""
    labels = {}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = level
        labels[f"pod-security.kubernetes.io/{mode}-version"] = f"v{kubernetes_version}"
    return labels


def tcp(*ports: int | str) -> list[dict]:
    """TCP ports, numbers or the destination pod's named container ports."""
    return [{"protocol": "TCP", "port": p} for p in ports]


def namespace_selector(name: str) -> dict:
    return {"matchLabels": {"kubernetes.io/metadata.name": name}}


def baseline_network_policies() -> dict[str, dict]:
    """NetworkPolicy name -> spec: default deny both ways, same-namespace traffic, DNS."""
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
                    "to": [{"namespaceSelector": namespace_selector("kube-system"),
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
    }


# --- Allows on top of the baseline: one builder per kind of traffic, shared by every namespace owner. ---

LABEL_TENANT = "dbaas.io/tenant"
PLATFORM_NAMESPACE_LABELS = {"dbaas.io/platform": "true"}
"""Carried by every platform namespace (PoP, monitoring, Kafka, engine operators, control plane)."""
TENANT_NAMESPACES = {"namespaceSelector": {"matchExpressions": [{"key": LABEL_TENANT, "operator": "Exists"}]}}
"""Every tenant namespace (they carry `dbaas.io/tenant=<id>`; no platform namespace does)."""
PLATFORM_NAMESPACES = {"namespaceSelector": {"matchLabels": PLATFORM_NAMESPACE_LABELS}}
APISERVER_HTTPS_PORTS = (443, 6443)
"""The API server (443 on EKS, 6443 on kubeadm colocation clusters) and AWS APIs (S3, STS) over HTTPS."""

APISERVER_HTTPS_EGRESS = "allow-apiserver-https-egress"
METRICS_FROM_MONITORING = "allow-metrics-from-monitoring"
WEBHOOK_FROM_APISERVER = "allow-webhook-from-apiserver"


def namespace_peer(name: str, pods: dict | None = None) -> dict:
    """Pods of one namespace (all of them, or those `pods` selects)."""
    peer: dict = {"namespaceSelector": namespace_selector(name)}
    if pods is not None:
        peer["podSelector"] = pods
    return peer


def _rule(direction: str, peers: Sequence[dict], ports: Iterable[int | str]) -> dict:
    rule: dict = {direction: list(peers)}
    port_list = tcp(*ports)
    if port_list:
        rule["ports"] = port_list
    return rule


def allow_ingress(peers: Sequence[dict], ports: Iterable[int | str] = (), pods: dict | None = None) -> dict:
    """Admit `peers` to `ports` (all ports when empty) of the selected pods (all pods by default)."""
    return {"podSelector": pods or {}, "policyTypes": ["Ingress"], "ingress": [_rule("from", peers, ports)]}


def allow_egress(peers: Sequence[dict], ports: Iterable[int | str] = (), pods: dict | None = None) -> dict:
    """Let the selected pods (all by default) reach `ports` (all when empty) of `peers`."""
    return {"podSelector": pods or {}, "policyTypes": ["Egress"], "egress": [_rule("to", peers, ports)]}


def apiserver_https_egress(pods: dict | None = None) -> dict:
    """The API server and AWS endpoints have no stable addresses: HTTPS anywhere but link-local."""
    return allow_egress([ANYWHERE_BUT_METADATA], APISERVER_HTTPS_PORTS, pods)


def metrics_from_monitoring(monitoring_namespace: str, ports: Iterable[int | str], pods: dict | None = None) -> dict:
    return allow_ingress([namespace_peer(monitoring_namespace)], ports, pods)


def webhook_from_apiserver(ports: Iterable[int], pods: dict | None = None) -> dict:
    """Admission webhooks are called by the API server, whose source addresses are not known in advance."""
    return allow_ingress([ANYWHERE_BUT_METADATA], ports, pods)


def from_tenants(ports: Iterable[int | str], pods: dict | None = None) -> dict:
    return allow_ingress([TENANT_NAMESPACES], ports, pods)


def to_tenants(ports: Iterable[int | str], pods: dict | None = None) -> dict:
    return allow_egress([TENANT_NAMESPACES], ports, pods)


def platform_namespace_policies(
    monitoring_namespace: str, metrics_ports: Iterable[int | str] = (), webhook_ports: Iterable[int] = (),
) -> dict[str, dict]:
    """What every platform namespace has: the baseline, API server/AWS HTTPS egress, and, where the
    namespace serves them, metrics to the monitoring namespace and admission webhooks to the API server."""
    specs = {**baseline_network_policies(), APISERVER_HTTPS_EGRESS: apiserver_https_egress()}
    metrics, webhooks = list(dict.fromkeys(metrics_ports)), list(dict.fromkeys(webhook_ports))
    if metrics:
        specs[METRICS_FROM_MONITORING] = metrics_from_monitoring(monitoring_namespace, metrics)
    if webhooks:
        specs[WEBHOOK_FROM_APISERVER] = webhook_from_apiserver(webhooks)
    return specs


def create_network_policies(
    logical_prefix: str, namespace: str, specs: dict[str, dict], labels: dict[str, str], opts: pulumi.ResourceOptions,
) -> list[k8s.networking.v1.NetworkPolicy]:
    """One NetworkPolicy per spec, named after its key; logical names `<prefix>-<key>`."""
    return [
        k8s.networking.v1.NetworkPolicy(
            f"{logical_prefix}-{name}",
            metadata={"name": name, "namespace": namespace, "labels": labels},
            spec=spec,
            opts=opts,
        )
        for name, spec in specs.items()
    ]
