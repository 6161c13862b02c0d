"""NetworkPolicies of the Kafka namespace: the shared platform set (default deny, same namespace,
DNS, API server/AWS HTTPS for the operators, Connect's S3 sink and STS, and the Kaniko build's
registry push) plus exactly the Kafka traffic that crosses the namespace boundary.

- Tenant clients reach the brokers on the TLS listener (`kafkaBootstrapPort`) only.
- Aerospike XDR in tenant namespaces pushes to the outbound connectors on `XDR_PORT`.
- Connect reaches tenant database instances on the engines' client ports and the extra CDC ports.
- Monitoring scrapes the JMX exporter and Kafka Exporter (Strimzi's `tcp-prometheus`).
Brokers, controllers, Connect, the registry and the outbound connectors talk to each other
inside the namespace, which the baseline admits.
"""

from __future__ import annotations

from components.kafka.instances import VITESS_VTGATE_GRPC_PORT, YUGABYTE_MASTER_RPC_PORT
from components.kafka.outbound import OUTBOUND_POD_LABELS, XDR_PORT
from components.namespace_baseline import from_tenants, platform_namespace_policies, to_tenants
from declarations.engine_catalog import ENGINE_SPECS

STRIMZI_METRICS_PORT = 9404
"""Strimzi exposes `metricsConfig` (JMX Prometheus exporter) and Kafka Exporter on `tcp-prometheus` 9404."""
STRIMZI_METRICS_PORT_NAME = "tcp-prometheus"
"""The name of that container port on broker, controller and Kafka Exporter pods (the entity operator has none)."""


def broker_pods(cluster: str) -> dict:
    """The Kafka node pools' pods (brokers and controllers), as the tenants' egress policy selects them."""
    return {"matchLabels": {"strimzi.io/cluster": cluster, "strimzi.io/kind": "Kafka"}}


def connect_pods(connect_name: str) -> dict:
    """Connect workers and their image build pod."""
    return {"matchLabels": {"strimzi.io/cluster": connect_name, "strimzi.io/kind": "KafkaConnect"}}


def cdc_instance_ports() -> list[int]:
    """Every engine's client port, plus what CDC needs beyond it (vtgate gRPC, YugabyteDB master RPC)."""
    return sorted({spec.client_port for spec in ENGINE_SPECS.values()}
                  | {VITESS_VTGATE_GRPC_PORT, YUGABYTE_MASTER_RPC_PORT})


def policy_specs(cluster: str, bootstrap_port: int, connect_name: str, monitoring_namespace: str) -> dict[str, dict]:
    """NetworkPolicy name -> spec for the Kafka namespace; everything not listed is denied."""
    return {
        **platform_namespace_policies(monitoring_namespace, metrics_ports=(STRIMZI_METRICS_PORT,)),
        "allow-tenant-clients": from_tenants((bootstrap_port,), pods=broker_pods(cluster)),
        "allow-aerospike-xdr": from_tenants((XDR_PORT,), pods={"matchLabels": OUTBOUND_POD_LABELS}),
        "allow-connect-cdc-egress": to_tenants(cdc_instance_ports(), pods=connect_pods(connect_name)),
    }
