"""Which resources of a deployed plan a decommission marker has released for deletion.

A tenant file's `decommission:` marker (tenant level, or on one service) deploys first: it takes
the final backups and lifts protection (components/tenant/environment.py, components/engines/).
Only then may the next change remove the service or the tenant (declarations/decommission.py). What that
removal deletes is then expected, not lost data: `dbaas diff` lists it apart from destructive
deletes, and `--fail-on-destroy` lets it through. What is retained on delete (retainOnDelete) is
never lost either: it leaves the stack but stays in AWS or the cluster.
"""

from __future__ import annotations

from typing import Iterable

from tools.offline.diff import PlanSnapshot
from declarations.tenant_model import Tenant
from policies.rules.model import SERVICE_LABEL, tenant_by_parent_chain


def decommissioned_urns(base: PlanSnapshot, base_tenants: Iterable[Tenant]) -> frozenset[str]:
    """Base resources owned by a tenant whose tenant-level marker is deployed, or labelled with a
    service whose own marker is deployed."""
    tenants = {t.id: t for t in base_tenants}
    owners = tenant_by_parent_chain({r.urn: r.parent or None for r in base.resources},
                                    {r.urn: r.type for r in base.resources},
                                    {r.urn: r.urn.rsplit("::", 1)[-1] for r in base.resources})
    released: set[str] = set()
    for resource in base.resources:
        tenant = tenants.get(owners.get(resource.urn, ""))
        if tenant is None:
            continue
        metadata = resource.inputs.get("metadata")
        labels = metadata.get("labels") if isinstance(metadata, dict) else None
        service = labels.get(SERVICE_LABEL) if isinstance(labels, dict) else None
        if tenant.decommission is not None or any(s.name == service and s.decommission is not None
                                                  for s in tenant.services):
            released.add(resource.urn)
    return frozenset(released)
