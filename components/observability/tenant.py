"""`dbaas:observability:TenantObservability`: what one tenant gets, created as a child of its
TenantEnvironment. Monitors and rules live in the tenant namespace (Prometheus enforces
`namespace=<that namespace>` on them); the Kafka rule lives in the Kafka namespace; the Grafana
folder, datasources and dashboards live next to the Grafana instance."""

from __future__ import annotations

from collections import defaultdict

import pulumi
import pulumi_kubernetes as k8s

from components.observability.args import TenantObservabilityArgs
from components.observability.collector_config import COLLECTOR_NAME, tenant_routes
from components.observability.dashboards import EngineDashboard
from components.observability.engine_telemetry import (
    INSTANCE_SERIES_LABEL, instance_name, telemetry_for,
)
from components.observability.grafana import INSTANCE_SELECTOR, datasource_specs, folder_spec, folder_uid
from components.observability.metrics_values import MONITOR_SELECTOR_LABEL
from components.observability.platform_alerts import (
    ServiceAlertTarget, disk_alert_group, kafka_alert_group, service_alert_group,
)
from components.observability.slo import SloTarget, slo_rule_group
from components.observability.tenancy import TenantRoute
from declarations.engine_catalog import engine_spec
from declarations.plans import plan_for
from declarations.tenant_model import Service, Tenant

TYPE = "dbaas:observability:TenantObservability"
MONITORING_API = "monitoring.coreos.com/v1"
GRAFANA_API = "grafana.integreatly.org/v1beta1"
COLLECTOR_API = "opentelemetry.io/v1beta1"
COLLECTOR_UID_ANNOTATION_PREFIX = "collector.dbaas.io/routes-"
"""`collector.dbaas.io/routes-<tenant>`: the uid of the collector object the tenant's routes were applied to."""


def collector_uid_annotation(tenant_id: str) -> str:
    """One key per tenant (a DNS-1123 prefix and a name of at most 47 characters), so each tenant's patch
    owns its own annotation and no two field managers ever set one field."""
    return f"{COLLECTOR_UID_ANNOTATION_PREFIX}{tenant_id}"


def monitor_spec(namespace: str, instance: str, service: Service) -> dict:
    """PodMonitor or ServiceMonitor spec (by the engine's telemetry) for one instance."""
    t = telemetry_for(service.engine)
    endpoints = [{
        "port": e.port, "path": e.path, "scheme": "http",
        "relabelings": [{"action": "replace", "targetLabel": INSTANCE_SERIES_LABEL, "replacement": instance}],
    } for e in t.endpoints]
    spec: dict = {"selector": {"matchLabels": t.selector(instance)},
                  "namespaceSelector": {"matchNames": [namespace]}}
    spec["podMetricsEndpoints" if t.monitor_kind == "PodMonitor" else "endpoints"] = endpoints
    return spec


def rule_groups(tenant: Tenant, namespace: str) -> list[dict]:
    """Every rule group of the tenant's namespace: SLOs and platform alerts per service, then disk."""
    objective = plan_for(tenant.plan).availability_slo
    groups: list[dict] = []
    for svc in tenant.services:
        inst, t = instance_name(svc.name, svc.engine), telemetry_for(svc.engine)
        groups.append(slo_rule_group(SloTarget(tenant.id, svc.name, namespace, inst, objective, t)))
        groups.append(service_alert_group(ServiceAlertTarget(
            tenant.id, svc.name, namespace, inst, svc.topology == "clustered", svc.backups is not None, t)))
    groups.append(disk_alert_group(tenant.id, namespace))
    return groups


def engine_dashboards(route: TenantRoute, tenant: Tenant) -> list[EngineDashboard]:
    by_engine: dict[str, list[str]] = defaultdict(list)
    for svc in tenant.services:
        by_engine[svc.engine.value].append(instance_name(svc.name, svc.engine))
    return [
        EngineDashboard(route=route, engine=engine, title=f"{tenant.id}: {engine_spec(engine).title}",
                        instances=tuple(sorted(instances)), telemetry=telemetry_for(engine))
        for engine, instances in sorted(by_engine.items())
    ]


