"""`dbaas:kafka:EventBackbone`: the region's Kafka, built once per PoP.

Strimzi operator (pinned chart), KRaft Kafka with node pools, the break-glass admin user,
Apicurio schema registry and Kafka Connect. Tenants' topics, users and connectors are separate
`TenantStreams` components parented to each tenant's environment.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from pulumi_kubernetes.apiextensions import CustomResource

from components.kafka.broker import ADMIN_USER, create_kafka
from components.kafka.connect import NAME as CONNECT_NAME, SERVICE_ACCOUNT, create_connect
from components.kafka.custom_resources import PART_OF
from components.kafka.network_policies import policy_specs
from components.kafka.operator import create_namespace_and_operator
from components.kafka.schema_registry import bootstrap_address, cluster_ca_secret, create_schema_registry
from components.kafka.args import KafkaBackboneArgs
from components.kafka.users import create_user, user_spec
from components.namespace_baseline import create_network_policies

TYPE = "dbaas:kafka:EventBackbone"


class EventBackbone(pulumi.ComponentResource):
    """Typed handles tenants' streams need: where Kafka and Connect are, and who Connect runs as."""

    namespace: str
    cluster_name: str
    bootstrap: str
    cluster_ca_secret: str
    kafka: CustomResource
    connect: CustomResource
    connect_name: str
    connect_service_account: str
    connect_role: aws.iam.Role
    schema_registry_url: str

    def __init__(self, name: str, args: KafkaBackboneArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.namespace = args.namespace
        self.cluster_name = args.cluster_name
        self.bootstrap = bootstrap_address(args.cluster_name, args.namespace, args.bootstrap_port)
        self.cluster_ca_secret = cluster_ca_secret(args.cluster_name)

        namespace, operator = create_namespace_and_operator(args.namespace, child)
        create_network_policies(
            "kafka-netpol", args.namespace,
            policy_specs(args.cluster_name, args.bootstrap_port, CONNECT_NAME, args.monitoring_namespace),
            PART_OF, pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace])))
        crds_ready = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace, operator]))
        self.kafka = create_kafka(args, crds_ready)
        on_kafka = pulumi.ResourceOptions.merge(crds_ready, pulumi.ResourceOptions(depends_on=[self.kafka]))
        create_user("kafka-admin-user", ADMIN_USER, args.namespace, args.cluster_name, user_spec(None), on_kafka)
        registry = create_schema_registry(args.cluster_name, args.namespace, args.bootstrap_port, on_kafka)
        self.schema_registry_url = registry.url
        connect = create_connect(args, registry.url, on_kafka, depends_on=[registry.service])
        self.connect = connect.resource
        self.connect_name = connect.name
        self.connect_service_account = SERVICE_ACCOUNT
        self.connect_role = connect.role

        self.register_outputs({
            "bootstrap": self.bootstrap,
            "schemaRegistryUrl": self.schema_registry_url,
            "connectRoleArn": self.connect_role.arn,
        })
