"""What an engine instance is built from: the tenant's service plus the facts of its environment."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from declarations.engine_catalog import EngineSpec, engine_spec
from declarations.naming import service_instance
from declarations.plans import Plan
from declarations.tenant_model import Service


@dataclass(frozen=True)
class EnginePlacement:
    """Regional facts every instance needs; the stack passes them, components never read config."""

    aws_region: str
    storage_class: str
    kafka_namespace: str
    aerospike_feature_key: pulumi.Input[str]
    """Content of the Aerospike Enterprise `features.conf`; a Pulumi secret."""


@dataclass(frozen=True)
class InstanceArgs:
    """One tenant service, and the tenant environment it lands in."""

    tenant_id: str
    plan: Plan
    service: Service
    protected: bool
    """The tenant's `deletion_protection`."""
    namespace: str
    service_account: str
    """IRSA-bound ServiceAccount: its role may write only this tenant's bucket with this tenant's key."""
    labels: dict[str, str]
    bucket: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    placement: EnginePlacement
    clones: tuple[str, ...] = ()
    """Services of the same tenant that clone this one (`restore_from: {service: <this>, backup: latest}`), for
    engines whose clone runs through the source's own objects (Aerospike: its backup service)."""
    restore_after: tuple[pulumi.Resource, ...] = ()
    """The source instance of `restore_from`, when the same declaration builds it: restore objects that go
    through the source's objects wait for it."""

    @property
    def spec(self) -> EngineSpec:
        return engine_spec(self.service.engine)

    @property
    def instance_name(self) -> str:
        return service_instance(self.service.name, self.service.engine.value)

    @property
    def logical_prefix(self) -> str:
        """Pulumi logical names of this instance's resources: `<tenant>.<service>.<role>` (declarations/naming.py)."""
        return f"{self.tenant_id}.{self.service.name}"

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
