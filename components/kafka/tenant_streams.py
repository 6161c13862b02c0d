"""`dbaas:kafka:TenantStreams`: one tenant's share of the regional Kafka.

Topics, a KafkaUser with ACLs and plan quotas, CDC capture for every `cdc: true` service and the
audit archive. The Kafka custom resources live in the Kafka namespace, because Strimzi's topic
and user operators and Kafka Connect watch that one namespace; the stack parents this component
to the tenant's `TenantEnvironment`, so plans and reviews still attribute them to the tenant.
In the tenant namespace it adds only what CDC needs: a Role letting Connect read the instances'
credentials Secrets and a NetworkPolicy letting Connect (or Aerospike XDR) through.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource

from components.kafka.acls import tenant_acl_rules
from components.kafka.archive import S3_SINK_CLASS, archive_connector_name, audit_archive_config
from components.kafka.cdc_sources import ConnectorCapture, OutboundCapture, cdc_capture
from components.kafka.custom_resources import strimzi_resource
from components.kafka.outbound import XDR_PORT, create_outbound, outbound_name
from components.kafka.topics import RetentionClass, retained_topic_spec
from components.kafka.users import create_user, user_spec
from components.protection import retained_after_decommission, stateful
from declarations.naming import KAFKA_TENANT_TOPIC_KINDS, kafka_tenant_topic, kafka_tenant_user, tenant_namespace
from declarations.plans import plan_for
from declarations.tenant_model import Tenant

TYPE = "dbaas:kafka:TenantStreams"
CONNECT_SECRETS_ROLE = "kafka-connect-cdc-reader"
LABEL_TENANT = "dbaas.io/tenant"
SERVICE_LABEL = "dbaas.io/service"
"""On a CDC topic: the service it captures, so the deletion rule knows when that service is decommissioned."""


@dataclass(frozen=True)
class TenantStreamsArgs:
    """The tenant, where the regional Kafka is, and the tenant's archive target (bucket, key, role)."""

    tenant: Tenant
    kafka_namespace: str
    cluster_name: str
    bootstrap: str
    cluster_ca_secret: str
    connect_name: str
    connect_service_account: str
    aws_region: str
    bucket_name: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    role_arn: pulumi.Input[str]


def connect_pod_peer(kafka_namespace: str, connect_name: str) -> dict:
    return {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": kafka_namespace}},
        "podSelector": {"matchLabels": {"strimzi.io/cluster": connect_name, "strimzi.io/kind": "KafkaConnect"}},
    }


def cdc_ingress_ports(captures: list[ConnectorCapture]) -> list[int]:
    """Ports beyond each engine's client port, which components/engines already admits from Kafka."""
    return sorted({p for c in captures for p in c.extra_ports})


def secret_reader_rules(captures: list[ConnectorCapture]) -> list[dict]:
    """`get` on exactly the credentials Secrets (and table-list ConfigMaps) the connectors reference."""
    rules = [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"],
              "resourceNames": sorted({c.endpoint.credentials_secret for c in captures})}]
    configmaps = sorted({name for c in captures for name in c.configmaps})
    if configmaps:
        rules.append({"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"], "resourceNames": configmaps})
    return rules


