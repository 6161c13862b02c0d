"""Observability: Prometheus + Thanos, Alertmanager, Grafana, Loki, Tempo and the OpenTelemetry
collector per region (`RegionalObservability`), and each tenant's monitors, SLO and platform
alerts, Grafana folder, datasources and dashboards (`TenantObservability`)."""

from components.observability.args import AlertRouting, ObservabilityArgs, Retention, TenantObservabilityArgs
from components.observability.regional import RegionalObservability
from components.observability.tenant import TenantObservability

__all__ = ["AlertRouting", "ObservabilityArgs", "RegionalObservability", "Retention", "TenantObservability",
           "TenantObservabilityArgs"]
