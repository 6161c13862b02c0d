"""prom-label-proxy in front of Thanos query. Tenant datasources reach metrics only through it;
it injects `namespace="<header value>"` into every query, so a tenant's datasource can only read
its own namespace whatever query a dashboard sends."""

from __future__ import annotations

from components.observability.tenancy import NAMESPACE_HEADER

IMAGE = "quay.io/prometheuscommunity/prom-label-proxy:v0.11.1"
NAME = "prom-label-proxy"
PORT = 8080
LABELS = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "dbaas-observability"}


def deployment_spec(upstream: str) -> dict:
    return {
        "replicas": 2,
        "selector": {"matchLabels": LABELS},
        "template": {
            "metadata": {"labels": LABELS},
            "spec": {
                "automountServiceAccountToken": False,
                "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{
                    "name": NAME,
                    "image": IMAGE,
                    "args": [f"-insecure-listen-address=0.0.0.0:{PORT}", f"-upstream={upstream}",
                             "-label=namespace", f"-header-name={NAMESPACE_HEADER}", "-enable-label-apis=true"],
                    "ports": [{"name": "http", "containerPort": PORT}],
                    "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
                    "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                        "capabilities": {"drop": ["ALL"]}},
                }],
            },
        },
    }


def service_spec() -> dict:
    return {"selector": LABELS, "ports": [{"name": "http", "port": PORT, "targetPort": "http"}]}
