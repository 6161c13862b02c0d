"""The plan catalog: what each commercial plan allows and what the platform sizes from it.

One table, read by the tenant model (limits), the tenant namespace (quota and limit range),
the engines (per-replica resources) and, later, Kafka quotas and SLO targets.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class PlanName(str, Enum):
    starter = "starter"
    standard = "standard"
    enterprise = "enterprise"


class Resources(BaseModel):
    """CPU and memory in Kubernetes quantity notation."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    cpu: str
    memory: str


class NamespaceQuota(BaseModel):
    """ResourceQuota `hard` values for a tenant namespace."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    requests_cpu: str
    requests_memory: str
    limits_cpu: str
    limits_memory: str
    requests_storage_gb: int
    persistent_volume_claims: int
    pods: int


class KafkaQuota(BaseModel):
    """Per-tenant Kafka client quotas (Strimzi KafkaUser `spec.quotas`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    producer_byte_rate: int
    consumer_byte_rate: int
    request_percentage: int


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: PlanName
    max_services: int
    allowed_topologies: tuple[str, ...]
    max_replicas: int
    max_storage_gb_per_service: int
    max_backup_retention_days: int
    quota: NamespaceQuota
    container_default_request: Resources
    container_default_limit: Resources
    container_max: Resources
    replica_request: Resources
    replica_limit: Resources
    kafka_quota: KafkaQuota
    availability_slo: float
    """Availability target as a fraction, e.g. 0.999."""


PLANS: dict[PlanName, Plan] = {
    PlanName.starter: Plan(
        name=PlanName.starter,
        max_services=2,
        allowed_topologies=("single",),
        max_replicas=1,
        max_storage_gb_per_service=50,
        max_backup_retention_days=7,
        quota=NamespaceQuota(
            requests_cpu="4", requests_memory="8Gi", limits_cpu="8", limits_memory="16Gi",
            requests_storage_gb=200, persistent_volume_claims=10, pods=20,
        ),
        container_default_request=Resources(cpu="100m", memory="128Mi"),
        container_default_limit=Resources(cpu="500m", memory="512Mi"),
        container_max=Resources(cpu="2", memory="4Gi"),
        replica_request=Resources(cpu="500m", memory="1Gi"),
        replica_limit=Resources(cpu="1", memory="2Gi"),
        kafka_quota=KafkaQuota(producer_byte_rate=1_048_576, consumer_byte_rate=2_097_152, request_percentage=10),
        availability_slo=0.995,
    ),
    PlanName.standard: Plan(
        name=PlanName.standard,
        max_services=5,
        allowed_topologies=("single", "clustered"),
        max_replicas=5,
        max_storage_gb_per_service=500,
        max_backup_retention_days=35,
        quota=NamespaceQuota(
            requests_cpu="24", requests_memory="96Gi", limits_cpu="48", limits_memory="160Gi",
            requests_storage_gb=4096, persistent_volume_claims=60, pods=100,
        ),
        container_default_request=Resources(cpu="100m", memory="256Mi"),
        container_default_limit=Resources(cpu="1", memory="1Gi"),
        container_max=Resources(cpu="4", memory="16Gi"),
        replica_request=Resources(cpu="1", memory="4Gi"),
        replica_limit=Resources(cpu="2", memory="8Gi"),
        kafka_quota=KafkaQuota(producer_byte_rate=10_485_760, consumer_byte_rate=20_971_520, request_percentage=25),
        availability_slo=0.999,
    ),
    PlanName.enterprise: Plan(
        name=PlanName.enterprise,
        max_services=20,
        allowed_topologies=("single", "clustered"),
        max_replicas=9,
        max_storage_gb_per_service=4000,
        max_backup_retention_days=400,
        quota=NamespaceQuota(
            requests_cpu="256", requests_memory="1024Gi", limits_cpu="512", limits_memory="2048Gi",
            requests_storage_gb=200_000, persistent_volume_claims=500, pods=600,
        ),
        container_default_request=Resources(cpu="250m", memory="512Mi"),
        container_default_limit=Resources(cpu="2", memory="4Gi"),
        container_max=Resources(cpu="16", memory="64Gi"),
        replica_request=Resources(cpu="4", memory="16Gi"),
        replica_limit=Resources(cpu="8", memory="32Gi"),
        kafka_quota=KafkaQuota(producer_byte_rate=52_428_800, consumer_byte_rate=104_857_600, request_percentage=50),
        availability_slo=0.9995,
    ),
}


def plan_for(name: PlanName | str) -> Plan:
    return PLANS[PlanName(name)]
