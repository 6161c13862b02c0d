"""The OpenTelemetry collector pipeline: collect, attribute to a tenant, route per tenant.

Logs come from the node's container log files (the path names the namespace, which a workload
cannot forge); OTLP logs, traces and metrics are re-attributed by the k8sattributes processor
from the sending pod's connection, after any namespace or tenant attribute the sender set has
been deleted. The routing connector then sends each tenant namespace to that tenant's own
pipelines, whose only exporters carry that tenant's org ID. Records from an unknown `t-`
namespace are dropped rather than filed under the platform org.
"""

from __future__ import annotations

from components.observability.tenancy import (
    ORG_ID_HEADER, PLATFORM_ORG_ID, TENANT_ATTRIBUTE, TenantRoute,
)

NAMESPACE_ATTRIBUTE = "k8s.namespace.name"
SIGNALS = ("logs", "traces", "metrics")
OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318


def _routing_connector(signal: str, routes: list[TenantRoute]) -> dict:
    return {
        "match_once": True,
        "error_mode": "propagate",
        "default_pipelines": [f"{signal}/platform"],
        "table": [
            {
                "statement": f'route() where resource.attributes["{NAMESPACE_ATTRIBUTE}"] == "{r.namespace}"',
                "pipelines": [f"{signal}/{r.tenant_id}"],
            }
            for r in routes
        ],
    }


def _stamp(tenant: str | None) -> dict:
    """Set the tenant attribute from the route taken, never from what the sender claimed."""
    if tenant is None:
        return {"attributes": [{"key": TENANT_ATTRIBUTE, "action": "delete"}]}
    return {"attributes": [{"key": TENANT_ATTRIBUTE, "value": tenant, "action": "upsert"}]}


def collector_config(routes: list[TenantRoute], loki_otlp_url: str, tempo_otlp_endpoint: str,
                     prometheus_write_url: str) -> dict:
    """Collector config as the OpenTelemetryCollector CR's `spec.config` (v1beta1: an object)."""
    receivers = {
        "filelog": {
            "include": ["/var/log/pods/*/*/*.log"],
            "exclude": ["/var/log/pods/*/otel-collector*/*.log"],
            "start_at": "end",
            "include_file_path": True,
            "operators": [{"type": "container", "id": "container-parser"}],
        },
        "otlp": {"protocols": {"grpc": {"endpoint": f"0.0.0.0:{OTLP_GRPC_PORT}"},
                               "http": {"endpoint": f"0.0.0.0:{OTLP_HTTP_PORT}"}}},
    }
    processors: dict = {
        "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20},
        "batch": {"send_batch_size": 8192, "timeout": "5s"},
        "resource/strip-identity": {"attributes": [
            {"key": NAMESPACE_ATTRIBUTE, "action": "delete"}, {"key": TENANT_ATTRIBUTE, "action": "delete"},
        ]},
        "k8sattributes": {
            "auth_type": "serviceAccount",
            "passthrough": False,
            "pod_association": [{"sources": [{"from": "connection"}]}],
            "extract": {"metadata": [NAMESPACE_ATTRIBUTE, "k8s.pod.name", "k8s.pod.uid", "k8s.node.name"]},
        },
        "filter/unknown-tenant": {"error_mode": "propagate", "logs": {"log_record": [
            f'IsMatch(resource.attributes["{NAMESPACE_ATTRIBUTE}"], "^t-")']},
            "traces": {"span": [f'IsMatch(resource.attributes["{NAMESPACE_ATTRIBUTE}"], "^t-")']},
            "metrics": {"datapoint": [f'IsMatch(resource.attributes["{NAMESPACE_ATTRIBUTE}"], "^t-")']}},
    }
    exporters: dict = {
        "prometheusremotewrite": {"endpoint": prometheus_write_url, "resource_to_telemetry_conversion": {"enabled": True}},
    }
    connectors = {f"routing/{s}": _routing_connector(s, routes) for s in SIGNALS}
    pipelines: dict = {
        "logs/files": {"receivers": ["filelog"], "processors": ["memory_limiter"], "exporters": ["routing/logs"]},
    }
    for s in SIGNALS:
        pipelines[f"{s}/otlp"] = {"receivers": ["otlp"],
                                  "processors": ["memory_limiter", "resource/strip-identity", "k8sattributes"],
                                  "exporters": [f"routing/{s}"]}

    def add_org(name: str, org: str, tenant: str | None, extra: list[str]) -> None:
        processors[f"resource/{name}"] = _stamp(tenant)
        exporters[f"otlphttp/loki-{name}"] = {"endpoint": loki_otlp_url, "headers": {ORG_ID_HEADER: org}}
        exporters[f"otlp/tempo-{name}"] = {"endpoint": tempo_otlp_endpoint, "tls": {"insecure": True},
                                           "headers": {ORG_ID_HEADER: org}}
        chain = [*extra, f"resource/{name}", "batch"]
        pipelines[f"logs/{name}"] = {"receivers": ["routing/logs"], "processors": chain,
                                     "exporters": [f"otlphttp/loki-{name}"]}
        pipelines[f"traces/{name}"] = {"receivers": ["routing/traces"], "processors": chain,
                                       "exporters": [f"otlp/tempo-{name}"]}
        pipelines[f"metrics/{name}"] = {"receivers": ["routing/metrics"], "processors": chain,
                                        "exporters": ["prometheusremotewrite"]}

    for r in routes:
        add_org(r.tenant_id, r.org_id, r.tenant_id, [])
    add_org("platform", PLATFORM_ORG_ID, None, ["filter/unknown-tenant"])
    return {
        "receivers": receivers,
        "processors": processors,
        "exporters": exporters,
        "connectors": connectors,
        "service": {"pipelines": pipelines, "telemetry": {"metrics": {"level": "basic"}}},
    }


def org_of_exporter(config: dict, exporter: str) -> str | None:
    """The org ID an exporter sends under (None for exporters without tenancy)."""
    return (config["exporters"][exporter].get("headers") or {}).get(ORG_ID_HEADER)
