"""Which component runs which engine, and how a tenant's services become instances."""

from __future__ import annotations

from typing import Sequence

import pulumi

from components.engines.aerospike import AerospikeInstance
from components.engines.base import EngineInstance
from components.engines.args import EnginePlacement, InstanceArgs
from components.engines.dragonfly import DragonflyInstance
from components.engines.mongodb import MongodbInstance
from components.engines.scylla import ScyllaInstance
from components.engines.vitess import VitessInstance
from components.engines.yugabyte import YugabyteInstance
from components.tenant import TenantEnvironment
from components.tenant.namespace import tenant_labels
from declarations.engine_catalog import EngineName
from declarations.naming import LOGICAL_NAME_SEPARATOR
from declarations.plans import plan_for
from declarations.tenant_model import LATEST_BACKUP, Decommission, Service, Tenant

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
    instances: dict[str, EngineInstance] = {}
    for service in sources_first(tenant.services):
        source = service.restore_from.service if service.restore_from is not None else None
        instances[service.name] = INSTANCE_CLASSES[service.engine](
            f"{tenant.id}{LOGICAL_NAME_SEPARATOR}{service.name}",
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
                role_arn=env.role.arn,
                placement=placement,
                clones=clones_of(tenant.services, service),
                restore_after=(instances[source],) if source in instances else (),
            ),
            opts=opts,
        )
    return {service.name: instances[service.name] for service in tenant.services}


def clones_of(services: Sequence[Service], source: Service) -> tuple[str, ...]:
    """Names of the services that clone `source` (`restore_from` it with `backup: latest`)."""
    return tuple(s.name for s in services if s.restore_from is not None and s.restore_from.service == source.name
                 and s.restore_from.backup == LATEST_BACKUP)


def sources_first(services: Sequence[Service]) -> list[Service]:
    """The services in declaration order, except that a restore source comes before the services restored from
    it, so their restore objects can wait for it (InstanceArgs.restore_after). Sources never form a cycle: the
    diff refuses restore_from on an existing service, so a source always existed before its target."""
    by_name = {s.name: s for s in services}
    ordered: list[Service] = []
    seen: set[str] = set()

    def visit(service: Service, path: tuple[str, ...]) -> None:
        if service.name in seen or service.name in path:
            return
        source = service.restore_from.service if service.restore_from is not None else None
        if source in by_name:
            visit(by_name[source], path + (service.name,))
        seen.add(service.name)
        ordered.append(service)

    for service in services:
        visit(service, ())
    return ordered
