"""Where each engine's metrics come from, and what its rules and dashboards select: the one place
to change when the engines' exporters change.

Scrape ports and paths are the ones the engine components configure (each engine module's
`METRICS_PORT_NAME`/`METRICS_PATH`), imported, so the two cannot drift apart.

Instance pods are found in the tenant namespace by the labels the engine component puts on them
(its class's `monitor_selector(instance)`: `app.kubernetes.io/instance=<service_instance(...)>`,
or for DragonflyDB the operator's `app=<instance>`); every scraped series gets a `dbaas_instance`
label (set by the monitor's relabelling), so rules and dashboards select one instance by
(`namespace`, `dbaas_instance`) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

from components.engines import aerospike, dragonfly, mongodb, scylla, vitess, yugabyte
from components.engines.base import INSTANCE_LABEL
from declarations.engine_catalog import EngineName
from declarations.naming import service_instance

INSTANCE_POD_LABEL = INSTANCE_LABEL
"""The label the engine components put on the pods of an instance (value: the instance name), where the operator lets them."""
INSTANCE_SERIES_LABEL = "dbaas_instance"
"""Label the monitors add to every series of an instance."""


@dataclass(frozen=True)
class ScrapeEndpoint:
    port: str
    """Named container port (PodMonitor) or Service port (ServiceMonitor) serving metrics."""
    path: str


@dataclass(frozen=True)
class EngineTelemetry:
    """How to scrape one engine and which of its series carry each signal the platform alerts on.

    Histograms are in seconds; `latency_histogram` is the base name (rules append `_bucket` and
    `_count`). A None signal means the engine has no such thing (e.g. no replication in Dragonfly
    single-node) and the matching alert is not emitted.
    """

    monitor_kind: Literal["PodMonitor", "ServiceMonitor"]
    endpoints: tuple[ScrapeEndpoint, ...]
    """Every endpoint scraped on each selected pod (PodMonitor) or Service (ServiceMonitor)."""
    selector: Callable[[str], dict[str, str]]
    """Instance name -> `matchLabels` of its pods (the engine class's `monitor_selector`)."""
    latency_histogram: str
    connections_in_use: str
    connections_limit: str
    replication_lag_seconds: str | None
    backup_failures_total: str | None

    @property
    def port(self) -> str:
        """The first (main) endpoint's port."""
        return self.endpoints[0].port


ENGINE_TELEMETRY: dict[EngineName, EngineTelemetry] = {
    EngineName.yugabyte: EngineTelemetry(
        # YSQL server metrics (tserver), then each server's own metrics on the web port (master and tserver).
        monitor_kind="PodMonitor", selector=yugabyte.YugabyteInstance.monitor_selector, endpoints=(
            ScrapeEndpoint(yugabyte.METRICS_PORT_NAME, yugabyte.METRICS_PATH),
            ScrapeEndpoint(yugabyte.UI_METRICS_PORT_NAME, yugabyte.METRICS_PATH)),
        latency_histogram="yb_ysqlserver_sql_statement_latency_seconds",
        connections_in_use="yb_ysqlserver_active_connection_total",
        connections_limit="yb_ysqlserver_max_connection_total",
        replication_lag_seconds="yb_follower_lag_seconds",
        backup_failures_total="yb_backup_failures_total",
    ),
    EngineName.vitess: EngineTelemetry(
        monitor_kind="PodMonitor", selector=vitess.VitessInstance.monitor_selector,
        endpoints=(ScrapeEndpoint(vitess.METRICS_PORT_NAME, vitess.METRICS_PATH),),
        latency_histogram="vtgate_api_seconds",
        connections_in_use="vttablet_conn_pool_in_use",
        connections_limit="vttablet_conn_pool_capacity",
        replication_lag_seconds="vttablet_replication_lag_seconds",
        backup_failures_total="vtbackup_failures_total",
    ),
    EngineName.scylla: EngineTelemetry(
        # Pods, not Services: the operator's identity Service selects every pod too, so a ServiceMonitor on the
        # instance label would scrape each node twice.
        monitor_kind="PodMonitor", selector=scylla.ScyllaInstance.monitor_selector,
        endpoints=(ScrapeEndpoint(scylla.METRICS_PORT_NAME, scylla.METRICS_PATH),),
        latency_histogram="scylla_storage_proxy_coordinator_request_latency_seconds",
        connections_in_use="scylla_transport_current_connections",
        connections_limit="scylla_transport_max_connections",
        replication_lag_seconds=None,
        backup_failures_total="scylla_manager_task_failures_total",
    ),
    EngineName.dragonfly: EngineTelemetry(
        monitor_kind="PodMonitor", selector=dragonfly.DragonflyInstance.monitor_selector,
        endpoints=(ScrapeEndpoint(dragonfly.METRICS_PORT_NAME, dragonfly.METRICS_PATH),),
        latency_histogram="dragonfly_command_latency_seconds",
        connections_in_use="dragonfly_connected_clients",
        connections_limit="dragonfly_max_clients",
        replication_lag_seconds="dragonfly_replication_lag_seconds",
        backup_failures_total="dragonfly_snapshot_failures_total",
    ),
    EngineName.aerospike: EngineTelemetry(
        monitor_kind="PodMonitor", selector=aerospike.AerospikeInstance.monitor_selector,
        endpoints=(ScrapeEndpoint(aerospike.METRICS_PORT_NAME, aerospike.METRICS_PATH),),
        latency_histogram="aerospike_latencies_read_seconds",
        connections_in_use="aerospike_node_stats_client_connections",
        connections_limit="aerospike_node_stats_proto_fd_max",
        replication_lag_seconds="aerospike_xdr_lag_seconds",
        backup_failures_total="aerospike_backup_failures_total",
    ),
    EngineName.mongodb: EngineTelemetry(
        monitor_kind="PodMonitor", selector=mongodb.MongodbInstance.monitor_selector,
        endpoints=(ScrapeEndpoint(mongodb.METRICS_PORT_NAME, mongodb.METRICS_PATH),),
        latency_histogram="mongodb_op_latency_seconds",
        connections_in_use="mongodb_ss_connections_current",
        connections_limit="mongodb_ss_connections_max",
        replication_lag_seconds="mongodb_rs_member_replication_lag_seconds",
        backup_failures_total="psmdb_backup_failures_total",
    ),
}


def telemetry_for(engine: EngineName | str) -> EngineTelemetry:
    return ENGINE_TELEMETRY[EngineName(engine)]


def instance_name(service_name: str, engine: EngineName | str) -> str:
    """The engines' instance name (the only place observability derives it)."""
    return service_instance(service_name, EngineName(engine).value)


def series_selector(namespace: str, instance: str) -> str:
    """PromQL label matchers of one instance's series; every expression is built on this."""
    return f'namespace="{namespace}",{INSTANCE_SERIES_LABEL}="{instance}"'