class TenantObservability(pulumi.ComponentResource):
    monitors: list[k8s.apiextensions.CustomResource]
    rules: list[k8s.apiextensions.CustomResource]
    folder: k8s.apiextensions.CustomResource
    datasources: dict[str, k8s.apiextensions.CustomResource]
    dashboards: list[k8s.apiextensions.CustomResource]

    def __init__(self, name: str, args: TenantObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        tenant = args.tenant
        child = pulumi.ResourceOptions(parent=self)
        route = TenantRoute(tenant.id)
        ns, mon_ns = route.namespace, args.endpoints.namespace
        labels = {"dbaas.io/tenant": tenant.id, MONITOR_SELECTOR_LABEL: "platform", "app.kubernetes.io/managed-by": "pulumi"}

        def cr(logical: str, api: str, kind: str, name: str, namespace: str, spec: dict,
               extra: pulumi.ResourceOptions | None = None) -> k8s.apiextensions.CustomResource:
            return k8s.apiextensions.CustomResource(
                f"{tenant.id}.{logical}", api_version=api, kind=kind,
                metadata={"name": name, "namespace": namespace, "labels": labels}, spec=spec,
                opts=pulumi.ResourceOptions.merge(child, extra) if extra else child)

        self.monitors = []
        for svc in tenant.services:
            inst = instance_name(svc.name, svc.engine)
            kind = telemetry_for(svc.engine).monitor_kind
            self.monitors.append(cr(f"{svc.name}.monitor", MONITORING_API, kind, inst, ns, monitor_spec(ns, inst, svc)))
        self.rules = [cr("rules", MONITORING_API, "PrometheusRule", "dbaas-tenant", ns,
                         {"groups": rule_groups(tenant, ns)})]
        if any(s.cdc for s in tenant.services):
            self.rules.append(cr("kafka-rules", MONITORING_API, "PrometheusRule", f"tenant-{tenant.id}",
                                 args.kafka_namespace, {"groups": [kafka_alert_group(tenant.id, args.kafka_namespace)]}))
        self.folder = cr("grafana-folder", GRAFANA_API, "GrafanaFolder", folder_uid(route), mon_ns, folder_spec(route))
        self.datasources = {
            kind: cr(f"grafana-ds-{kind}", GRAFANA_API, "GrafanaDatasource", spec["uid"], mon_ns, spec)
            for kind, spec in datasource_specs(route, args.endpoints).items()
        }
        self.dashboards = [
            cr(f"dashboard-{d.engine}", GRAFANA_API, "GrafanaDashboard", d.uid, mon_ns,
               {"instanceSelector": INSTANCE_SELECTOR, "folderRef": folder_uid(route), "uid": d.uid, "json": d.json()},
               pulumi.ResourceOptions(depends_on=[self.folder, *self.datasources.values()]))
            for d in engine_dashboards(route, tenant)
        ]
        # This tenant's pipelines in the region's collector (collector_config.py): a server-side-apply
        # patch (pulumi-kubernetes `<Kind>Patch`) of the platform stack's object. Its field manager is the
        # one pulumi-kubernetes generates for this resource and keeps in its state ("pulumi-kubernetes-"
        # and 8 random hex digits), because the only way to name one, the `pulumi.com/patchFieldManager`
        # annotation, is sent in the applied body (pulumi/pulumi-kubernetes v4.32.0
        # provider/pkg/provider/provider.go:2878-2907 fieldManagerName; await/await.go:190-207 applies
        # `c.Inputs.Object`): every tenant naming its own manager there set one annotation to different
        # values, and the second tenant's apply was refused with a conflict. Now each tenant's patch sets
        # only keys of its own (its pipelines, and its own annotation below), so no two managers share a
        # field (tools/kubernetes/field_ownership.py checks it across the region's stacks).
        # The annotation holds the uid of the collector object from the platform contract: if the
        # platform replaces the collector, the new object lacks every tenant's pipelines and has a new
        # uid, so each tenant stack's next preview shows this patch changed and its `up` applies the
        # pipelines again (`dbaas up` runs the tenant stacks after the platform stack).
        self.telemetry_routes = k8s.apiextensions.CustomResourcePatch(
            f"{tenant.id}.telemetry-routes", api_version=COLLECTOR_API, kind="OpenTelemetryCollector",
            metadata={"name": COLLECTOR_NAME, "namespace": mon_ns,
                      "annotations": {collector_uid_annotation(tenant.id): args.collector_uid}},
            spec={"config": tenant_routes(route, args.endpoints.loki_otlp, args.endpoints.tempo_otlp_grpc)},
            opts=child)
        self.register_outputs({"namespace": ns, "folder": folder_uid(route)})
