"""The observability Helm charts, pinned by repository and exact version (a bump is a reviewed
change to this table), and the one way they are installed."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s


@dataclass(frozen=True)
class PinnedChart:
    chart: str
    version: str
    repo: str


KUBE_PROMETHEUS_STACK = PinnedChart("kube-prometheus-stack", "75.15.1", "https://prometheus-community.github.io/helm-charts")
"""prometheus-operator, Prometheus (with the Thanos sidecar), Alertmanager, node-exporter, kube-state-metrics."""
THANOS = PinnedChart("thanos", "15.7.25", "https://charts.bitnami.com/bitnami")
"""Thanos query, store gateway and compactor."""
LOKI = PinnedChart("loki", "6.30.1", "https://grafana.github.io/helm-charts")
TEMPO_OPERATOR = PinnedChart("tempo-operator", "0.16.0", "https://grafana.github.io/helm-charts")
GRAFANA_OPERATOR = PinnedChart("grafana-operator", "v5.18.0", "https://grafana.github.io/helm-charts")
OPENTELEMETRY_OPERATOR = PinnedChart("opentelemetry-operator", "0.91.0", "https://open-telemetry.github.io/opentelemetry-helm-charts")

ALL_CHARTS = (KUBE_PROMETHEUS_STACK, THANOS, LOKI, TEMPO_OPERATOR, GRAFANA_OPERATOR, OPENTELEMETRY_OPERATOR)


def install(logical_name: str, release_name: str, chart: PinnedChart, namespace: pulumi.Input[str], values: dict,
            opts: pulumi.ResourceOptions) -> k8s.helm.v3.Release:
    """Atomic install with CRDs, so a failed upgrade rolls back instead of leaving half a stack."""
    return k8s.helm.v3.Release(
        logical_name,
        name=release_name,
        chart=chart.chart,
        version=chart.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repo),
        namespace=namespace,
        values=values,
        atomic=True,
        cleanup_on_fail=True,
        skip_crds=False,
        timeout=900,
        opts=opts,
    )
