"""How changes are captured from each engine, as pure data: connector class, plugin and config.

Credentials never appear here: connector configs carry `${secrets:<ns>/<secret>:<key>}`
placeholders that Strimzi's KubernetesSecretConfigProvider resolves inside the Connect workers.

Coverage (see README): YugabyteDB, Vitess, MongoDB and ScyllaDB use Debezium-based connectors;
DragonflyDB has no change log, so applications append change events to a Redis stream that the
Redis Kafka Connect stream source forwards; Aerospike pushes changes over XDR to the vendor's
Kafka outbound connector, which runs beside Connect rather than inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from components.kafka import plugins
from components.kafka.instances import (
    VITESS_VTGATE_GRPC_PORT, YUGABYTE_MASTER_RPC_PORT, InstanceEndpoint, extra_cdc_ports, instance_endpoint,
)
from declarations.engine_catalog import EngineName
from declarations.naming import kafka_cdc_topic
from declarations.tenant_model import Service

CDC_TABLES_CONFIGMAP = "dbaas-cdc-tables"
"""Tenant-owned ConfigMap (tenant namespace): key `<service>` lists `keyspace.table` names whose
ScyllaDB CDC log is captured. Tables must also have `WITH cdc = {'enabled': true}`."""

DRAGONFLY_CDC_STREAM = "dbaas:cdc"
"""The Redis stream in a DragonflyDB instance whose entries become CDC events."""

YUGABYTE_GRPC_VERSIONS = ("2.20",)
"""YugabyteDB releases before 2024.1 have no logical replication; they use the gRPC CDC connector."""


class Mechanism(str, Enum):
    debezium = "debezium"
    vendor_debezium = "vendor-debezium"
    redis_streams = "redis-streams"
    xdr_outbound = "xdr-outbound"


def secret_ref(endpoint: InstanceEndpoint, key: str) -> str:
    return f"${{secrets:{endpoint.namespace}/{endpoint.credentials_secret}:{key}}}"


def configmap_ref(namespace: str, name: str, key: str) -> str:
    return f"${{configmaps:{namespace}/{name}:{key}}}"


class _ServiceTopic:
    topic: str

    @property
    def service_name(self) -> str:
        """The last dot-separated part of `dbaas.cdc.<engine>.<tenant>.<service>` (names have no dots)."""
        return self.topic.rsplit(".", 1)[1]


@dataclass(frozen=True)
class ConnectorCapture(_ServiceTopic):
    """Capture by a KafkaConnector running in the regional Kafka Connect cluster."""

    engine: EngineName
    mechanism: Mechanism
    connector_class: str
    plugin: plugins.Plugin
    topic: str
    endpoint: InstanceEndpoint
    config: dict[str, object]
    tasks_max: int = 1
    configmaps: tuple[str, ...] = field(default=())
    """Tenant-namespace ConfigMaps the connector reads through the config provider."""
    extra_ports: tuple[int, ...] = field(default=())
    """Instance ports Connect needs besides the client port."""


@dataclass(frozen=True)
class OutboundCapture(_ServiceTopic):
    """Capture pushed by the database (Aerospike XDR) to the vendor's outbound connector service."""

    engine: EngineName
    mechanism: Mechanism
    topic: str
    endpoint: InstanceEndpoint


CdcCapture = ConnectorCapture | OutboundCapture


def _escape(topic: str) -> str:
    return topic.replace(".", r"\.")


def single_topic_routing(topic: str) -> dict[str, object]:
    """Route every per-table topic `<topic>.<schema>.<table>` into the service's one topic.

    Topics exist only as KafkaTopic objects, and tables are not declared, so each service gets
    exactly one CDC topic; the router adds the source table to the key to keep keys unique.
    """
    return {
        "transforms": "route",
        "transforms.route.type": "io.debezium.transforms.ByLogicalTableRouter",
        "transforms.route.topic.regex": f"{_escape(topic)}\\..+",
        "transforms.route.topic.replacement": topic,
        "transforms.route.key.enforce.uniqueness": "true",
    }


def _credentials(endpoint: InstanceEndpoint, user_key: str, password_key: str) -> dict[str, object]:
    return {user_key: secret_ref(endpoint, endpoint.username_key), password_key: secret_ref(endpoint, endpoint.password_key)}


