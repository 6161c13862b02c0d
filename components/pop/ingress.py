"""ingress-nginx: the PoP's only public entry, TLS 1.3 only, ModSecurity with the OWASP CRS blocking.

ModSecurity alone only detects (`SecRuleEngine DetectionOnly` is its default): the snippet turns
the engine on so CRS rules block, and audit logs go to stdout for Loki.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.helm import helm_release
from components.pop.charts import INGRESS_NGINX
from components.pop.priority_classes import PLATFORM_CRITICAL

INGRESS_CLASS = "nginx"
MODSECURITY_SNIPPET = "\n".join([
    "SecRuleEngine On",
    "SecRequestBodyAccess On",
    "SecAuditEngine RelevantOnly",
    "SecAuditLogFormat JSON",
    "SecAuditLog /dev/stdout",
])

CONTROLLER_CONFIG = {
    "ssl-protocols": "TLSv1.3",
    "ssl-early-data": "false",
    "hsts": "true",
    "hsts-include-subdomains": "true",
    "hsts-max-age": "31536000",
    "ssl-redirect": "true",
    "enable-modsecurity": "true",
    "enable-owasp-modsecurity-crs": "true",
    "modsecurity-snippet": MODSECURITY_SNIPPET,
    "allow-snippet-annotations": "false",
    "server-tokens": "false",
}

AWS_NLB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
    "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled": "true",
}


def ingress_values(created_cluster: bool) -> dict:
    """On EKS an NLB; on colocation the PoP's own load balancer (MetalLB or the hardware LB)
    serves Services of type LoadBalancer. `Local` keeps client addresses for the WAF's logs."""
    return {
        "controller": {
            "replicaCount": 3,
            "priorityClassName": PLATFORM_CRITICAL.name,
            "config": CONTROLLER_CONFIG,
            "ingressClassResource": {"name": INGRESS_CLASS, "enabled": True, "default": True},
            "service": {
                "type": "LoadBalancer",
                "externalTrafficPolicy": "Local",
                "annotations": AWS_NLB_ANNOTATIONS if created_cluster else {},
            },
            "metrics": {"enabled": True},
            "admissionWebhooks": {"enabled": True},
        }
    }


def install_ingress(namespace: str, created_cluster: bool, opts: pulumi.ResourceOptions) -> k8s.helm.v3.Release:
    return helm_release("pop-ingress-nginx", INGRESS_NGINX.chart, INGRESS_NGINX, namespace, ingress_values(created_cluster), opts)
