"""Tenant facts the rules need (data region, deletion protection, owner groups), read from
the same validated tenants tree the program deploys."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from declarations.tenant_loader import load_tenant_tree
from declarations.tenant_model import Tenant
from policies.rules.model import TenantFacts


def facts_of(tenants: Iterable[Tenant]) -> dict[str, TenantFacts]:
    return {
        t.id: TenantFacts(
            id=t.id,
            data_region=t.data_region,
            deletion_protection=t.deletion_protection,
            owners=tuple(t.owners),
            plan=t.plan.value,
            decommissioned=t.decommission is not None,
            decommissioned_services=frozenset(s.name for s in t.services
                                              if s.decommission is not None or t.decommission is not None),
        )
        for t in tenants
    }


def load_tenant_facts(tenants_dir: Path) -> dict[str, TenantFacts]:
    """Raises declarations.errors.InputError (located problems) when the tree is invalid."""
    return facts_of(load_tenant_tree(tenants_dir))
