"""What every namespace on a PoP starts from, tenant or platform: Pod Security labels pinned to
the cluster version, and the network baseline (deny everything, then allow traffic inside the
namespace and DNS to kube-dns). Each namespace's owner adds only the traffic it needs on top.

Egress to "anywhere" always excludes link-local, so no pod reaches the instance metadata
service (169.254.169.254); pods get AWS credentials through IRSA instead.
"""

from __future__ import annotations

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


def tcp(*ports: int) -> list[dict]:
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
