"""`dbaas:observability:RegionalObservability`: the PoP's observability stack, composed once per
region. Metrics (Prometheus + Thanos, Alertmanager), logs (Loki), traces (Tempo), Grafana, the
tenant metrics proxy and the OpenTelemetry collector that routes every tenant to its own org."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.helm import helm_release
from components.namespace_baseline import PLATFORM_NAMESPACE_LABELS, create_network_policies
from components.observability import charts, label_proxy
from components.observability.collector_config import COLLECTOR_NAME, OTLP_GRPC_PORT, OTLP_HTTP_PORT, collector_config
from components.observability.endpoints import Endpoints
from components.observability.grafana import INSTANCE_LABELS, grafana_spec
from components.observability.kafka_telemetry import MONITOR_NAME as KAFKA_MONITOR_NAME, kafka_pod_monitor_spec
from components.observability.logs_values import LOKI_SA, loki_values
from components.observability.network_policies import policy_specs
from components.observability.metrics_values import (
    MONITOR_SELECTOR_LABEL, OBJSTORE_KEY, OBJSTORE_SECRET, PROMETHEUS_SA, THANOS_SA, kube_prometheus_stack_values,
    objstore_config, thanos_values,
)
from components.observability.args import ObservabilityArgs, SignalStoreArgs
from components.observability.object_store import LABELS, SignalStore
from components.observability.tenant import MONITORING_API
from components.observability.traces import STORAGE_SECRET, TEMPO_NAME, TEMPO_SA, storage_secret_data, tempostack_spec

TYPE = "dbaas:observability:RegionalObservability"
COLLECTOR_SA = "otel-collector"
COLLECTOR_IMAGE = "otel/opentelemetry-collector-contrib:0.129.1"
SERVICE_ACCOUNT_TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
"""Where client-go's in-cluster config (the k8sattributes processor) looks for token, CA and namespace."""
TOKEN_EXPIRATION_SECONDS = 3607
"""What the kubelet itself projects (kube-api-access volumes, mode 0644); it refreshes the token at 80% of its lifetime."""
BUCKET_BACKSTOP_DAYS = 1
"""Bucket lifecycle = the signal's retention + 1 day, so the backend's own retention acts first."""


