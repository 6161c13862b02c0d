"""Pinned versions of everything the Kafka backbone installs or downloads.

One place, so an upgrade is one reviewed diff. Plugin artifacts are fetched by Strimzi's
`spec.build` at image build time from these exact URLs or Maven coordinates.
"""

from __future__ import annotations

from declarations.chart_pins import PinnedChart

STRIMZI_CHART = PinnedChart("strimzi-kafka-operator", "0.47.0", "https://strimzi.io/charts/", crd_groups=("kafka.strimzi.io", "core.strimzi.io"))

KAFKA_VERSION = "4.0.0"
KAFKA_METADATA_VERSION = "4.0-IV3"
"""KRaft metadata version; raise it only after every broker runs the new Kafka version."""

DEBEZIUM_VERSION = "3.1.0.Final"
APICURIO_REGISTRY_IMAGE = "quay.io/apicurio/apicurio-registry:3.0.6"
APICURIO_CONVERTER_VERSION = "2.6.5.Final"
"""The 2.x converter speaks the registry's v2 API, which the 3.x server keeps serving."""

YUGABYTE_CONNECTOR_VERSION = "dz.2.5.2.yb.2024.2.5"
YUGABYTE_GRPC_CONNECTOR_VERSION = "dz.1.9.5.yb.grpc.2024.2.3"
SCYLLA_CDC_CONNECTOR_VERSION = "1.2.1"
REDIS_KAFKA_CONNECT_VERSION = "0.9.1"
CONFLUENT_S3_SINK_VERSION = "10.5.17"
AEROSPIKE_KAFKA_OUTBOUND_IMAGE = "aerospike/aerospike-kafka-outbound:5.2.0"

MAVEN_CENTRAL = "https://repo1.maven.org/maven2"
CONFLUENT_MAVEN = "https://packages.confluent.io/maven/"


def debezium_plugin_url(connector: str) -> str:
    """Debezium publishes each connector as a self-contained `-plugin.tar.gz` on Maven Central."""
    artifact = f"debezium-connector-{connector}"
    return f"{MAVEN_CENTRAL}/io/debezium/{artifact}/{DEBEZIUM_VERSION}/{artifact}-{DEBEZIUM_VERSION}-plugin.tar.gz"
