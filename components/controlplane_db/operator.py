"""`dbaas:controlplane:CloudNativePGOperator`: the CloudNativePG operator that reconciles the
control-plane database's `Cluster`, `Pooler` and `ScheduledBackup`, installed once per region by
`ControlPlaneDatabase` (its parent) from the official chart at an exact version, in its own
namespace (`cnpg-system`) with the platform namespace baseline.

The chart installs the CRDs, the manager Deployment (cluster-wide: it watches every namespace)
and its mutating and validating webhooks. Its pods meet Pod Security `restricted` as shipped.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.controlplane_db.args import CloudNativePGOperatorArgs
from components.controlplane_db.network_policies import operator_policy_specs
from components.helm import PinnedChart, helm_release
from components.namespace_baseline import PLATFORM_NAMESPACE_LABELS, create_network_policies, pod_security_labels

TYPE = "dbaas:controlplane:CloudNativePGOperator"
CNPG_CHART = PinnedChart("cloudnative-pg", "0.28.0", "https://cloudnative-pg.github.io/charts", crd_groups=("postgresql.cnpg.io",))
"""Operator 1.29.0: PostgreSQL 17, `postgresql.synchronous.dataDurability` (1.25+), managed roles,
Pooler and in-tree `barmanObjectStore` backups. Its CRDs (operator v1.29.0's, vendored in
`vendor/cloudnative-pg/`) are what the emitted objects are validated against; bump the chart and
re-vendor them together (tools/vendoring/refresh.py)."""
RELEASE_NAME = "cloudnative-pg"
"""Contains the chart name, so the chart's resources are named `cloudnative-pg` too."""
OPERATOR_REPLICAS = 2
"""The webhooks fail closed (`failurePolicy: Fail`): with one replica, a restarting operator would
block every change to a CNPG object. The replicas elect a leader for reconciling."""
LABELS = {"app.kubernetes.io/part-of": "dbaas-controlplane", "app.kubernetes.io/managed-by": "pulumi",
          "dbaas.io/component": "cnpg-operator"}


def operator_values() -> dict:
    return {
        "replicaCount": OPERATOR_REPLICAS,
        "crds": {"create": True},
        "config": {"clusterWide": True},
    }


class CloudNativePGOperator(pulumi.ComponentResource):
    """Typed handles: the operator's namespace and Helm release (CNPG objects depend on the release)."""

    namespace: k8s.core.v1.Namespace
    release: k8s.helm.v3.Release

    def __init__(self, name: str, args: CloudNativePGOperatorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        ns = args.namespace
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": ns, "labels": {**LABELS, **PLATFORM_NAMESPACE_LABELS,
                                             **pod_security_labels("restricted", args.kubernetes_version)}},
            opts=pulumi.ResourceOptions(parent=self),
        )
        after_ns = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace])
        policies = create_network_policies(
            f"{name}-netpol", ns, operator_policy_specs(args.monitoring_namespace, args.instance_namespace),
            LABELS, after_ns)
        # The webhooks must be reachable from the API server before the first CNPG object is admitted.
        self.release = helm_release(
            f"{name}-release", RELEASE_NAME, CNPG_CHART, ns, operator_values(),
            pulumi.ResourceOptions(parent=self, depends_on=[self.namespace, *policies]))
        self.register_outputs({"namespace": ns, "release": RELEASE_NAME, "chartVersion": CNPG_CHART.version})
