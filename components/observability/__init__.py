"""Observability: Prometheus + Thanos, Alertmanager, Grafana, Loki, Tempo and the OpenTelemetry
collector per region (regional.py `RegionalObservability`), and each tenant's monitors, SLO and platform
alerts, Grafana folder, datasources and dashboards (tenant.py `TenantObservability`).

Nothing is imported here: a tenant stack imports its side only, not the regional tree."""