def _yugabyte(topic: str, ep: InstanceEndpoint, service: Service) -> ConnectorCapture:
    common = {
        "database.hostname": ep.host,
        "database.port": ep.port,
        "database.dbname": "yugabyte",
        "topic.prefix": topic,
        **_credentials(ep, "database.user", "database.password"),
        **single_topic_routing(topic),
    }
    if service.version in YUGABYTE_GRPC_VERSIONS:
        return ConnectorCapture(
            EngineName.yugabyte, Mechanism.vendor_debezium, "io.debezium.connector.yugabytedb.YugabyteDBgRPCConnector",
            plugins.YUGABYTEDB_GRPC, topic, ep,
            {
                **common,
                "database.master.addresses":
                    f"{ep.instance}-yb-master-service.{ep.namespace}.svc.cluster.local:{YUGABYTE_MASTER_RPC_PORT}",
                "database.streamid": secret_ref(ep, "cdc-stream-id"),
                "table.include.list": "public[.].*",
            },
            extra_ports=extra_cdc_ports(EngineName.yugabyte, grpc_cdc=True),
        )
    return ConnectorCapture(
        EngineName.yugabyte, Mechanism.vendor_debezium, "io.debezium.connector.postgresql.YugabyteDBConnector",
        plugins.YUGABYTEDB, topic, ep,
        {
            **common,
            "plugin.name": "yboutput",
            "slot.name": "dbaas_cdc",
            "publication.name": "dbaas_cdc",
            "publication.autocreate.mode": "all_tables",
        },
    )


def _vitess(topic: str, ep: InstanceEndpoint, service: Service) -> ConnectorCapture:
    return ConnectorCapture(
        EngineName.vitess, Mechanism.debezium, "io.debezium.connector.vitess.VitessConnector",
        plugins.DEBEZIUM_VITESS, topic, ep,
        {
            "database.hostname": ep.host,
            "database.port": VITESS_VTGATE_GRPC_PORT,
            "vitess.keyspace": service.name.replace("-", "_"),
            "topic.prefix": topic,
            **_credentials(ep, "database.user", "database.password"),
            **single_topic_routing(topic),
        },
        extra_ports=extra_cdc_ports(EngineName.vitess, grpc_cdc=False),
    )


def _mongodb(topic: str, ep: InstanceEndpoint, service: Service) -> ConnectorCapture:
    user, password = secret_ref(ep, ep.username_key), secret_ref(ep, ep.password_key)
    return ConnectorCapture(
        EngineName.mongodb, Mechanism.debezium, "io.debezium.connector.mongodb.MongoDbConnector",
        plugins.DEBEZIUM_MONGODB, topic, ep,
        {
            "mongodb.connection.string":
                f"mongodb://{user}:{password}@{ep.host}:{ep.port}/?replicaSet={ep.replica_set}&authSource=admin&tls=true",
            "topic.prefix": topic,
            **single_topic_routing(topic),
        },
    )


def _scylla(topic: str, ep: InstanceEndpoint, service: Service) -> ConnectorCapture:
    return ConnectorCapture(
        EngineName.scylla, Mechanism.vendor_debezium, "com.scylladb.cdc.debezium.connector.ScyllaConnector",
        plugins.SCYLLA_CDC, topic, ep,
        {
            "scylla.name": topic,
            "scylla.cluster.ip.addresses": f"{ep.host}:{ep.port}",
            "scylla.table.names": configmap_ref(ep.namespace, CDC_TABLES_CONFIGMAP, service.name),
            **_credentials(ep, "scylla.user", "scylla.password"),
            **single_topic_routing(topic),
        },
        tasks_max=3,
        configmaps=(CDC_TABLES_CONFIGMAP,),
    )


def _dragonfly(topic: str, ep: InstanceEndpoint, service: Service) -> ConnectorCapture:
    return ConnectorCapture(
        EngineName.dragonfly, Mechanism.redis_streams, "com.redis.kafka.connect.RedisStreamSourceConnector",
        plugins.REDIS_STREAMS, topic, ep,
        {
            "redis.uri": f"rediss://{ep.host}:{ep.port}",
            **_credentials(ep, "redis.username", "redis.password"),
            "redis.stream.name": DRAGONFLY_CDC_STREAM,
            "redis.stream.offset": "0-0",
            "redis.stream.delivery": "at-least-once",
            "redis.stream.consumer.group": "dbaas-connect",
            "topic": topic,
        },
    )


def _aerospike(topic: str, ep: InstanceEndpoint, service: Service) -> OutboundCapture:
    return OutboundCapture(EngineName.aerospike, Mechanism.xdr_outbound, topic, ep)


_BUILDERS = {
    EngineName.yugabyte: _yugabyte,
    EngineName.vitess: _vitess,
    EngineName.mongodb: _mongodb,
    EngineName.scylla: _scylla,
    EngineName.dragonfly: _dragonfly,
    EngineName.aerospike: _aerospike,
}


def cdc_capture(tenant_id: str, service: Service) -> CdcCapture:
    """How `service` of `tenant_id` streams its changes to `dbaas.cdc.<engine>.<tenant>.<service>`."""
    topic = kafka_cdc_topic(service.engine.value, tenant_id, service.name)
    return _BUILDERS[service.engine](topic, instance_endpoint(tenant_id, service), service)
