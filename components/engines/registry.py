"""Which component runs which engine, and how a tenant's services become instances."""

from __future__ import annotations

from typing import Sequence

import pulumi

from components.engines.aerospike import AerospikeInstance
from components.engines.base import EngineInstance
from components.engines.context import EnginePlacement, InstanceArgs
from components.engines.dragonfly import DragonflyInstance
from components.engines.mongodb import MongodbInstance
from components.engines.scylla import ScyllaInstance
from components.engines.vitess import VitessInstance
from components.engines.yugabyte import YugabyteInstance
from components.tenant import TenantEnvironment
from components.tenant.namespace import tenant_labels
from declarations.engine_catalog import EngineName
from declarations.plans import plan_for
from declarations.tenant_model import Decommission, Service, Tenant

INSTANCE_CLASSES: dict[EngineName, type[EngineInstance]] = {
    cls.ENGINE: cls
    for cls in (YugabyteInstance, VitessInstance, ScyllaInstance, DragonflyInstance, AerospikeInstance, MongodbInstance)
}


def effective_service(tenant: Tenant, service: Service) -> Service:
    """A tenant-level `decommission:` marker decommissions every service, each with a final
    backup where it has backups, unless the service carries its own marker."""
    if tenant.decommission is None or service.decommission is not None:
        return service
    marker = Decommission(requested_by=tenant.decommission.requested_by, final_backup=service.backups is not None)
    return service.model_copy(update={"decommission": marker})


def create_service_instances(
    tenant: Tenant, env: TenantEnvironment, placement: EnginePlacement, depends_on: Sequence[pulumi.Resource] = (),
) -> dict[str, EngineInstance]:
    """One instance per declared service, parented to the tenant's environment (providers inherited)."""
    plan = plan_for(tenant.plan)
    # The namespace and its IRSA ServiceAccount must exist before any instance object is applied.
    opts = pulumi.ResourceOptions(parent=env, depends_on=[env.namespace, *depends_on])
    return {
        service.name: INSTANCE_CLASSES[service.engine](
            InstanceArgs(
                tenant_id=tenant.id,
                plan=plan,
                service=effective_service(tenant, service),
                protected=tenant.deletion_protection,
                namespace=env.namespace_name,
                service_account=env.service_account_name,
                labels=tenant_labels(tenant),
                bucket=env.bucket.bucket,
                key_arn=env.key.arn,
                placement=placement,
            ),
            opts=opts,
        )
        for service in tenant.services
    }
