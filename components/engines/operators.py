"""`dbaas:engines:EngineOperators`: the six engine operators of one region, each a pinned Helm release.

Every operator is installed in every region, in its own namespace, watching all namespaces: a new
tenant (or a tenant's first service of an engine) never needs an operator change, and the install
does not depend on which tenants exist, so it is idempotent across tenants. cert-manager, which
three engines take their serving certificates from, is part of the PoP baseline (components/pop).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.engines.args import EngineOperatorsArgs
from components.engines.operator_identity import create_operator_backup_role, with_role_annotation
from components.engines.vitess import VTCTLD_GRPC_PORT
from components.helm import helm_release
from components.vendored_objects import apply_vendored
from declarations.chart_pins import PinnedManifest
from declarations.vendored_artifacts import vendored_artifact
from components.namespace_baseline import (
    PLATFORM_NAMESPACE_LABELS, create_network_policies, platform_namespace_policies, to_tenants,
)
from declarations.engine_catalog import ENGINE_SPECS, EngineName, OperatorRelease

TYPE = "dbaas:engines:EngineOperators"
OPERATOR_LABELS = {"app.kubernetes.io/part-of": "dbaas", "app.kubernetes.io/managed-by": "pulumi",
                   "dbaas.io/component": "engine-operator", **PLATFORM_NAMESPACE_LABELS}
TO_INSTANCES = "allow-instances-egress"


@dataclass(frozen=True)
class OperatorTraffic:
    """What an engine's operator namespace must let through besides the shared platform set (DNS,
    same namespace, API server). Ports are those of the pinned charts' defaults (declarations/engine_catalog.py);
    tenant namespaces admit the operator namespace on any port (engines/network.py), so these egress
    ports are the whole fence. Re-check them with every chart bump."""

    metrics_ports: tuple[int, ...]
    webhook_ports: tuple[int, ...] = ()
    instance_ports: tuple[int, ...] = ()
    """Ports of tenant instance pods the operator (or its manager) connects to itself."""


YBA_API_PORT = 9000
"""yugaware: YBA's API and UI; it also serves YBA's own metrics at /api/v1/prometheus_metrics."""
YUGABYTE_MASTER_HTTP, YUGABYTE_MASTER_RPC, YUGABYTE_TSERVER_HTTP, YUGABYTE_TSERVER_RPC = 7000, 7100, 9000, 9100
YUGABYTE_YSQL_METRICS, YUGABYTE_YBC = 13000, 18018
VITESS_OPERATOR_METRICS_PORT = 8383
"""vitess-operator (operator-sdk): /metrics on 8383."""
SCYLLA_WEBHOOK_PORT = 5000
"""scylla-operator `run-webhook-server` default `--port` (the Service maps 443 to it)."""
SCYLLA_MANAGER_METRICS_PORT = 5090
SCYLLA_MANAGER_AGENT_PORT = 10001
"""Scylla Manager (and the operator's node checks) talk to the manager agent in every Scylla pod."""
CONTROLLER_RUNTIME_SECURE_METRICS_PORT = 8443
"""kube-rbac-proxy / secure controller-runtime metrics (dragonfly-operator, AKO 4.x `metricsPort`)."""
AEROSPIKE_WEBHOOK_PORT = 9443
PSMDB_METRICS_PORT = 8080
SCYLLA_MANAGER_CQL_PORT = 9042
"""Scylla Manager's CQL sessions (schema backup, restore, health checks) use the plain native transport port: the
operator registers every cluster with `ForceTLSDisabled` and `ForceNonSslSessionPort` (scylla-operator v1.15.0
pkg/controller/manager/sync_action.go:55-56), so the manager dials `NodeInfo.CQLPort()`, Scylla's
`native_transport_port` 9042, not the TLS port 9142 (scylla-manager v3.4.0 pkg/service/cluster/service.go
extendClusterConfigWithTLS)."""
VITESS_ETCD_CLIENT_PORT = 2379
"""The operator-managed etcd lockserver (`globalLockserver.etcd`) of each VitessCluster."""
DRAGONFLY_ADMIN_PORT = 9999
"""The admin port the operator opens on every Dragonfly pod (dragonfly.py `METRICS_PORT_NAME` "admin")."""
AEROSPIKE_BACKUP_SERVICE_PORT = 8080
"""`AerospikeBackupService` `service.http.port` as aerospike.py sets it."""

OPERATOR_TRAFFIC: dict[EngineName, OperatorTraffic] = {
    # YBA manages universes through the API and talks to masters and tservers directly (RPC, HTTP
    # status, YSQL, the YBC backup controller); its embedded Prometheus scrapes the universes.
    EngineName.yugabyte: OperatorTraffic(
        metrics_ports=(YBA_API_PORT,),
        instance_ports=(ENGINE_SPECS[EngineName.yugabyte].client_port, YUGABYTE_MASTER_HTTP, YUGABYTE_MASTER_RPC,
                        YUGABYTE_TSERVER_HTTP, YUGABYTE_TSERVER_RPC, YUGABYTE_YSQL_METRICS, YUGABYTE_YBC)),
    # vitess-operator reads and writes the topology (etcd lockserver) and calls vtctld.
    EngineName.vitess: OperatorTraffic(
        metrics_ports=(VITESS_OPERATOR_METRICS_PORT,), instance_ports=(VITESS_ETCD_CLIENT_PORT, VTCTLD_GRPC_PORT)),
    # Scylla Manager drives backups and repairs through the agents and talks CQL (plain, see SCYLLA_MANAGER_CQL_PORT).
    EngineName.scylla: OperatorTraffic(
        metrics_ports=(SCYLLA_MANAGER_METRICS_PORT,), webhook_ports=(SCYLLA_WEBHOOK_PORT,),
        instance_ports=(SCYLLA_MANAGER_AGENT_PORT, SCYLLA_MANAGER_CQL_PORT)),
    # The operator configures replication (REPLICAOF/ROLE) over the admin port (plain, in-cluster).
    EngineName.dragonfly: OperatorTraffic(
        metrics_ports=(CONTROLLER_RUNTIME_SECURE_METRICS_PORT,), instance_ports=(DRAGONFLY_ADMIN_PORT,)),
    # AKO asks the nodes over the TLS service port and drives the Aerospike Backup Service's REST API.
    EngineName.aerospike: OperatorTraffic(
        metrics_ports=(CONTROLLER_RUNTIME_SECURE_METRICS_PORT,), webhook_ports=(AEROSPIKE_WEBHOOK_PORT,),
        instance_ports=(ENGINE_SPECS[EngineName.aerospike].client_port, AEROSPIKE_BACKUP_SERVICE_PORT)),
    # The Percona operator manages the replica set (rs.initiate, users, PBM) over mongod's port.
    EngineName.mongodb: OperatorTraffic(
        metrics_ports=(PSMDB_METRICS_PORT,), instance_ports=(ENGINE_SPECS[EngineName.mongodb].client_port,)),
}


def policy_specs(engine: EngineName, monitoring_namespace: str, serves_webhooks: bool = True) -> dict[str, dict]:
    """NetworkPolicy name -> spec for one of an engine's namespaces; everything else is denied. Only the
    operator's own namespace serves the admission webhooks."""
    traffic = OPERATOR_TRAFFIC[engine]
    specs = platform_namespace_policies(monitoring_namespace, traffic.metrics_ports,
                                        traffic.webhook_ports if serves_webhooks else ())
    if traffic.instance_ports:
        specs[TO_INSTANCES] = to_tenants(sorted(set(traffic.instance_ports)))
    return specs


class EngineOperators(pulumi.ComponentResource):
    """Typed handles: the namespace and Helm releases of each engine's operator, and the IRSA roles of the
    operators that read tenant backups themselves (components/engines/operator_identity.py)."""

    namespaces: dict[str, k8s.core.v1.Namespace]
    releases: dict[str, k8s.helm.v3.Release | list[pulumi.CustomResource]]
    """A chart's Helm release, or the objects of a vendored install (vendor/, components/vendored_objects.py)."""
    crds: dict[str, list[pulumi.CustomResource]]
    """The CustomResourceDefinitions the platform applies itself for a chart that ships none, by release."""
    backup_roles: dict[EngineName, aws.iam.Role]

    def __init__(self, name: str, args: EngineOperatorsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        self.logical_name = name
        self.namespaces = {}
        self.releases = {}
        self.backup_roles = {}
        self.crds = {}
        for engine in args.engines:
            spec = ENGINE_SPECS[engine]
            if spec.operator_backup_access is not None:
                self.backup_roles[engine] = create_operator_backup_role(
                    f"{name}-{engine.value}-operator", spec, args.region, args.aws_account_id, args.oidc_issuer,
                    pulumi.ResourceOptions(parent=self))
            for chart in spec.charts:
                namespace = chart.namespace or spec.operator_namespace
                values = chart.values
                if engine in self.backup_roles and namespace == spec.operator_namespace:
                    values = with_role_annotation(values, spec, self.backup_roles[engine].arn)
                self._install(engine.value, namespace, chart, values)
            # Every namespace of the engine (the operator's; Scylla Manager's own) reaches the instances alike.
            for namespace in spec.namespaces:
                create_network_policies(
                    f"{name}-{namespace}-netpol", namespace,
                    policy_specs(engine, args.monitoring_namespace, serves_webhooks=namespace == spec.operator_namespace),
                    OPERATOR_LABELS,
                    pulumi.ResourceOptions(parent=self, depends_on=[self.namespaces[namespace]]))
        self.register_outputs({"namespaces": sorted(self.namespaces), "releases": sorted(self.releases),
                               "backupRoleArns": {e.value: r.arn for e, r in self.backup_roles.items()},
                               "crds": sorted(self.crds)})

    def _install(self, area: str, namespace: str, release: OperatorRelease, values: dict) -> None:
        if namespace not in self.namespaces:
            self.namespaces[namespace] = k8s.core.v1.Namespace(
                f"{self.logical_name}-{namespace}-namespace",
                metadata={"name": namespace, "labels": {**OPERATOR_LABELS, "dbaas.io/engine": area}},
                opts=pulumi.ResourceOptions(parent=self),
            )
        after_namespace = pulumi.ResourceOptions(parent=self, depends_on=[self.namespaces[namespace]])
        if isinstance(release.chart, PinnedManifest):
            self.releases[release.release] = apply_vendored(
                f"{self.logical_name}-{release.release}", vendored_artifact(release.chart.artifact), after_namespace)
            return
        if release.crds is not None:
            # The chart's operator needs its CRDs at start-up, so the release waits for them too.
            self.crds[release.release] = apply_vendored(
                f"{self.logical_name}-{release.release}", vendored_artifact(release.crds.artifact),
                pulumi.ResourceOptions(parent=self))
            after_namespace = pulumi.ResourceOptions.merge(
                after_namespace, pulumi.ResourceOptions(depends_on=self.crds[release.release]))
        self.releases[release.release] = helm_release(
            f"{self.logical_name}-{release.release}", release.release, release.chart, namespace, values, after_namespace)
