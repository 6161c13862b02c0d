"""The OpenTelemetry collector pipeline: collect, attribute to a namespace, hand each tenant's
records to that tenant's own pipelines.

Logs come from the node's container log files (the path names the namespace, which a workload
cannot forge); OTLP logs, traces and metrics are re-attributed by the k8sattributes processor
from the sending pod's connection, after any namespace or tenant attribute the sender set has
been deleted. Every record then fans out (forward connectors) to the platform's pipelines, which
drop every record of a `t-` namespace, and to each tenant's pipelines, which drop every record
that is not of that tenant's namespace; a tenant's pipelines are the only ones whose exporters
carry its org ID.

The platform stack owns the collector and its shared part (`collector_config`), which knows no
tenant. Each tenant stack adds its own pipelines (`tenant_routes`) with a server-side-apply
patch of the same object: every key it adds is a map key of its own (processors, exporters and
pipelines named after the tenant), so the tenants' field managers never conflict with each
other or with the platform's (Kubernetes structured-merge-diff merges maps per key; lists are
atomic, which is why the routing is not one shared routing-connector table). Records of a `t-`
namespace without a tenant stack are dropped, never filed under the platform org.
"""

from __future__ import annotations

from typing import Any

from components.observability.tenancy import (
    ORG_ID_HEADER, PLATFORM_ORG_ID, TENANT_ATTRIBUTE, TenantRoute,
)

NAMESPACE_ATTRIBUTE = "k8s.namespace.name"
SIGNALS = ("logs", "traces", "metrics")
OTLP_GRPC_PORT = 4317
OTLP_HTTP_PORT = 4318
COLLECTOR_NAME = "otel"
"""The region's collector (an OpenTelemetryCollector in the monitoring namespace)."""
REMOTE_WRITE_EXPORTER = "prometheusremotewrite"
_FILTER_CONTEXTS = {"logs": "log_record", "traces": "span", "metrics": "datapoint"}


def _forward(signal: str) -> str:
    return f"forward/{signal}"


def _stamp(tenant: str | None) -> dict:
    """Set the tenant attribute from the pipeline taken, never from what the sender claimed."""
    if tenant is None:
        return {"attributes": [{"key": TENANT_ATTRIBUTE, "action": "delete"}]}
    return {"attributes": [{"key": TENANT_ATTRIBUTE, "value": tenant, "action": "upsert"}]}


def _drop_where(condition: str) -> dict:
    """A filter processor dropping every record (of every signal) for which `condition` holds."""
    return {"error_mode": "propagate",
            **{signal: {context: [condition]} for signal, context in _FILTER_CONTEXTS.items()}}


def _org_section(name: str, org: str, tenant: str | None, drop: str, loki_otlp_url: str,
                 tempo_otlp_endpoint: str) -> dict:
    """One org's processors, exporters and pipelines: fed by the forward connectors, dropping what
    is not the org's, exporting with the org's ID only."""
    chain = [f"filter/{name}", f"resource/{name}", "batch"]
    exporters = {
        "logs": f"otlphttp/loki-{name}", "traces": f"otlp/tempo-{name}", "metrics": REMOTE_WRITE_EXPORTER,
    }
    return {
        "processors": {f"filter/{name}": _drop_where(drop), f"resource/{name}": _stamp(tenant)},
        "exporters": {
            f"otlphttp/loki-{name}": {"endpoint": loki_otlp_url, "headers": {ORG_ID_HEADER: org}},
            f"otlp/tempo-{name}": {"endpoint": tempo_otlp_endpoint, "tls": {"insecure": True},
                                   "headers": {ORG_ID_HEADER: org}},
        },
        "service": {"pipelines": {
            f"{signal}/{name}": {"receivers": [_forward(signal)], "processors": chain, "exporters": [exporters[signal]]}
            for signal in SIGNALS
        }},
    }


def tenant_routes(route: TenantRoute, loki_otlp_url: str, tempo_otlp_endpoint: str) -> dict:
    """What a tenant stack adds to the region's collector config: only its own namespace's
    records, only its own org ID."""
    return _org_section(route.tenant_id, route.org_id, route.tenant_id,
                        f'resource.attributes["{NAMESPACE_ATTRIBUTE}"] != "{route.namespace}"',
                        loki_otlp_url, tempo_otlp_endpoint)


def merge_config(base: dict, *additions: dict) -> dict:
    """The config the collector runs with once the tenants' patches are applied (maps merge per
    key). A key two parties set is the field-manager conflict the API server would refuse."""
    def merge(into: dict, add: dict, path: str) -> None:
        for key, value in add.items():
            if key in into and isinstance(into[key], dict) and isinstance(value, dict):
                merge(into[key], value, f"{path}.{key}")
            elif key in into:
                raise ValueError(f"collector config {path}.{key} is set twice (a server-side apply conflict)")
            else:
                into[key] = value

    import copy

    result: dict[str, Any] = copy.deepcopy(base)
    for addition in additions:
        merge(result, copy.deepcopy(addition), "config")
    return result


def collector_config(loki_otlp_url: str, tempo_otlp_endpoint: str, prometheus_write_url: str) -> dict:
    """The platform's collector config as the OpenTelemetryCollector CR's `spec.config` (v1beta1:
    an object): ingress, the forward connectors tenants' pipelines hang on, the platform org."""
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
    }
    exporters: dict = {
        REMOTE_WRITE_EXPORTER: {"endpoint": prometheus_write_url, "resource_to_telemetry_conversion": {"enabled": True}},
    }
    pipelines: dict = {
        "logs/files": {"receivers": ["filelog"], "processors": ["memory_limiter"], "exporters": [_forward("logs")]},
    }
    for signal in SIGNALS:
        pipelines[f"{signal}/otlp"] = {"receivers": ["otlp"],
                                       "processors": ["memory_limiter", "resource/strip-identity", "k8sattributes"],
                                       "exporters": [_forward(signal)]}
    base = {
        "receivers": receivers,
        "processors": processors,
        "exporters": exporters,
        "connectors": {_forward(signal): {} for signal in SIGNALS},
        "service": {"pipelines": pipelines, "telemetry": {"metrics": {"level": "basic"}}},
    }
    platform = _org_section("platform", PLATFORM_ORG_ID, None,
                            f'IsMatch(resource.attributes["{NAMESPACE_ATTRIBUTE}"], "^t-")',
                            loki_otlp_url, tempo_otlp_endpoint)
    return merge_config(base, platform)


def org_of_exporter(config: dict, exporter: str) -> str | None:
    """The org ID an exporter sends under (None for exporters without tenancy)."""
    return (config["exporters"][exporter].get("headers") or {}).get(ORG_ID_HEADER)
