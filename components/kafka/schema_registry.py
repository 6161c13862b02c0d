"""Apicurio Registry, storing schemas in Kafka itself (kafkasql), for Connect's Avro converters.

It authenticates to Kafka with its own mutual-TLS KafkaUser; the keystore and truststore
passwords reach it only as Secret references, never as values.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kafka.acls import schema_registry_acl_rules
from components.kafka.custom_resources import PART_OF, strimzi_resource
from components.kafka.topics import journal_topic_spec
from components.kafka.users import create_user, user_spec
from components.kafka.versions import APICURIO_REGISTRY_IMAGE

NAME = "dbaas-schema-registry"
TOPIC_PREFIX = "dbaas-registry."
GROUP_PREFIX = "dbaas-registry-"
JOURNAL_TOPIC = f"{TOPIC_PREFIX}journal"
SNAPSHOTS_TOPIC = f"{TOPIC_PREFIX}snapshots"
PORT = 8080
USER_SECRET_DIR = "/etc/dbaas/kafka-user"
CLUSTER_CA_DIR = "/etc/dbaas/cluster-ca"
LABELS = {**PART_OF, "app.kubernetes.io/name": NAME}


@dataclass(frozen=True)
class SchemaRegistry:
    service: k8s.core.v1.Service
    url: str
    """The registry's v2 API, which Connect's Apicurio converters use."""


def cluster_ca_secret(cluster: str) -> str:
    """The Secret in which Strimzi publishes the cluster CA certificate (ca.crt, ca.p12, ca.password)."""
    return f"{cluster}-cluster-ca-cert"


def bootstrap_address(cluster: str, namespace: str, port: int) -> str:
    return f"{cluster}-kafka-bootstrap.{namespace}.svc:{port}"


def _secret_env(name: str, secret: str, key: str) -> dict:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def registry_env(cluster: str, namespace: str, port: int) -> list[dict]:
    return [
        {"name": "APICURIO_STORAGE_KIND", "value": "kafkasql"},
        {"name": "APICURIO_KAFKASQL_BOOTSTRAP_SERVERS", "value": bootstrap_address(cluster, namespace, port)},
        {"name": "APICURIO_KAFKASQL_TOPIC", "value": JOURNAL_TOPIC},
        {"name": "APICURIO_KAFKASQL_SNAPSHOTS_TOPIC", "value": SNAPSHOTS_TOPIC},
        {"name": "APICURIO_KAFKASQL_CONSUMER_GROUP_PREFIX", "value": GROUP_PREFIX},
        {"name": "APICURIO_KAFKASQL_TOPIC_AUTO_CREATE", "value": "false"},
        {"name": "APICURIO_KAFKASQL_SECURITY_PROTOCOL", "value": "SSL"},
        {"name": "APICURIO_KAFKASQL_SSL_KEYSTORE_TYPE", "value": "PKCS12"},
        {"name": "APICURIO_KAFKASQL_SSL_KEYSTORE_LOCATION", "value": f"{USER_SECRET_DIR}/user.p12"},
        _secret_env("APICURIO_KAFKASQL_SSL_KEYSTORE_PASSWORD", NAME, "user.password"),
        {"name": "APICURIO_KAFKASQL_SSL_TRUSTSTORE_TYPE", "value": "PKCS12"},
        {"name": "APICURIO_KAFKASQL_SSL_TRUSTSTORE_LOCATION", "value": f"{CLUSTER_CA_DIR}/ca.p12"},
        _secret_env("APICURIO_KAFKASQL_SSL_TRUSTSTORE_PASSWORD", cluster_ca_secret(cluster), "ca.password"),
    ]


RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": False,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


def registry_deployment_spec(cluster: str, namespace: str, port: int) -> dict:
    probe = {"httpGet": {"path": "/health/ready", "port": PORT}, "periodSeconds": 10, "failureThreshold": 6}
    return {
        "replicas": 2,
        "selector": {"matchLabels": {"app.kubernetes.io/name": NAME}},
        "template": {
            "metadata": {"labels": LABELS},
            "spec": {
                "automountServiceAccountToken": False,
                "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [
                    {
                        "name": "registry",
                        "image": APICURIO_REGISTRY_IMAGE,
                        "ports": [{"name": "http", "containerPort": PORT}],
                        "env": registry_env(cluster, namespace, port),
                        "readinessProbe": probe,
                        "livenessProbe": {**probe, "httpGet": {"path": "/health/live", "port": PORT}},
                        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
                        "securityContext": RESTRICTED_CONTAINER,
                        "volumeMounts": [
                            {"name": "kafka-user", "mountPath": USER_SECRET_DIR, "readOnly": True},
                            {"name": "cluster-ca", "mountPath": CLUSTER_CA_DIR, "readOnly": True},
                        ],
                    }
                ],
                "volumes": [
                    {"name": "kafka-user", "secret": {"secretName": NAME}},
                    {"name": "cluster-ca", "secret": {"secretName": cluster_ca_secret(cluster)}},
                ],
            },
        },
    }


def create_schema_registry(
    cluster: str, namespace: str, port: int, opts: pulumi.ResourceOptions
) -> SchemaRegistry:
    user = create_user("kafka-schema-registry-user", NAME, namespace, cluster,
                       user_spec(schema_registry_acl_rules(TOPIC_PREFIX, GROUP_PREFIX)), opts)
    topics = [
        strimzi_resource(f"kafka-topic-{t}", "KafkaTopic", t, namespace, journal_topic_spec(t), opts, cluster=cluster)
        for t in (JOURNAL_TOPIC, SNAPSHOTS_TOPIC)
    ]
    deployment = k8s.apps.v1.Deployment(
        "kafka-schema-registry",
        metadata={"name": NAME, "namespace": namespace, "labels": LABELS},
        spec=registry_deployment_spec(cluster, namespace, port),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[user, *topics])),
    )
    service = k8s.core.v1.Service(
        "kafka-schema-registry-service",
        metadata={"name": NAME, "namespace": namespace, "labels": LABELS},
        spec={"selector": {"app.kubernetes.io/name": NAME}, "ports": [{"name": "http", "port": PORT, "targetPort": "http"}]},
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[deployment])),
    )
    return SchemaRegistry(service=service, url=f"http://{NAME}.{namespace}.svc:{PORT}/apis/registry/v2")
