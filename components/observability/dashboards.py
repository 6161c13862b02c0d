"""Per-engine dashboards of one tenant (Grafana dashboard JSON, schema version 39). Every query
names the tenant's namespace and the tenant's own datasources; the instance picker only offers
the tenant's instances of that engine."""

from __future__ import annotations

import json
from hashlib import sha256
from dataclasses import dataclass

from components.observability.engine_telemetry import INSTANCE_SERIES_LABEL, EngineTelemetry
from components.observability.grafana import datasource_uid
from components.observability.tenancy import TenantRoute

SCHEMA_VERSION = 39


@dataclass(frozen=True)
class EngineDashboard:
    route: TenantRoute
    engine: str
    title: str
    instances: tuple[str, ...]
    telemetry: EngineTelemetry

    @property
    def uid(self) -> str:
        """Grafana uids are at most 40 characters; tenant ids are at most 40, so hash when needed."""
        uid = f"{self.route.tenant_id}-{self.engine}"
        return uid if len(uid) <= 40 else f"{uid[:31]}-{sha256(uid.encode()).hexdigest()[:8]}"

    def _sel(self) -> str:
        return f'namespace="{self.route.namespace}",{INSTANCE_SERIES_LABEL}=~"$instance"'

    def panel_queries(self) -> list[tuple[str, str]]:
        """(title, PromQL) of every metrics panel."""
        t, sel = self.telemetry, self._sel()
        panels = [
            ("Availability (scrape success)", f"avg by ({INSTANCE_SERIES_LABEL}) (up{{{sel}}})"),
            ("p95 query latency (s)", "histogram_quantile(0.95, sum by (dbaas_instance, le) "
                                      f"(rate({t.latency_histogram}_bucket{{{sel}}}[5m])))"),
            ("Connection pool utilisation", f"sum by (dbaas_instance) ({t.connections_in_use}{{{sel}}}) / "
                                            f"sum by (dbaas_instance) ({t.connections_limit}{{{sel}}})"),
            ("Disk utilisation", f'max by (persistentvolumeclaim) (kubelet_volume_stats_used_bytes{{namespace="{self.route.namespace}"}}'
                                 f' / kubelet_volume_stats_capacity_bytes{{namespace="{self.route.namespace}"}})'),
        ]
        if t.replication_lag_seconds:
            panels.append(("Replication lag (s)", f"max by (dbaas_instance) ({t.replication_lag_seconds}{{{sel}}})"))
        return panels

    def logs_query(self) -> str:
        return f'{{k8s_namespace_name="{self.route.namespace}"}}'

    def model(self) -> dict:
        metrics_ds = {"type": "prometheus", "uid": datasource_uid(self.route, "metrics")}
        logs_ds = {"type": "loki", "uid": datasource_uid(self.route, "logs")}
        panels = [
            {"id": i + 1, "type": "timeseries", "title": title, "datasource": metrics_ds,
             "gridPos": {"h": 8, "w": 12, "x": (i % 2) * 12, "y": (i // 2) * 8},
             "targets": [{"refId": "A", "datasource": metrics_ds, "expr": expr, "legendFormat": "{{dbaas_instance}}"}]}
            for i, (title, expr) in enumerate(self.panel_queries())
        ]
        panels.append({"id": len(panels) + 1, "type": "logs", "title": "Logs", "datasource": logs_ds,
                       "gridPos": {"h": 10, "w": 24, "x": 0, "y": (len(panels) + 1) // 2 * 8},
                       "targets": [{"refId": "A", "datasource": logs_ds, "expr": self.logs_query()}]})
        return {
            "uid": self.uid, "title": self.title, "schemaVersion": SCHEMA_VERSION, "editable": False,
            "tags": ["dbaas", self.engine, f"tenant:{self.route.tenant_id}"], "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": [{
                "name": "instance", "type": "custom", "multi": True, "includeAll": True,
                "query": ",".join(self.instances),
                "current": {"text": "All", "value": "$__all"},
                "options": [{"text": i, "value": i, "selected": False} for i in self.instances],
            }]},
            "panels": panels,
        }

    def json(self) -> str:
        return json.dumps(self.model(), sort_keys=True)

