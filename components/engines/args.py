"""Typed inputs of the engines area: the region's operators, and one instance (a tenant's service
plus the facts of its environment). The stacks fill them; components never read config."""

from __future__ import annotations

import pulumi
from pydantic import BaseModel, ConfigDict, Field

from components.input_types import StrInput
from declarations.engine_catalog import EngineName, EngineSpec, engine_spec
from declarations.field_types import AwsAccountId, StorageClassName
from declarations.naming import service_instance
from declarations.plans import Plan
from declarations.tenant_model import Service


class EngineOperatorsArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    engines: tuple[EngineName, ...] = Field(default=tuple(EngineName), description="Engines whose operators to install.")
    monitoring_namespace: str = Field(
        default="monitoring", description="Scrapes the operators (stack config `monitoringNamespace`; its default).")
    region: str = Field(description="The platform region: names the operators' IAM roles.")
    aws_account_id: AwsAccountId = Field(description="Account of the operators' roles and the tenant buckets.")
    oidc_issuer: StrInput = Field(
        description="Host/path of the cluster's service-account issuer: the operators' roles trust their "
                    "ServiceAccounts through it (an output when the PoP cluster is created in this stack).")


class EnginePlacement(BaseModel):
    """Regional facts every instance needs; the stack passes them, components never read config."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    aws_region: str = Field(description="Region of the tenant bucket the backups go to.")
    storage_class: StorageClassName = Field(description="Retained, encrypted StorageClass of database volumes.")
    kafka_namespace: str = Field(description="Where Kafka Connect runs; CDC-enabled instances admit it.")
    aerospike_feature_key: StrInput = Field(
        description="Content of the Aerospike Enterprise `features.conf`; a Pulumi secret.")


class InstanceArgs(BaseModel):
    """One tenant service, and the tenant environment it lands in."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    tenant_id: str = Field(description="The owning tenant.")
    plan: Plan = Field(description="The tenant's plan: sizing limits and defaults.")
    service: Service = Field(description="The service declaration (engine, version, topology, size, backups).")
    protected: bool = Field(description="The tenant's `deletion_protection`.")
    namespace: str = Field(description="The tenant namespace the instance runs in.")
    service_account: str = Field(
        description="IRSA-bound ServiceAccount: its role may write only this tenant's bucket with this tenant's key.")
    labels: dict[str, str] = Field(description="The tenant's labels, put on every object of the instance.")
    bucket: StrInput = Field(description="The tenant's backup bucket.")
    key_arn: StrInput = Field(description="The tenant's KMS key; encrypts backups.")
    role_arn: StrInput = Field(description="The tenant's IRSA role (reaches its bucket and key); for pods an "
                                           "operator runs under a ServiceAccount of its own (EngineSpec.pod_service_account_suffix).")
    placement: EnginePlacement = Field(description="The region's facts.")
    clones: tuple[str, ...] = Field(
        default=(), description="Services of the same tenant that clone this one (`restore_from: {service: <this>, "
                                "backup: latest}`), for engines whose clone runs through the source's own objects "
                                "(Aerospike: its backup service).")
    restore_after: tuple[pulumi.Resource, ...] = Field(
        default=(), description="The source instance of `restore_from`, when the same declaration builds it: restore "
                                "objects that go through the source's objects wait for it.")

    @property
    def spec(self) -> EngineSpec:
        return engine_spec(self.service.engine)

    @property
    def instance_name(self) -> str:
        return service_instance(self.service.name, self.service.engine.value)

    @property
    def backup_prefix(self) -> str:
        """Object key prefix of this instance's backups inside the tenant bucket."""
        return f"{self.service.engine.value}/{self.service.name}"

    @property
    def backup_url(self) -> pulumi.Output[str]:
        """`s3://<tenant bucket>/<engine>/<service>`: where this instance's backups go."""
        return pulumi.Output.concat("s3://", self.bucket, "/", self.backup_prefix)

    @property
    def decommissioning(self) -> bool:
        return self.service.decommission is not None

    @property
    def keep_protected(self) -> bool:
        """Protected tenants' instances stay protected until the service is marked for decommissioning."""
        return self.protected and not self.decommissioning
