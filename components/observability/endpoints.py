"""In-cluster names of the observability services: chosen here, set as the charts' fullname
overrides, and used by the collector and the tenants' Grafana datasources."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoints:
    namespace: str

    def _svc(self, name: str, port: int, scheme: str = "http://") -> str:
        return f"{scheme}{name}.{self.namespace}.svc:{port}"

    @property
    def prometheus(self) -> str:
        return self._svc("kps-prometheus", 9090)

    @property
    def prometheus_remote_write(self) -> str:
        return f"{self.prometheus}/api/v1/write"

    @property
    def thanos_query(self) -> str:
        return self._svc("thanos-query", 9090)

    @property
    def tenant_metrics_proxy(self) -> str:
        """prom-label-proxy in front of Thanos query: the only metrics URL a tenant datasource gets."""
        return self._svc("prom-label-proxy", 8080)

    @property
    def loki(self) -> str:
        return self._svc("loki-gateway", 80)

    @property
    def loki_otlp(self) -> str:
        return f"{self.loki}/otlp"

    @property
    def tempo_query(self) -> str:
        return self._svc("tempo-tempo-query-frontend", 3200)

    @property
    def tempo_otlp_grpc(self) -> str:
        return self._svc("tempo-tempo-distributor", 4317, scheme="")
