"""NetworkPolicies of the monitoring namespace: the shared platform set (default deny, same
namespace, DNS, HTTPS to the API server for the operators, Prometheus' service discovery and the
collector's k8sattributes, and to S3/STS for Thanos, Loki and Tempo) plus:

- OTLP into the collector from tenant and platform namespaces (nothing else there may be sent to:
  Loki and Tempo trust `X-Scope-OrgID`, so only the collector, which sets it, reaches them);
- Grafana and Alertmanager from the ingress controller;
- the operators' admission webhooks from the API server;
- scrapes: Prometheus to the engines' metrics ports in tenant namespaces, to every platform
  namespace's metrics ports, to CoreDNS, and to the nodes' kubelet and node-exporter (host network);
- Alertmanager to its webhook receivers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from components.controlplane_db.network_policies import (
    METRICS_PORTS as CONTROLPLANE_METRICS_PORTS, OPERATOR_METRICS_PORT as CNPG_OPERATOR_METRICS_PORT,
)
from components.engines.operators import OPERATOR_TRAFFIC
from components.kafka.network_policies import STRIMZI_METRICS_PORT
from components.namespace_baseline import (
    ANYWHERE_BUT_METADATA, PLATFORM_NAMESPACES, TENANT_NAMESPACES, allow_egress, allow_ingress, namespace_peer,
    platform_namespace_policies, webhook_from_apiserver,
)
from components.observability.collector_config import OTLP_GRPC_PORT, OTLP_HTTP_PORT
from components.observability.engine_telemetry import ENGINE_TELEMETRY
from components.observability.args import AlertRouting
from components.pop.namespaces import (
    CERT_MANAGER_METRICS_PORT, EXTERNAL_SECRETS_METRICS_PORT, INGRESS_NGINX_METRICS_PORT,
)

GRAFANA_PORT = 3000
ALERTMANAGER_PORT = 9093
PROMETHEUS_OPERATOR_WEBHOOK_PORT = 10250
"""kube-prometheus-stack's admission webhook is served by the operator's `https` port."""
OPERATOR_WEBHOOK_PORT = 9443
"""The OpenTelemetry and Tempo operators' controller-runtime webhook servers."""
KUBELET_PORT = 10250
NODE_EXPORTER_PORT = 9100
COREDNS_METRICS_PORT = 9153

PROMETHEUS_PODS = {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}
ALERTMANAGER_PODS = {"matchLabels": {"app.kubernetes.io/name": "alertmanager"}}
GRAFANA_PODS = {"matchLabels": {"app": "grafana"}}
"""The Grafana operator labels the instance's pods `app=<Grafana name>`."""


def collector_pods(namespace: str, collector_name: str) -> dict:
    """The OpenTelemetry operator's labels on the collector's pods."""
    return {"matchLabels": {"app.kubernetes.io/component": "opentelemetry-collector",
                            "app.kubernetes.io/instance": f"{namespace}.{collector_name}"}}


def tenant_scrape_ports() -> list[str]:
    """The engines' named metrics ports (engine_telemetry.py), in table order."""
    return list(dict.fromkeys(e.port for t in ENGINE_TELEMETRY.values() for e in t.endpoints))


def platform_scrape_ports() -> list[int]:
    """Every platform namespace's metrics ports, as those namespaces' own policies admit them."""
    return sorted({CERT_MANAGER_METRICS_PORT, INGRESS_NGINX_METRICS_PORT, EXTERNAL_SECRETS_METRICS_PORT,
                   STRIMZI_METRICS_PORT, *CONTROLPLANE_METRICS_PORTS, CNPG_OPERATOR_METRICS_PORT,
                   *(p for t in OPERATOR_TRAFFIC.values() for p in t.metrics_ports)})


def receiver_ports(routing: AlertRouting) -> list[int]:
    """The ports of Alertmanager's webhook URLs (explicit, or the scheme's default)."""
    ports = set()
    for url in (routing.default_webhook_url, routing.critical_webhook_url):
        parts = urlsplit(url)
        ports.add(parts.port or (443 if parts.scheme == "https" else 80))
    return sorted(ports)


def policy_specs(namespace: str, collector_name: str, ingress_namespace: str, routing: AlertRouting) -> dict[str, dict]:
    """NetworkPolicy name -> spec for the monitoring namespace; everything not listed is denied."""
    return {
        **platform_namespace_policies(namespace),
        "allow-otlp-ingress": allow_ingress([TENANT_NAMESPACES, PLATFORM_NAMESPACES], (OTLP_GRPC_PORT, OTLP_HTTP_PORT),
                                            pods=collector_pods(namespace, collector_name)),
        "allow-grafana-from-ingress": allow_ingress([namespace_peer(ingress_namespace)], (GRAFANA_PORT,),
                                                    pods=GRAFANA_PODS),
        "allow-alertmanager-from-ingress": allow_ingress([namespace_peer(ingress_namespace)], (ALERTMANAGER_PORT,),
                                                         pods=ALERTMANAGER_PODS),
        "allow-webhook-from-apiserver": webhook_from_apiserver((OPERATOR_WEBHOOK_PORT, PROMETHEUS_OPERATOR_WEBHOOK_PORT)),
        "allow-scrape-tenants": allow_egress([TENANT_NAMESPACES], tenant_scrape_ports(), pods=PROMETHEUS_PODS),
        "allow-scrape-platform": allow_egress([PLATFORM_NAMESPACES], platform_scrape_ports(), pods=PROMETHEUS_PODS),
        "allow-scrape-coredns": allow_egress(
            [namespace_peer("kube-system", {"matchLabels": {"k8s-app": "kube-dns"}})], (COREDNS_METRICS_PORT,),
            pods=PROMETHEUS_PODS),
        # kubelet/cAdvisor and node-exporter listen on the nodes' own addresses (host network).
        "allow-scrape-nodes": allow_egress([ANYWHERE_BUT_METADATA], (KUBELET_PORT, NODE_EXPORTER_PORT),
                                           pods=PROMETHEUS_PODS),
        "allow-alert-receivers-egress": allow_egress([ANYWHERE_BUT_METADATA], receiver_ports(routing),
                                                     pods=ALERTMANAGER_PODS),
    }
