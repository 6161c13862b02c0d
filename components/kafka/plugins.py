"""Connector plugins baked into the regional Kafka Connect image through Strimzi's `spec.build`.

Every artifact is pinned to an exact version (versions.py). The image is the same for every
tenant: which connectors run is decided by KafkaConnector objects, not by the image.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.kafka import versions as v


@dataclass(frozen=True)
class Plugin:
    name: str
    artifacts: tuple[dict, ...]

    def to_strimzi(self) -> dict:
        return {"name": self.name, "artifacts": [dict(a) for a in self.artifacts]}


def _tgz(url: str) -> dict:
    return {"type": "tgz", "url": url}


def _jar(url: str) -> dict:
    return {"type": "jar", "url": url}


def _maven(group: str, artifact: str, version: str, repository: str = v.MAVEN_CENTRAL) -> dict:
    return {"type": "maven", "repository": repository, "group": group, "artifact": artifact, "version": version}


DEBEZIUM_VITESS = Plugin("debezium-vitess", (_tgz(v.debezium_plugin_url("vitess")),))
DEBEZIUM_MONGODB = Plugin("debezium-mongodb", (_tgz(v.debezium_plugin_url("mongodb")),))
YUGABYTEDB = Plugin(
    "yugabytedb",
    (_jar(f"https://github.com/yugabyte/debezium/releases/download/{v.YUGABYTE_CONNECTOR_VERSION}/"
          f"debezium-connector-yugabytedb-{v.YUGABYTE_CONNECTOR_VERSION}-jar-with-dependencies.jar"),),
)
YUGABYTEDB_GRPC = Plugin(
    "yugabytedb-grpc",
    (_jar(f"https://github.com/yugabyte/debezium-connector-yugabytedb/releases/download/"
          f"v{v.YUGABYTE_GRPC_CONNECTOR_VERSION}/debezium-connector-yugabytedb-{v.YUGABYTE_GRPC_CONNECTOR_VERSION}.jar"),),
)
SCYLLA_CDC = Plugin("scylla-cdc", (_maven("com.scylladb", "scylla-cdc-source-connector", v.SCYLLA_CDC_CONNECTOR_VERSION),))
REDIS_STREAMS = Plugin("redis-kafka-connect", (_maven("com.redis", "redis-kafka-connect", v.REDIS_KAFKA_CONNECT_VERSION),))
S3_SINK = Plugin(
    "confluent-s3-sink",
    (_maven("io.confluent", "kafka-connect-s3", v.CONFLUENT_S3_SINK_VERSION, repository=v.CONFLUENT_MAVEN),),
)
APICURIO_CONVERTER = Plugin(
    "apicurio-converter",
    (_tgz(f"{v.MAVEN_CENTRAL}/io/apicurio/apicurio-registry-distro-connect-converter/{v.APICURIO_CONVERTER_VERSION}/"
          f"apicurio-registry-distro-connect-converter-{v.APICURIO_CONVERTER_VERSION}.tar.gz"),),
)

ALL_PLUGINS: tuple[Plugin, ...] = (
    APICURIO_CONVERTER, DEBEZIUM_VITESS, DEBEZIUM_MONGODB, YUGABYTEDB, YUGABYTEDB_GRPC, SCYLLA_CDC, REDIS_STREAMS, S3_SINK,
)
