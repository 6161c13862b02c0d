"""Typed inputs of the Kafka area: the regional backbone and one tenant's streams. The stacks fill
them (the backbone's from the stack config, a tenant's from where the region's Kafka is)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from components.input_types import StrInput
from declarations.field_types import AwsAccountId, JvmHeap, StorageClassName
from declarations.tenant_model import Tenant

CONTROLLER_REPLICAS = 3
"""KRaft quorum: three controllers survive the loss of one."""


class NodePoolSizing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    replicas: int = Field(ge=1, description="Nodes in the pool.")
    storage_gb: int = Field(ge=1, description="Persistent volume of each node, in GiB.")
    heap: JvmHeap = Field(description="JVM -Xms/-Xmx of each node.")
    memory: str = Field(description="Container memory of each node (Kubernetes quantity).")
    cpu: str = Field(description="Container CPU of each node (Kubernetes quantity).")


class KafkaBackboneArgs(BaseModel):
    """Everything the regional Kafka needs to know about its region."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    region: str = Field(description="Platform region: names the Connect role and tags.")
    namespace: str = Field(description="Namespace of Strimzi, Kafka, Connect and the schema registry.")
    cluster_name: str = Field(description="Name of the Strimzi Kafka cluster.")
    bootstrap_port: int = Field(description="Port of the TLS listener clients bootstrap from.")
    storage_class: StorageClassName = Field(description="StorageClass of broker and controller volumes.")
    brokers: NodePoolSizing = Field(description="The broker node pool.")
    controllers: NodePoolSizing = Field(description="The KRaft controller node pool.")
    rack_topology_key: str = Field(description="Node label that spreads replicas across racks (zones).")
    connect_replicas: int = Field(ge=1, description="Kafka Connect workers.")
    connect_image: str = Field(description="Repository Strimzi pushes the Connect image it builds to.")
    aws_account_id: AwsAccountId = Field(description="Account of the Connect workers' IRSA role.")
    oidc_issuer: StrInput = Field(
        description="Service-account issuer host/path; known only after apply when the stack creates the cluster.")
    monitoring_namespace: str = Field(description="Scrapes Kafka; admitted by the Kafka namespace's policies.")


class TenantStreamsArgs(BaseModel):
    """The tenant, where the regional Kafka is, and the tenant's archive target (bucket, key, role)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    tenant: Tenant = Field(description="The tenant declaration: its topics, CDC services and protection.")
    kafka_namespace: str = Field(description="Where the tenant's Kafka custom resources live.")
    cluster_name: str = Field(description="The Strimzi Kafka cluster the topics and user belong to.")
    bootstrap: str = Field(description="host:port of the Kafka bootstrap service (TLS).")
    cluster_ca_secret: str = Field(description="Secret holding the Kafka cluster CA certificate.")
    connect_name: str = Field(description="The KafkaConnect cluster that runs the tenant's connectors.")
    connect_service_account: str = Field(description="Connect's ServiceAccount; reads the CDC credentials.")
    aws_region: str = Field(description="Region of the tenant's archive bucket.")
    bucket_name: StrInput = Field(description="The tenant's bucket; the audit archive writes there.")
    key_arn: StrInput = Field(description="The tenant's KMS key; encrypts the archive.")
    role_arn: StrInput = Field(description="The tenant's role, which Connect assumes for the archive.")
