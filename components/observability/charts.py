"""The observability Helm charts, pinned by repository and exact version (a bump is a reviewed
change to this table); components.helm installs them."""

from __future__ import annotations

from components.helm import PinnedChart


KUBE_PROMETHEUS_STACK = PinnedChart("kube-prometheus-stack", "75.15.1", "https://prometheus-community.github.io/helm-charts",
                                   crd_groups=("monitoring.coreos.com",))
"""prometheus-operator, Prometheus (with the Thanos sidecar), Alertmanager, node-exporter, kube-state-metrics."""
THANOS = PinnedChart(
    "oci://registry-1.docker.io/bitnamicharts/thanos", "15.7.25", None,
    why_source="Bitnami's classic index (https://charts.bitnami.com/bitnami) lists only the last six months of "
               "versions and de-lists older ones (bitnami/charts#10539, #10833); its OCI registry, the replacement "
               "Bitnami named there, keeps every published version as a tag")
"""Thanos query, store gateway and compactor."""
LOKI = PinnedChart("loki", "6.30.1", "https://grafana.github.io/helm-charts")
TEMPO_OPERATOR = PinnedChart("tempo-operator", "0.16.0", "https://grafana.github.io/helm-charts", crd_groups=("tempo.grafana.com",))
GRAFANA_OPERATOR = PinnedChart("grafana-operator", "v5.18.0", "https://grafana.github.io/helm-charts",
                               crd_groups=("grafana.integreatly.org",))
OPENTELEMETRY_OPERATOR = PinnedChart("opentelemetry-operator", "0.91.0", "https://open-telemetry.github.io/opentelemetry-helm-charts",
                                     crd_groups=("opentelemetry.io",))

ALL_CHARTS = (KUBE_PROMETHEUS_STACK, THANOS, LOKI, TEMPO_OPERATOR, GRAFANA_OPERATOR, OPENTELEMETRY_OPERATOR)
