"""The regional Kafka Connect cluster: plugins built into its image by Strimzi, connectors
managed only as KafkaConnector objects, Avro through the schema registry, and credentials read
from Kubernetes Secrets at run time by Strimzi's config providers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from pulumi_kubernetes.apiextensions import CustomResource

from components.aws_policies import dumps
from components.irsa import IRSA_ROLE_ANNOTATION, create_irsa_role
from components.kafka.acls import connect_acl_rules
from components.kafka.custom_resources import strimzi_resource
from components.kafka.plugins import ALL_PLUGINS, Plugin
from components.kafka.schema_registry import bootstrap_address, cluster_ca_secret
from components.kafka.args import KafkaBackboneArgs
from components.kafka.topics import compacted_topic_spec
from components.kafka.users import create_user, user_spec
from components.kafka.versions import KAFKA_VERSION
from components.pop.node_classes import SYSTEM
from declarations.naming import tenant_role

NAME = "dbaas-connect"
SERVICE_ACCOUNT = f"{NAME}-connect"
"""Strimzi names the Connect pods' ServiceAccount `<name>-connect`."""
GROUP_ID = NAME
INTERNAL_TOPIC_PREFIX = f"{NAME}."
IMAGE_PUSH_SECRET = f"{NAME}-image-push"
ROLE_NAME = "dbaas-kafka-connect"
AVRO_CONVERTER = "io.apicurio.registry.utils.converter.AvroConverter"
RECORD_ID_STRATEGY = "io.apicurio.registry.serde.avro.strategy.RecordIdStrategy"
"""One CDC topic holds several tables, so each schema is registered under its record name."""
CONNECT_NODES = SYSTEM
"""Connect workers and their image builds stay on the system nodes, pinned so they never drift onto
a future untainted class. SYSTEM has no taint, so there is nothing to tolerate."""


@dataclass(frozen=True)
class KafkaConnectCluster:
    resource: CustomResource
    name: str
    role: aws.iam.Role
    """IRSA role of the Connect pods; the audit archive assumes tenant roles from it."""


def image_tag(plugins: tuple[Plugin, ...]) -> str:
    """Content-addressed tag: a change of any pinned artifact builds and rolls a new image."""
    digest = hashlib.sha256(json.dumps([p.to_strimzi() for p in plugins], sort_keys=True).encode()).hexdigest()
    return f"kafka-{KAFKA_VERSION}-{digest[:12]}"


def converter_config(registry_url: str) -> dict[str, object]:
    config: dict[str, object] = {}
    for side in ("key", "value"):
        config.update({
            f"{side}.converter": AVRO_CONVERTER,
            f"{side}.converter.apicurio.registry.url": registry_url,
            f"{side}.converter.apicurio.registry.auto-register": True,
            f"{side}.converter.apicurio.registry.find-latest": True,
            f"{side}.converter.apicurio.registry.artifact-resolver-strategy": RECORD_ID_STRATEGY,
        })
    return config


def worker_config(registry_url: str) -> dict[str, object]:
    return {
        "group.id": GROUP_ID,
        "config.storage.topic": f"{INTERNAL_TOPIC_PREFIX}configs",
        "offset.storage.topic": f"{INTERNAL_TOPIC_PREFIX}offsets",
        "status.storage.topic": f"{INTERNAL_TOPIC_PREFIX}status",
        "config.storage.replication.factor": -1,
        "offset.storage.replication.factor": -1,
        "status.storage.replication.factor": -1,
        "topic.creation.enable": False,
        "config.providers": "secrets,configmaps",
        "config.providers.secrets.class": "io.strimzi.kafka.KubernetesSecretConfigProvider",
        "config.providers.configmaps.class": "io.strimzi.kafka.KubernetesConfigMapConfigProvider",
        **converter_config(registry_url),
    }


INTERNAL_TOPICS = {"configs": 1, "offsets": 25, "status": 5}
"""Connect's state topics and their partition counts (Connect's own defaults)."""


def connect_spec(args: KafkaBackboneArgs, registry_url: str, role_arn: pulumi.Input[str]) -> dict:
    return {
        "version": KAFKA_VERSION,
        "replicas": args.connect_replicas,
        "bootstrapServers": bootstrap_address(args.cluster_name, args.namespace, args.bootstrap_port),
        "tls": {"trustedCertificates": [{"secretName": cluster_ca_secret(args.cluster_name), "certificate": "ca.crt"}]},
        "authentication": {
            "type": "tls",
            "certificateAndKey": {"secretName": NAME, "certificate": "user.crt", "key": "user.key"},
        },
        "config": worker_config(registry_url),
        "build": {
            "output": {"type": "docker", "image": f"{args.connect_image}:{image_tag(ALL_PLUGINS)}",
                       "pushSecret": IMAGE_PUSH_SECRET},
            "plugins": [p.to_strimzi() for p in ALL_PLUGINS],
        },
        "rack": {"topologyKey": args.rack_topology_key},
        "resources": {"requests": {"cpu": "1", "memory": "3Gi"}, "limits": {"cpu": "2", "memory": "3Gi"}},
        "jvmOptions": {"-Xms": "2g", "-Xmx": "2g"},
        "template": {
            "serviceAccount": {"metadata": {"annotations": {IRSA_ROLE_ANNOTATION: role_arn}}},
            "pod": {"affinity": CONNECT_NODES.affinity()},
            "buildPod": {"affinity": CONNECT_NODES.affinity()},
        },
    }


def assume_tenant_roles_policy(account_id: str) -> dict:
    """Connect may assume tenant roles (never use tenant keys directly); each tenant's trust
    policy decides whether to accept it, with the tenant id as external id."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AssumeTenantRolesForAuditArchive",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{account_id}:role/{tenant_role('*')}",
        }],
    }


def create_connect(
    args: KafkaBackboneArgs, registry_url: str, opts: pulumi.ResourceOptions, depends_on: list[pulumi.Resource]
) -> KafkaConnectCluster:
    ns, cluster = args.namespace, args.cluster_name
    role = create_irsa_role(
        "kafka-connect-role", role_name=ROLE_NAME,
        description=f"dbaas Kafka Connect in {args.region}: assumes tenant roles for the audit archive",
        account_id=args.aws_account_id, oidc_issuer=args.oidc_issuer, namespace=ns, service_account=SERVICE_ACCOUNT,
        tags={"dbaas:region": args.region, "managed-by": "pulumi"}, opts=opts,
    )
    aws.iam.RolePolicy("kafka-connect-assume-tenant-roles", name="assume-tenant-roles", role=role.name,
                       policy=dumps(assume_tenant_roles_policy(args.aws_account_id)), opts=opts)
    user = create_user("kafka-connect-user", NAME, ns, cluster,
                       user_spec(connect_acl_rules(GROUP_ID, INTERNAL_TOPIC_PREFIX)), opts)
    topics = [
        strimzi_resource(f"kafka-topic-connect-{kind}", "KafkaTopic", f"{INTERNAL_TOPIC_PREFIX}{kind}", ns,
                         compacted_topic_spec(f"{INTERNAL_TOPIC_PREFIX}{kind}", partitions), opts, cluster=cluster)
        for kind, partitions in INTERNAL_TOPICS.items()
    ]
    connect = strimzi_resource(
        "kafka-connect", "KafkaConnect", NAME, ns, connect_spec(args, registry_url, role.arn),
        pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[*depends_on, user, *topics])),
        annotations={"strimzi.io/use-connector-resources": "true"},
    )
    return KafkaConnectCluster(resource=connect, name=NAME, role=role)