class RegionalObservability(pulumi.ComponentResource):
    namespace_name: str
    endpoints: Endpoints
    stores: dict[str, SignalStore]
    releases: dict[str, k8s.helm.v3.Release]
    collector_config: dict
    collector: k8s.apiextensions.CustomResource
    collector_uid: pulumi.Output[str]
    """The collector object's uid: a new one whenever the object is replaced (and tenants' routes with it)."""
    tempo: k8s.apiextensions.CustomResource
    grafana: k8s.apiextensions.CustomResource
    kafka_monitor: k8s.apiextensions.CustomResource

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ns_name = self.namespace_name = args.namespace
        self.endpoints = Endpoints(ns_name)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            # node-exporter and the collector read host paths: this namespace cannot be `restricted`.
            metadata={"name": ns_name, "labels": {**LABELS, **PLATFORM_NAMESPACE_LABELS,
                                                  "pod-security.kubernetes.io/enforce": "privileged"}},
            opts=child,
        )
        after_ns = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        create_network_policies(f"{name}-netpol", ns_name,
                                policy_specs(ns_name, COLLECTOR_NAME, args.ingress_namespace, args.alert_routing),
                                LABELS, after_ns)
        self.stores = {
            purpose: SignalStore(f"{name}-{purpose}", SignalStoreArgs(
                region=args.region, aws_account_id=args.aws_account_id, oidc_issuer=args.oidc_issuer, purpose=purpose,
                key_arn=args.platform_key_arn, retention_days=days + BUCKET_BACKSTOP_DAYS, namespace=ns_name,
                namespace_resource=namespace, service_accounts=sas,
            ), opts=child)
            for purpose, days, sas in (
                ("thanos", args.retention.metrics_long_term_days, (PROMETHEUS_SA, THANOS_SA)),
                ("loki", args.retention.logs_days, (LOKI_SA,)),
                ("tempo", args.retention.traces_days, (TEMPO_SA,)),
            )
        }
        thanos_bucket, key_arn = self.stores["thanos"].bucket_name, pulumi.Output.from_input(args.platform_key_arn)
        objstore = k8s.core.v1.Secret(
            f"{name}-thanos-objstore",
            metadata={"name": OBJSTORE_SECRET, "namespace": ns_name, "labels": LABELS},
            type="Opaque",
            string_data={OBJSTORE_KEY: key_arn.apply(
                lambda arn: yaml.safe_dump(objstore_config(thanos_bucket, args.aws_region, arn), sort_keys=True))},
            opts=after_ns,
        )

        def needs_store(store: str, *extra: pulumi.Resource) -> pulumi.ResourceOptions:
            """A release starts after its bucket's IRSA ServiceAccounts (and any config Secret) exist."""
            return pulumi.ResourceOptions(
                parent=self, depends_on=[namespace, *self.stores[store].service_accounts.values(), *extra])

        self.releases = {
            "kube-prometheus-stack": helm_release(
                f"{name}-kube-prometheus-stack", "kps", charts.KUBE_PROMETHEUS_STACK, ns_name,
                kube_prometheus_stack_values(ns_name, args.pop_name, args.region, args.scrape_interval_seconds,
                                             args.retention, args.alert_routing),
                needs_store("thanos", objstore)),
            "thanos": helm_release(f"{name}-thanos", "thanos", charts.THANOS, ns_name, thanos_values(args.retention),
                                     needs_store("thanos", objstore)),
            "loki": helm_release(f"{name}-loki", "loki", charts.LOKI, ns_name, key_arn.apply(
                lambda arn: loki_values(self.stores["loki"].bucket_name, args.aws_region, arn, args.retention.logs_days)),
                needs_store("loki")),
            "tempo-operator": helm_release(f"{name}-tempo-operator", "tempo-operator", charts.TEMPO_OPERATOR, ns_name,
                                             {}, after_ns),
            "grafana-operator": helm_release(f"{name}-grafana-operator", "grafana-operator", charts.GRAFANA_OPERATOR,
                                               ns_name, {}, after_ns),
            "opentelemetry-operator": helm_release(
                f"{name}-opentelemetry-operator", "opentelemetry-operator", charts.OPENTELEMETRY_OPERATOR, ns_name,
                {}, after_ns),
        }
        self._traces(name, args, namespace)
        self._tenant_metrics_proxy(name, ns_name, after_ns)
        self.grafana = k8s.apiextensions.CustomResource(
            f"{name}-grafana", api_version="grafana.integreatly.org/v1beta1", kind="Grafana",
            metadata={"name": "grafana", "namespace": ns_name, "labels": {**LABELS, **INSTANCE_LABELS}},
            spec=grafana_spec(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.releases["grafana-operator"]]),
        )
        self._collector(name, args, namespace)
        # In the Kafka namespace (kafka_telemetry.py says why); needs the PodMonitor CRD from kube-prometheus-stack.
        self.kafka_monitor = k8s.apiextensions.CustomResource(
            f"{name}-kafka-monitor", api_version=MONITORING_API, kind="PodMonitor",
            metadata={"name": KAFKA_MONITOR_NAME, "namespace": args.kafka_namespace,
                      "labels": {**LABELS, MONITOR_SELECTOR_LABEL: "platform"}},
            spec=kafka_pod_monitor_spec(args.kafka_namespace, args.kafka_cluster_name),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.releases["kube-prometheus-stack"],
                                                                 *args.kafka_dependencies]),
        )
        self.register_outputs({"namespace": ns_name, "buckets": {k: s.bucket.bucket for k, s in self.stores.items()}})

    def _traces(self, name: str, args: ObservabilityArgs, namespace: k8s.core.v1.Namespace) -> None:
        store = self.stores["tempo"]
        secret = k8s.core.v1.Secret(
            f"{name}-tempo-storage",
            metadata={"name": STORAGE_SECRET, "namespace": self.namespace_name, "labels": LABELS},
            type="Opaque",
            string_data=store.role_arns[TEMPO_SA].apply(
                lambda arn: storage_secret_data(store.bucket_name, args.aws_region, arn)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[namespace]),
        )
        self.tempo = k8s.apiextensions.CustomResource(
            f"{name}-tempo", api_version="tempo.grafana.com/v1alpha1", kind="TempoStack",
            metadata={"name": TEMPO_NAME, "namespace": self.namespace_name, "labels": LABELS},
            spec=tempostack_spec(args.retention.traces_days),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[
                self.releases["tempo-operator"], secret, *store.service_accounts.values()]),
        )

    def _tenant_metrics_proxy(self, name: str, ns_name: str, opts: pulumi.ResourceOptions) -> None:
        meta = {"name": label_proxy.NAME, "namespace": ns_name, "labels": {**LABELS, **label_proxy.LABELS}}
        k8s.apps.v1.Deployment(f"{name}-prom-label-proxy", metadata=meta,
                               spec=label_proxy.deployment_spec(self.endpoints.thanos_query), opts=opts)
        k8s.core.v1.Service(f"{name}-prom-label-proxy", metadata=meta, spec=label_proxy.service_spec(), opts=opts)

    def _collector(self, name: str, args: ObservabilityArgs, namespace: k8s.core.v1.Namespace) -> None:
        after_ns = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        sa = k8s.core.v1.ServiceAccount(
            f"{name}-collector-sa", metadata={"name": COLLECTOR_SA, "namespace": self.namespace_name, "labels": LABELS},
            # No token in every pod of this account; the collector mounts its own (collector_volumes).
            automount_service_account_token=False, opts=after_ns)
        role = k8s.rbac.v1.ClusterRole(
            f"{name}-collector-role", metadata={"name": "dbaas-otel-collector", "labels": LABELS},
            rules=[{"apiGroups": [""], "resources": ["pods", "namespaces", "nodes"], "verbs": ["get", "list", "watch"]},
                   {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": ["get", "list", "watch"]}],
            opts=pulumi.ResourceOptions(parent=self))
        binding = k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-collector-binding", metadata={"name": "dbaas-otel-collector", "labels": LABELS},
            role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "dbaas-otel-collector"},
            subjects=[{"kind": "ServiceAccount", "name": COLLECTOR_SA, "namespace": self.namespace_name}],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role, sa]))
        e = self.endpoints
        self.collector_config = collector_config(e.loki_otlp, e.tempo_otlp_grpc,
                                                 e.prometheus_remote_write)
        self.collector = k8s.apiextensions.CustomResource(
            f"{name}-collector", api_version="opentelemetry.io/v1beta1", kind="OpenTelemetryCollector",
            metadata={"name": COLLECTOR_NAME, "namespace": self.namespace_name, "labels": LABELS},
            spec={
                "mode": "daemonset",
                "image": COLLECTOR_IMAGE,
                "serviceAccount": COLLECTOR_SA,
                "config": self.collector_config,
                "ports": [{"name": "otlp-grpc", "port": OTLP_GRPC_PORT}, {"name": "otlp-http", "port": OTLP_HTTP_PORT}],
                **collector_volumes(),
                "tolerations": [{"operator": "Exists"}],
                "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.releases["opentelemetry-operator"], binding]),
        )
        self.collector_uid = self.collector.metadata.apply(_uid)


def _uid(metadata: Any) -> str:
    return metadata["uid"] if isinstance(metadata, dict) else metadata.uid


def collector_volumes() -> dict:
    """The collector's `volumes` and `volumeMounts`: the node's pod logs (read-only host path, allowed
    for this namespace by the pack's k8s-no-privileged-pods config) and an explicitly projected API
    token for k8sattributes, since the ServiceAccount does not automount one."""
    token_sources = [
        {"serviceAccountToken": {"path": "token", "expirationSeconds": TOKEN_EXPIRATION_SECONDS}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                      "fieldPath": "metadata.namespace"}}]}},
    ]
    return {
        "volumes": [
            {"name": "pod-logs", "hostPath": {"path": "/var/log/pods", "type": "Directory"}},
            {"name": "api-token", "projected": {"defaultMode": 0o644, "sources": token_sources}},
        ],
        "volumeMounts": [
            {"name": "pod-logs", "mountPath": "/var/log/pods", "readOnly": True},
            {"name": "api-token", "mountPath": SERVICE_ACCOUNT_TOKEN_DIR, "readOnly": True},
        ],
    }
