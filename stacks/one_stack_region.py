"""The Pulumi program, shared by `pulumi up` (via __main__.py) and the offline plan."""

from __future__ import annotations

from pathlib import Path

import pulumi

from declarations.errors import InputError
from declarations.stack_config import PROJECT, from_pulumi_config
from declarations.tenant_loader import load_tenant_tree
from declarations.tenant_model import Tenant
from stacks.ordering import order_kubernetes_objects
from stacks.region import TENANTS_DIR, RegionStack, build_region
from stacks.tenant.outputs import tenant_outputs


def run(
    tenants_dir: Path = TENANTS_DIR,
    only_tenants: frozenset[str] | None = None,
    tenants: list[Tenant] | None = None,
) -> RegionStack:
    """`only_tenants` and `tenants` are for the offline runner, which has already loaded and
    validated this region's tenants and may build only some of them (see stacks/region.py)."""
    order_kubernetes_objects()
    config = from_pulumi_config()
    if tenants is None:
        try:
            tenants = load_tenant_tree(tenants_dir, region=config.region)
        except InputError as exc:
            raise pulumi.RunError(f"invalid tenant declarations:\n{exc}") from None
    kubeconfig = pulumi.Config(PROJECT).get_secret("kubeconfig")  # required only in adopt mode
    region = build_region(config, tenants, kubeconfig, only_tenants)
    pulumi.export("region", config.region)
    pulumi.export("tenants", sorted(region.tenants))
    # The tenant outputs contract (stacks/tenant/outputs.py); moves into the tenant stacks with issue 11.
    pulumi.export("tenant_outputs", {tenant_id: tenant_outputs(stack) for tenant_id, stack in sorted(region.tenants.items())})
    return region