class TenantStreams(pulumi.ComponentResource):
    """Typed handles: the tenant's topics by name, its KafkaUser and its connectors."""

    topics: dict[str, CustomResource]
    user: CustomResource
    connectors: dict[str, CustomResource]
    outbound_services: dict[str, k8s.core.v1.Service]

    def __init__(self, args: TenantStreamsArgs, opts: pulumi.ResourceOptions | None = None):
        tenant = args.tenant
        super().__init__(TYPE, f"{tenant.id}.kafka", None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ns, cluster = args.kafka_namespace, args.cluster_name
        labels = {LABEL_TENANT: tenant.id}
        retention = {kind: RetentionClass(kind) for kind in KAFKA_TENANT_TOPIC_KINDS}
        # Topics hold the tenant's events: protected tenants' topics survive a removed declaration. A deployed
        # decommission marker (the tenant's; a service's for its CDC topic) lifts protect but keeps them retained,
        # like the tenant's bucket, so the later removal leaves them in the cluster instead of failing `pulumi up`.
        def topic_opts(decommissioned: bool) -> pulumi.ResourceOptions:
            keep = retained_after_decommission if decommissioned else stateful
            return keep(child, tenant.deletion_protection)

        tenant_decommissioned = tenant.decommission is not None
        self.topics = {}
        for kind in KAFKA_TENANT_TOPIC_KINDS:
            name = kafka_tenant_topic(kind, tenant.id)
            self.topics[name] = strimzi_resource(f"{tenant.id}.topic-{kind}", "KafkaTopic", name, ns,
                                                 retained_topic_spec(name, retention[kind]),
                                                 topic_opts(tenant_decommissioned), cluster, labels)
        cdc_services = [s for s in tenant.services if s.cdc]
        captures = [cdc_capture(tenant.id, s) for s in cdc_services]
        for service, capture in zip(cdc_services, captures):
            self.topics[capture.topic] = strimzi_resource(
                f"{capture.topic}-topic", "KafkaTopic", capture.topic, ns,
                retained_topic_spec(capture.topic, RetentionClass.cdc),
                topic_opts(tenant_decommissioned or service.decommission is not None), cluster,
                {**labels, SERVICE_LABEL: service.name})

        self.user = create_user(f"{tenant.id}.kafka-user", kafka_tenant_user(tenant.id), ns, cluster,
                                user_spec(tenant_acl_rules(tenant), plan_for(tenant.plan).kafka_quota), child, labels)

        connector_opts = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=list(self.topics.values())))
        pulled = [c for c in captures if isinstance(c, ConnectorCapture)]
        pushed = [c for c in captures if isinstance(c, OutboundCapture)]
        access = self._tenant_namespace_access(args, pulled, pushed, child)
        on_access = pulumi.ResourceOptions.merge(connector_opts, pulumi.ResourceOptions(depends_on=access))
        self.connectors = {}
        for capture in pulled:
            service = capture.service_name
            self.connectors[capture.topic] = strimzi_resource(
                f"{tenant.id}.{service}.cdc-connector", "KafkaConnector", f"cdc.{tenant.id}.{service}", ns,
                {"class": capture.connector_class, "tasksMax": capture.tasks_max, "config": capture.config,
                 "autoRestart": {"enabled": True}, "state": "running"},
                on_access, args.connect_name, labels)
        self.outbound_services = {
            c.topic: create_outbound(tenant.id, c.service_name, c.topic, ns, cluster, args.cluster_ca_secret,
                                     args.bootstrap, labels, connector_opts)
            for c in pushed
        }

        audit = kafka_tenant_topic("audit", tenant.id)
        archive_config = pulumi.Output.all(args.bucket_name, args.key_arn, args.role_arn).apply(
            lambda a: audit_archive_config(tenant.id, audit, a[0], args.aws_region, a[1], a[2]))
        self.connectors[archive_connector_name(tenant.id)] = strimzi_resource(
            f"{tenant.id}.audit-archive-connector", "KafkaConnector", archive_connector_name(tenant.id), ns,
            {"class": S3_SINK_CLASS, "tasksMax": 1, "config": archive_config, "autoRestart": {"enabled": True},
             "state": "running"},
            connector_opts, args.connect_name, labels)

        self.register_outputs({"user": kafka_tenant_user(tenant.id), "topics": sorted(self.topics)})

    def _tenant_namespace_access(
        self, args: TenantStreamsArgs, pulled: list[ConnectorCapture], pushed: list[OutboundCapture],
        opts: pulumi.ResourceOptions,
    ) -> list[pulumi.Resource]:
        """Role + RoleBinding for Connect's Secret reads, and the NetworkPolicies CDC traffic needs."""
        tenant_id = args.tenant.id
        namespace = tenant_namespace(tenant_id)
        labels = {LABEL_TENANT: tenant_id, "app.kubernetes.io/part-of": "dbaas", "app.kubernetes.io/managed-by": "pulumi"}
        created: list[pulumi.Resource] = []
        if pulled:
            role = k8s.rbac.v1.Role(
                f"{tenant_id}.kafka-connect-reader",
                metadata={"name": CONNECT_SECRETS_ROLE, "namespace": namespace, "labels": labels},
                rules=secret_reader_rules(pulled), opts=opts)
            binding = k8s.rbac.v1.RoleBinding(
                f"{tenant_id}.kafka-connect-reader-binding",
                metadata={"name": CONNECT_SECRETS_ROLE, "namespace": namespace, "labels": labels},
                role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": CONNECT_SECRETS_ROLE},
                subjects=[{"kind": "ServiceAccount", "name": args.connect_service_account, "namespace": args.kafka_namespace}],
                opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[role])))
            created += [role, binding]
        if cdc_ingress_ports(pulled):
            created.append(k8s.networking.v1.NetworkPolicy(
                f"{tenant_id}.netpol-allow-kafka-connect-cdc",
                metadata={"name": "allow-kafka-connect-cdc", "namespace": namespace, "labels": labels},
                spec={
                    "podSelector": {},
                    "policyTypes": ["Ingress"],
                    "ingress": [{"from": [connect_pod_peer(args.kafka_namespace, args.connect_name)],
                                 "ports": [{"protocol": "TCP", "port": p} for p in cdc_ingress_ports(pulled)]}],
                },
                opts=opts))
        if pushed:
            created.append(k8s.networking.v1.NetworkPolicy(
                f"{tenant_id}.netpol-allow-aerospike-xdr-egress",
                metadata={"name": "allow-aerospike-xdr-egress", "namespace": namespace, "labels": labels},
                spec={
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [{
                        "to": [{
                            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": args.kafka_namespace}},
                            "podSelector": {"matchExpressions": [{
                                "key": "app.kubernetes.io/name", "operator": "In",
                                "values": sorted(outbound_name(tenant_id, c.service_name) for c in pushed),
                            }]},
                        }],
                        "ports": [{"protocol": "TCP", "port": XDR_PORT}],
                    }],
                },
                opts=opts))
        return created
