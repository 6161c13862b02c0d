"""The platform alerts every tenant service gets (architecture seeds): replication lag,
connection pool utilisation, p95 latency, disk, backup failures, and, for tenants with CDC,
under-replicated partitions of their Kafka topics."""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.observability.engine_telemetry import EngineTelemetry, series_selector
from components.observability.kafka_telemetry import UNDER_REPLICATED_PARTITIONS

REPLICATION_LAG_WARNING_SECONDS = 30
REPLICATION_LAG_CRITICAL_SECONDS = 60
CONNECTION_UTILISATION_LIMIT = 0.8
P95_LATENCY_LIMIT_SECONDS = 0.5
DISK_UTILISATION_LIMIT = 0.8


@dataclass(frozen=True)
class ServiceAlertTarget:
    tenant_id: str
    service: str
    namespace: str
    instance: str
    replicated: bool
    """Clustered services replicate; a single replica has no lag to watch."""
    has_backups: bool
    telemetry: EngineTelemetry


def _alert(name: str, expr: str, severity: str, labels: dict[str, str], summary: str, for_: str = "5m") -> dict:
    return {"alert": name, "expr": expr, "for": for_, "labels": {**labels, "severity": severity},
            "annotations": {"summary": summary}}


def service_alert_group(target: ServiceAlertTarget) -> dict:
    t, sel = target.telemetry, series_selector(target.namespace, target.instance)
    labels = {"tenant": target.tenant_id, "service": target.service}
    who = f"{target.tenant_id}/{target.service}"
    rules: list[dict] = []
    if target.replicated and t.replication_lag_seconds:
        lag = f"max by (namespace, dbaas_instance) ({t.replication_lag_seconds}{{{sel}}})"
        rules.append(_alert("ReplicationLagWarning", f"{lag} > {REPLICATION_LAG_WARNING_SECONDS}", "warning", labels,
                            f"{who}: replication lag above {REPLICATION_LAG_WARNING_SECONDS}s", "2m"))
        rules.append(_alert("ReplicationLagCritical", f"{lag} > {REPLICATION_LAG_CRITICAL_SECONDS}", "critical", labels,
                            f"{who}: replication lag above {REPLICATION_LAG_CRITICAL_SECONDS}s", "2m"))
    rules.append(_alert(
        "ConnectionPoolUtilisationHigh",
        f"sum by (namespace, dbaas_instance) ({t.connections_in_use}{{{sel}}})"
        f" / sum by (namespace, dbaas_instance) ({t.connections_limit}{{{sel}}}) > {CONNECTION_UTILISATION_LIMIT}",
        "warning", labels, f"{who}: more than {CONNECTION_UTILISATION_LIMIT:.0%} of connections in use",
    ))
    rules.append(_alert(
        "QueryLatencyP95High",
        f"histogram_quantile(0.95, sum by (namespace, dbaas_instance, le) (rate({t.latency_histogram}_bucket{{{sel}}}[5m])))"
        f" > {P95_LATENCY_LIMIT_SECONDS}",
        "warning", labels, f"{who}: p95 query latency above {P95_LATENCY_LIMIT_SECONDS * 1000:.0f} ms", "10m",
    ))
    if target.has_backups and t.backup_failures_total:
        rules.append(_alert(
            "BackupFailed", f"increase({t.backup_failures_total}{{{sel}}}[1h]) > 0", "critical", labels,
            f"{who}: a backup failed in the last hour", "0m",
        ))
    return {"name": f"platform-{target.service}", "rules": rules}


def disk_alert_group(tenant_id: str, namespace: str) -> dict:
    """Volumes of every instance of the tenant (kubelet volume stats carry the PVC namespace)."""
    sel = f'namespace="{namespace}"'
    expr = (f"max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes{{{sel}}}"
            f" / kubelet_volume_stats_capacity_bytes{{{sel}}}) > {DISK_UTILISATION_LIMIT}")
    return {"name": "platform-disk", "rules": [
        _alert("DiskUtilisationHigh", expr, "warning", {"tenant": tenant_id},
               f"{tenant_id}: a volume is more than {DISK_UTILISATION_LIMIT:.0%} full", "10m"),
    ]}


def tenant_topic_regex(tenant_id: str) -> str:
    """Topics that belong to the tenant: `dbaas.cdc.<engine>.<tenant>.<service>` and
    `dbaas.<kind>.<tenant>`. Tenant ids never contain dots, so `acme` cannot match `acme2`."""
    t = re.escape(tenant_id)
    return rf"dbaas\.cdc\.[a-z]+\.{t}\..+|dbaas\.[a-z]+\.{t}"


def kafka_alert_group(tenant_id: str, kafka_namespace: str) -> dict:
    """Lives in the Kafka namespace: Kafka Exporter's series, scraped by the regional PodMonitor in
    that namespace (kafka_telemetry.py), carry `namespace=<kafka namespace>` and `topic`."""
    regex = tenant_topic_regex(tenant_id).replace("\\", "\\\\")
    expr = (f'sum by (topic) ({UNDER_REPLICATED_PARTITIONS}{{namespace="{kafka_namespace}",'
            f'topic=~"{regex}"}}) > 0')
    return {"name": f"kafka-{tenant_id}", "rules": [
        _alert("KafkaUnderReplicatedPartitions", expr, "critical", {"tenant": tenant_id},
               f"{tenant_id}: a Kafka topic has under-replicated partitions"),
    ]}
