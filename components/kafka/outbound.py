"""Aerospike CDC: the database pushes changes over XDR to Aerospike's Kafka outbound connector
(the vendor's own; there is no Debezium connector for Aerospike), which runs here in the Kafka
namespace, one Deployment per CDC-enabled Aerospike service, writing that service's one topic.

The AerospikeCluster (components/engines) must declare an XDR datacenter with `connector: true`
pointing at `xdr_destination(...)`. The connector's Kafka keystore passwords are read from the
mounted Strimzi Secrets by Kafka's DirectoryConfigProvider; they never appear in its config.
"""

from __future__ import annotations

import hashlib

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.kafka.acls import aerospike_outbound_acl_rules
from components.kafka.custom_resources import PART_OF
from components.kafka.schema_registry import RESTRICTED_CONTAINER
from components.kafka.users import create_user, user_spec
from components.kafka.versions import AEROSPIKE_KAFKA_OUTBOUND_IMAGE
from declarations.naming import dns_label

XDR_PORT = 8080
CONFIG_DIR = "/etc/aerospike-kafka-outbound"
USER_DIR = "/etc/dbaas/kafka-user"
CA_DIR = "/etc/dbaas/cluster-ca"
OUTBOUND_POD_LABELS = {"app.kubernetes.io/component": "aerospike-xdr-outbound"}
"""On every outbound connector pod: the Kafka namespace admits tenants' XDR on `XDR_PORT` to these only."""
FEATURE_KEY_SECRET = "aerospike-kafka-outbound-features"
"""Aerospike's licence feature key (`features.conf`), provisioned by operations in the Kafka namespace."""


def outbound_name(tenant_id: str, service_name: str) -> str:
    """`xdr-<tenant>-<service>-<hash6>`: the hash of the exact pair keeps `a-b`/`c` and `a`/`b-c` apart."""
    digest = hashlib.sha256(f"{tenant_id}\0{service_name}".encode()).hexdigest()[:6]
    return dns_label("xdr", tenant_id, service_name, digest)


def xdr_destination(tenant_id: str, service_name: str, kafka_namespace: str) -> str:
    """`host:port` the Aerospike XDR connector datacenter ships changes to."""
    return f"{outbound_name(tenant_id, service_name)}.{kafka_namespace}.svc:{XDR_PORT}"


def outbound_config(topic: str, bootstrap: str) -> dict:
    return {
        "service": {"port": XDR_PORT, "feature-key-file": f"{CONFIG_DIR}/features.conf"},
        "producer-props": {
            "bootstrap.servers": [bootstrap],
            "security.protocol": "SSL",
            "ssl.keystore.type": "PKCS12",
            "ssl.keystore.location": f"{USER_DIR}/user.p12",
            "ssl.keystore.password": f"${{dir:{USER_DIR}:user.password}}",
            "ssl.truststore.type": "PKCS12",
            "ssl.truststore.location": f"{CA_DIR}/ca.p12",
            "ssl.truststore.password": f"${{dir:{CA_DIR}:ca.password}}",
            "config.providers": "dir",
            "config.providers.dir.class": "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
            "acks": "all",
            "enable.idempotence": True,
        },
        "format": {"mode": "flat-json", "metadata-key": "metadata"},
        "routing": {"mode": "static", "destination": topic},
        "logging": {"enable-console-logging": True},
    }


def create_outbound(
    tenant_id: str, service_name: str, topic: str, namespace: str, cluster: str, cluster_ca_secret: str,
    bootstrap: str, labels: dict[str, str], opts: pulumi.ResourceOptions,
) -> k8s.core.v1.Service:
    name = outbound_name(tenant_id, service_name)
    pod_labels = {**PART_OF, **labels, **OUTBOUND_POD_LABELS, "app.kubernetes.io/name": name}
    user = create_user(f"{tenant_id}.{service_name}.xdr-user", name, namespace, cluster,
                       user_spec(aerospike_outbound_acl_rules(topic)), opts, labels=labels)
    config = k8s.core.v1.ConfigMap(
        f"{tenant_id}.{service_name}.xdr-config",
        metadata={"name": name, "namespace": namespace, "labels": pod_labels},
        data={"aerospike-kafka-outbound.yml": yaml.safe_dump(outbound_config(topic, bootstrap), sort_keys=True)},
        opts=opts,
    )
    deployment = k8s.apps.v1.Deployment(
        f"{tenant_id}.{service_name}.xdr-outbound",
        metadata={"name": name, "namespace": namespace, "labels": pod_labels},
        spec={
            "replicas": 2,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "outbound",
                        "image": AEROSPIKE_KAFKA_OUTBOUND_IMAGE,
                        "ports": [{"name": "xdr", "containerPort": XDR_PORT}],
                        "readinessProbe": {"tcpSocket": {"port": XDR_PORT}, "periodSeconds": 10},
                        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
                        "securityContext": RESTRICTED_CONTAINER,
                        "volumeMounts": [
                            {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
                            {"name": "kafka-user", "mountPath": USER_DIR, "readOnly": True},
                            {"name": "cluster-ca", "mountPath": CA_DIR, "readOnly": True},
                        ],
                    }],
                    "volumes": [
                        {"name": "config", "projected": {"sources": [
                            {"configMap": {"name": name}},
                            {"secret": {"name": FEATURE_KEY_SECRET, "items": [{"key": "features.conf", "path": "features.conf"}]}},
                        ]}},
                        {"name": "kafka-user", "secret": {"secretName": name}},
                        {"name": "cluster-ca", "secret": {"secretName": cluster_ca_secret}},
                    ],
                },
            },
        },
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[user, config])),
    )
    return k8s.core.v1.Service(
        f"{tenant_id}.{service_name}.xdr-service",
        metadata={"name": name, "namespace": namespace, "labels": pod_labels},
        spec={"selector": {"app.kubernetes.io/name": name}, "ports": [{"name": "xdr", "port": XDR_PORT, "targetPort": "xdr"}]},
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[deployment])),
    )
