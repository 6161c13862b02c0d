"""Typed inputs of the regional Kafka backbone; the stack fills them from its config."""

from __future__ import annotations

import pulumi
from pydantic import BaseModel, ConfigDict, Field

CONTROLLER_REPLICAS = 3
"""KRaft quorum: three controllers survive the loss of one."""


class NodePoolSizing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    replicas: int = Field(ge=1)
    storage_gb: int = Field(ge=1)
    heap: str = Field(pattern=r"^[1-9]\d*[mg]$")
    memory: str
    cpu: str


class KafkaBackboneArgs(BaseModel):
    """Everything the regional Kafka needs to know about its region."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    region: str
    namespace: str
    cluster_name: str
    bootstrap_port: int
    storage_class: str
    brokers: NodePoolSizing
    controllers: NodePoolSizing
    rack_topology_key: str
    connect_replicas: int = Field(ge=1)
    connect_image: str
    aws_account_id: str
    oidc_issuer: str | pulumi.Output
    """Known only after apply when the PoP cluster is created by the stack."""
    monitoring_namespace: str
